import { createLogger } from "@acb/logger";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { RedisStateLog } from "./redis-state.js";
import { tracingConfigFromEnv } from "./tracing.js";

describe("tracingConfigFromEnv", () => {
  it("is off without OTEL_* and on with an endpoint, appending /v1/traces", () => {
    expect(tracingConfigFromEnv({}, "svc")).toMatchObject({ ok: true, value: { enabled: false } });
    expect(tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, "svc")).toMatchObject({
      ok: true,
      value: { enabled: true, url: "http://collector:4318/v1/traces", serviceName: "svc" },
    });
    expect(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: "otlp" }, "svc")).toMatchObject({
      ok: true,
      value: { enabled: true, url: "http://localhost:4318/v1/traces" },
    });
    expect(
      tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, "svc"),
    ).toMatchObject({ ok: true, value: { enabled: false } });
    expect(
      tracingConfigFromEnv({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, "svc"),
    ).toMatchObject({ ok: true, value: { enabled: false } });
  });

  it("names the variable of a bad value, never echoing a header's secret", () => {
    const bad = (env: Record<string, string>, name: RegExp): void => {
      const r = tracingConfigFromEnv(env, "svc");
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(name);
    };
    bad({ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER/);
    bad({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL/);
    bad({ OTEL_EXPORTER_OTLP_ENDPOINT: "file:///etc/passwd" }, /OTEL_EXPORTER_OTLP_ENDPOINT/);
    bad({ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, /OTEL_EXPORTER_OTLP_ENDPOINT/);
    bad({ OTEL_BSP_SCHEDULE_DELAY: "-1" }, /OTEL_BSP_SCHEDULE_DELAY/);
    const r = tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_HEADERS: "api-key=%E0%A4%A-sekrit" }, "svc");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).not.toContain("sekrit");
  });
});

describe("RedisStateLog", () => {
  it("logs state changes once, with the code only: an outage of many retries is two lines, recovery one", () => {
    let text = "";
    const log = createLogger("t", "debug", {
      destination: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }),
    });
    const state = new RedisStateLog(log, "test");
    const handlers = new Map<string, (...a: unknown[]) => void>();
    state.watchClient({
      on: (e: string, l: (...a: never[]) => void) => handlers.set(e, l as (...a: unknown[]) => void),
    });
    const emit = (e: string, ...a: unknown[]): void => handlers.get(e)?.(...a);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379 with password hunter2"), {
      code: "ECONNREFUSED",
    });
    emit("ready");
    emit("close");
    for (let i = 0; i < 50; i++) {
      emit("reconnecting");
      emit("error", refused);
      emit("close");
    }
    emit("ready");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.code])).toEqual([
      ["redis ready", undefined],
      ["redis down: reconnecting", undefined],
      ["redis down: reconnecting", "ECONNREFUSED"],
      ["redis ready", undefined],
    ]);
    expect(lines[3]).toMatchObject({ reconnect_attempts: 50 });
    expect(text).not.toContain("hunter2");
  });
});
