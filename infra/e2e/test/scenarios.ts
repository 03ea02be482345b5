/** Scenarios more than one topology must pass (a single Redis in distributed.test.ts, a Redis Cluster in cluster.test.ts). */
import { readSse, streamSse, tokenText as tokensOf, waitFor, type ScriptedOpenAI } from "@acb/testkit";
import { expect } from "vitest";
import { contentText } from "./script.js";

/** A JSON POST, with `headers` added (an Authorization, say). */
export const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
export { tokensOf };

export interface Readiness {
  readonly status: number;
  readonly body: { mode: string; checks: Record<string, { ok: boolean; detail?: string }> };
}

/**
 * A gateway's /readiness once `settled` holds (within 15 s), for the test to check; when it never does, the error
 * shows the last answer. Right after a stack starts, runners are seen only from their first heartbeat, which also
 * carries what MCP servers they reach.
 */
export async function settledReadiness(gateway: string, settled: (r: Readiness) => boolean): Promise<Readiness> {
  const read = async (): Promise<Readiness> => {
    const res = await fetch(`${gateway}/readiness`);
    return { status: res.status, body: (await res.json()) as Readiness["body"] };
  };
  // The last answer read: the one that passed once waitFor returns, the one to show when it never settles.
  let last: Readiness | undefined;
  try {
    await waitFor(
      async () => {
        last = await read();
        return settled(last);
      },
      15_000,
      "a settled /readiness",
    );
  } catch (err) {
    const seen = last === undefined ? "none answered" : `last: ${last.status} ${JSON.stringify(last.body)}`;
    throw new Error(`${err instanceof Error ? err.message : String(err)} (${seen})`, { cause: err });
  }
  if (last === undefined) throw new Error("waitFor passed without a /readiness answer");
  return last;
}

/** An SSE response read in the background: `events` fills as they arrive; `ended` resolves when the stream ends. */
export function collectSse(res: Response): {
  readonly events: Array<{ id?: string; event?: string; data: string }>;
  readonly ended: Promise<void>;
} {
  const events: Array<{ id?: string; event?: string; data: string }> = [];
  const ended = (async () => {
    for await (const m of streamSse(res)) events.push(m);
  })();
  return { events, ended };
}

/** A session started on gateway `a` continues on gateway `b`: the model is sent the first exchange with the second turn. */
export async function expectMemorySharedAcrossGateways(a: string, b: string, upstream: ScriptedOpenAI): Promise<void> {
  await fetch(`${a}/v1/chat`, post({ session_id: "shared", input: "remember the red door" }));
  const before = upstream.requests.length;
  const res = await fetch(`${b}/v1/chat`, post({ session_id: "shared", input: "what should I remember?" }));
  expect(await res.json()).toEqual({ text: "echo: what should I remember?" });
  const sent = upstream.requests
    .slice(before)
    .map((r) => r.body.messages.map((m) => `${m.role}: ${contentText(m.content)}`).join("\n"));
  expect(
    sent.some((t) => t.includes("user: remember the red door") && t.includes("assistant: echo: remember the red door")),
  ).toBe(true);
}

/** A stream read in part on gateway `a` resumes on gateway `b` with Last-Event-ID: exactly the missing events, none twice. */
export async function expectResumeAcrossGateways(a: string, b: string): Promise<void> {
  const first = await fetch(
    `${a}/v1/chat/stream`,
    post({ session_id: "resume", input: "slow:40:one two three four five six seven eight" }),
  );
  const turnId = first.headers.get("x-turn-id") ?? "";
  const seen: Array<{ id?: string; event?: string; data: string }> = [];
  for await (const m of streamSse(first)) {
    seen.push(m);
    if (seen.length === 3) break;
  }
  await first.body?.cancel();
  const rest = await readSse(`${b}/v1/turns/${turnId}/events`, { headers: { "last-event-id": seen.at(-1)?.id ?? "" } });
  const whole = await readSse(`${b}/v1/turns/${turnId}/events`);
  expect([...seen, ...rest.messages]).toEqual(whole.messages);
  expect(tokensOf(whole.messages)).toBe("one two three four five six seven eight");
}
