import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { bestEffort, createLogger } from "./index.js";

function capture(): { lines: () => Array<Record<string, unknown>>; destination: Writable } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    destination,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("writes one JSON line per call with level name, ISO time, service, msg and fields", () => {
    const out = capture();
    const log = createLogger("svc", "debug", { destination: out.destination });
    log.info("ready", { port: 8000, mode: "embedded" });
    log.debug("detail");
    const [first, second] = out.lines();
    expect(first).toMatchObject({ level: "info", service: "svc", msg: "ready", port: 8000, mode: "embedded" });
    expect(Number.isNaN(Date.parse(String(first?.time)))).toBe(false);
    expect(second).toMatchObject({ level: "debug", msg: "detail" });
  });

  it("drops lines below its level, and everything when silent", () => {
    const out = capture();
    createLogger("svc", "warn", { destination: out.destination }).info("hidden");
    createLogger("svc", "warn", { destination: out.destination }).error("shown");
    createLogger("svc", "silent", { destination: out.destination }).error("hidden too");
    expect(out.lines().map((l) => l.msg)).toEqual(["shown"]);
  });

  it("child loggers carry their bindings on every line", () => {
    const out = capture();
    const log = createLogger("svc", "info", { destination: out.destination }).child({ turn_id: "t1" });
    log.warn("slow", { ms: 5 });
    expect(out.lines()[0]).toMatchObject({ service: "svc", turn_id: "t1", msg: "slow", ms: 5, level: "warn" });
  });
});

describe("bestEffort", () => {
  it("logs what failed and never rejects", async () => {
    const out = capture();
    const log = createLogger("svc", "info", { destination: out.destination });
    await expect(bestEffort(Promise.reject(new Error("redis down")), log, "runner heartbeat")).resolves.toBeUndefined();
    await bestEffort(Promise.resolve(1), log, "fine");
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: "warn", msg: "runner heartbeat failed", error: "redis down" }),
    ]);
  });
});
