import type { LoggedTurnEvent, TurnEvent } from "@acb/schemas";
import { TurnEvent as TurnEventSchema } from "@acb/schemas";

/** Fields of a stream entry: e = event name, d = data, c = error code (optional). */
export function encodeEvent(event: TurnEvent): string[] {
  const fields = ["e", event.event, "d", event.data];
  if (event.event === "error" && event.code !== undefined) fields.push("c", event.code);
  return fields;
}

export function decodeEntry(id: string, fields: readonly string[]): LoggedTurnEvent | undefined {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i] ?? ""] = fields[i + 1] ?? "";
  const parsed = TurnEventSchema.safeParse(map.c !== undefined ? { event: map.e, data: map.d, code: map.c } : { event: map.e, data: map.d });
  return parsed.success ? { id, event: parsed.data } : undefined;
}

