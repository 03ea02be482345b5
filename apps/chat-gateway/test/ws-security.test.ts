import { configRefusalProblems, refusedStartProblems } from "@acb/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadGatewayConfig } from "../src/config.js";
import { GATEWAY_MAIN, gatewayFromEnv, type InProcessGateway } from "./harness.js";
import { KEY_ACME, KEY_GLOBEX, TWO_TENANTS } from "./tenants.js";

interface Opened {
  readonly ws?: WebSocket;
  readonly status?: number;
}

/** Opens a socket; resolves with it once open, or with the HTTP status the upgrade was refused with. */
function open(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string>; origin?: string } = {},
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
    });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once("error", (err) => reject(err));
  });
}

/** Sends one turn and collects frames until `done`. */
function turn(ws: WebSocket, msg: unknown): Promise<Array<{ event: string; data?: string; turn_id?: string }>> {
  return new Promise((resolve) => {
    const frames: Array<{ event: string; data?: string; turn_id?: string }> = [];
    const onMessage = (raw: WebSocket.RawData) => {
      const frame = JSON.parse(String(raw)) as { event: string; data?: string; turn_id?: string };
      frames.push(frame);
      if (frame.event === "done") {
        ws.off("message", onMessage);
        resolve(frames);
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify(msg));
  });
}

describe("WS /ws/chat: Origin (AUTH_MODE=none on loopback)", () => {
  let gw: InProcessGateway;
  let base: string;
  beforeAll(async () => {
    gw = gatewayFromEnv({ CORS_ORIGINS: "https://app.example.com" });
    base = await gw.listen();
  });
  afterAll(async () => gw.close());

  it("refuses a foreign Origin with 403 (cross-site WebSocket hijacking)", async () => {
    expect((await open(`ws://${base}/ws/chat`, { origin: "https://evil.example" })).status).toBe(403);
    expect((await open(`ws://${base}/ws/chat`, { origin: "null" })).status).toBe(403);
  });

  it("refuses a foreign Host on the upgrade (DNS rebinding)", async () => {
    expect((await open(`ws://${base}/ws/chat`, { headers: { host: "attacker.example" } })).status).toBe(421);
  });

  it("lets clients that send no Origin, the gateway's own origin and CORS_ORIGINS in, and runs turns", async () => {
    for (const origin of [undefined, `http://${base}`, "https://app.example.com"]) {
      const { ws } = await open(`ws://${base}/ws/chat`, origin ? { origin } : {});
      expect(ws, String(origin)).toBeDefined();
      const frames = await turn(ws!, { session_id: "ws", input: "hello" });
      expect(frames.at(-1)).toMatchObject({ event: "done", data: "ws" });
      ws!.close();
    }
  });
});

describe("WS /ws/chat: credentials (AUTH_MODE=api_key)", () => {
  let gw: InProcessGateway;
  let base: string;
  beforeAll(async () => {
    gw = gatewayFromEnv(TWO_TENANTS);
    base = await gw.listen();
  });
  afterAll(async () => gw.close());

  it("refuses an upgrade without credentials or with a wrong one (401)", async () => {
    expect((await open(`ws://${base}/ws/chat`)).status).toBe(401);
    expect(
      (await open(`ws://${base}/ws/chat`, { headers: { authorization: "Bearer wrong-key-0123456789abcdef" } })).status,
    ).toBe(401);
    expect(
      (await open(`ws://${base}/ws/chat`, { protocols: ["acb.v1", "acb.bearer.wrong-key-0123456789abcdef"] })).status,
    ).toBe(401);
  });

  it("accepts the Authorization header (non-browser clients)", async () => {
    const { ws } = await open(`ws://${base}/ws/chat`, { headers: { authorization: `Bearer ${KEY_ACME}` } });
    expect((await turn(ws!, { session_id: "h", input: "hi" })).at(-1)).toMatchObject({ event: "done", data: "h" });
    ws!.close();
  });

  it("accepts the browser way: subprotocols acb.v1 + acb.bearer.<token>, answered with acb.v1 only", async () => {
    const { ws } = await open(`ws://${base}/ws/chat`, { protocols: ["acb.v1", `acb.bearer.${KEY_ACME}`] });
    expect(ws?.protocol).toBe("acb.v1");
    expect((await turn(ws!, { session_id: "p", input: "hi" })).at(-1)).toMatchObject({ event: "done", data: "p" });
    ws!.close();
    expect(gw.logs.join("\n")).not.toContain(KEY_ACME);
  });

  it("the socket's turns belong to its identity: another tenant cannot follow them", async () => {
    const { ws } = await open(`ws://${base}/ws/chat`, { headers: { "x-api-key": KEY_ACME } });
    const done = (await turn(ws!, { session_id: "owned", input: "private" })).at(-1);
    ws!.close();
    const turnId = done?.turn_id ?? "";
    expect(turnId).not.toBe("");
    expect((await gw.app.request(`/v1/turns/${turnId}/events`, { headers: { "x-api-key": KEY_GLOBEX } })).status).toBe(
      404,
    );
    expect((await gw.app.request(`/v1/turns/${turnId}/events`, { headers: { "x-api-key": KEY_ACME } })).status).toBe(
      200,
    );
  });
});

// Each refusal through the parser main.ts runs first (main.ts writes its message as the one stderr line and exits 1;
// config-and-modes.test.ts checks that path on the built gateway): one spawn here for the security-critical refusal.
describe("configuration of identity", () => {
  const parse = (env: Record<string, string>) => loadGatewayConfig({ MODEL_PROVIDER: "offline", ...env });
  /** What the refusal of AUTH_MODE=none off loopback says (the start-up and the parser tests look for it). */
  const NONE_OFF_LOOPBACK = "AUTH_MODE=none is only allowed when HOST is a loopback address";

  it("the built gateway refuses to start without auth on a non-loopback address, in one line", () => {
    expect(
      refusedStartProblems(GATEWAY_MAIN, { MODEL_PROVIDER: "offline", HOST: "0.0.0.0" }, NONE_OFF_LOOPBACK),
    ).toEqual([]);
  });

  it("refuses auth none on any non-loopback address, in one line", () => {
    const envs: Array<Record<string, string>> = [
      { HOST: "0.0.0.0" },
      { HOST: "0.0.0.0", AUTH_MODE: "none" },
      { HOST: "10.1.2.3", AUTH_MODE: "none" },
    ];
    for (const env of envs) {
      expect(configRefusalProblems(parse(env), NONE_OFF_LOOPBACK), JSON.stringify(env)).toEqual([]);
    }
  });

  const secret = "super-secret-value-xyz";
  const bad: Array<[Record<string, string>, string]> = [
    [{ AUTH_MODE: "api_key" }, "API_KEYS"],
    [{ AUTH_MODE: "api_key", API_KEYS: "acme:short" }, "API_KEYS entry 1"],
    [{ AUTH_MODE: "api_key", API_KEYS: `nocolon${secret}` }, "API_KEYS entry 1"],
    [{ AUTH_MODE: "api_key", API_KEYS_FILE: "/nonexistent/keys.json" }, "API_KEYS_FILE"],
    [{ AUTH_MODE: "jwt", JWT_SECRET: "too-short" }, "JWT_SECRET"],
    [{ AUTH_MODE: "jwt", JWT_JWKS_URL: "https://idp.example/jwks.json" }, "JWT_AUDIENCE"],
    [{ AUTH_MODE: "basic" }, "AUTH_MODE"],
    [{ AUTH_MODE: "none,api_key", API_KEYS: `a:${secret}` }, "AUTH_MODE"],
    [{ SESSION_SCOPE: "user" }, "SESSION_SCOPE"],
    [{ CORS_ORIGINS: "app.example.com" }, "CORS_ORIGINS"],
    [{ ALLOWED_HOSTS: "a b" }, "ALLOWED_HOSTS"],
  ];
  for (const [env, name] of bad) {
    it(`refuses ${JSON.stringify(env).slice(0, 70)} naming ${name}, never echoing a secret`, () => {
      const r = parse(env);
      expect(configRefusalProblems(r, name)).toEqual([]);
      const message = r.ok ? "" : r.message;
      expect(message).not.toContain(secret);
      expect(message).not.toContain('short"');
      expect(message).not.toContain("    at ");
    });
  }
});
