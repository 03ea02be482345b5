import type { LoggedTurnEvent, TurnEvent } from "@acb/schemas";
import { TurnEvent as TurnEventSchema } from "@acb/schemas";

/** Fields of a stream entry: e = event name, d = data, c = error code, x = a tool event's extra fields as JSON (optional). */
export function encodeEvent(event: TurnEvent): string[] {
  const fields = ["e", event.event, "d", event.data];
  if (event.event === "error" && event.code !== undefined) fields.push("c", event.code);
  if (event.event === "tool_start" || event.event === "tool_end") {
    const { event: _name, data: _data, ...extra } = event;
    if (Object.keys(extra).length > 0) fields.push("x", JSON.stringify(extra));
  }
  return fields;
}

function extraFields(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function decodeEntry(id: string, fields: readonly string[]): LoggedTurnEvent | undefined {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i] ?? ""] = fields[i + 1] ?? "";
  const parsed = TurnEventSchema.safeParse(
    map.c !== undefined
      ? { event: map.e, data: map.d, code: map.c }
      : { ...extraFields(map.x), event: map.e, data: map.d },
  );
  return parsed.success ? { id, event: parsed.data } : undefined;
}
