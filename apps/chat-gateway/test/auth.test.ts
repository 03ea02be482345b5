import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  gatewayFromEnv,
  type InProcessGateway,
  json,
  sseEvents,
  useGatewayFromEnv,
  useScriptedApp,
} from "./harness.js";
import { KEY_ACME, KEY_GLOBEX, TWO_TENANTS } from "./tenants.js";

const SECRET = "a-test-hs256-secret-of-at-least-32-chars!";
const ISSUER = "https://issuer.test";
const AUDIENCE = "chat-gateway";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const hs256 = (
  claims: Record<string, unknown>,
  opts: { exp?: string | number; iss?: string; aud?: string; secret?: string; iat?: number } = {},
) => {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(opts.iat)
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE);
  if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
};

/** Every refused credential gets this exact answer: no reason, no echo. */
async function expectRefused(res: Response, missing = false): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="chat-gateway"/);
  expect(await res.json()).toEqual({
    error: { code: "unauthorized", message: missing ? "authentication required" : "invalid credentials" },
  });
}

describe("AUTH_MODE=api_key", () => {
  const stack = useGatewayFromEnv(TWO_TENANTS);

  it("refuses a request without credentials: 401, JSON error, WWW-Authenticate: Bearer", async () => {
    await expectRefused(await stack.gw.app.request("/v1/chat", json({ session_id: "s", input: "hi" })), true);
  });

  it("refuses a wrong key, a key of another case, a Basic header and an empty bearer the same way", async () => {
    for (const headers of [
      bearer("wrong-key-0123456789abcdef"),
      { "x-api-key": KEY_ACME.toUpperCase() },
      { authorization: `Basic ${Buffer.from(`acme:${KEY_ACME}`).toString("base64")}` },
      { authorization: "Bearer " },
    ]) {
      await expectRefused(await stack.gw.app.request("/v1/chat", json({ session_id: "s", input: "hi" }, headers)));
    }
  });

  it("accepts the key as Authorization: Bearer and as X-API-Key, and never logs it", async () => {
    for (const headers of [bearer(KEY_ACME), { "x-api-key": KEY_GLOBEX }]) {
      const res = await stack.gw.app.request("/v1/chat", json({ session_id: "s", input: "hello there" }, headers));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text.length).toBeGreaterThan(0);
    }
    await stack.gw.app.request(
      "/v1/chat",
      json({ session_id: "s", input: "hi" }, bearer("wrong-key-0123456789abcdef")),
    );
    const logged = stack.gw.logs.join("\n");
    expect(logged).toContain("authentication refused");
    for (const secret of [KEY_ACME, KEY_GLOBEX, "wrong-key-0123456789abcdef"]) expect(logged).not.toContain(secret);
  });

  it("/healthz stays open; /readiness tells others only its status, authenticated callers the details", async () => {
    expect((await stack.gw.app.request("/healthz")).status).toBe(200);
    const bare = await stack.gw.app.request("/readiness");
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ status: "ready" });
    const full = (await (await stack.gw.app.request("/readiness", { headers: bearer(KEY_ACME) })).json()) as Record<
      string,
      unknown
    >;
    expect(full).toMatchObject({ status: "ready", mode: "embedded" });
    expect(full.checks).toBeDefined();
  });
});

describe("AUTH_MODE=jwt with JWT_SECRET (HS256)", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({
      AUTH_MODE: "jwt",
      JWT_SECRET: SECRET,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_CLOCK_TOLERANCE_S: "30",
    });
  });
  afterAll(async () => gw.close());
  const chat = (headers: Record<string, string>) =>
    gw.app.request("/v1/chat", json({ session_id: "s", input: "hello" }, headers));

  it("accepts a valid token, and one expired within the clock tolerance", async () => {
    expect((await chat(bearer(await hs256({ tenant: "acme", sub: "alice" }, { exp: "5m" })))).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    expect((await chat(bearer(await hs256({ tenant: "acme" }, { exp: now - 10, iat: now - 100 })))).status).toBe(200);
  });

  it("refuses expired, wrong-issuer, wrong-audience, bad-signature, unsigned, no-exp and no-tenant tokens alike", async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify({ tenant: "acme", iss: ISSUER, aud: AUDIENCE, exp: now + 300 })).toString("base64url")}.`;
    const valid = await hs256({ tenant: "acme" }, { exp: "5m" });
    const tampered = `${valid.split(".")[0]}.${Buffer.from(JSON.stringify({ tenant: "globex", iss: ISSUER, aud: AUDIENCE, exp: now + 300 })).toString("base64url")}.${valid.split(".")[2]}`;
    const tokens = {
      expired: await hs256({ tenant: "acme" }, { exp: now - 120, iat: now - 300 }),
      wrongIssuer: await hs256({ tenant: "acme" }, { exp: "5m", iss: "https://evil.test" }),
      wrongAudience: await hs256({ tenant: "acme" }, { exp: "5m", aud: "another-app" }),
      badSignature: await hs256({ tenant: "acme" }, { exp: "5m", secret: "another-secret-that-is-32-characters-long" }),
      tampered,
      unsigned,
      noExpiry: await hs256({ tenant: "acme" }),
      noTenant: await hs256({ sub: "alice" }, { exp: "5m" }),
      garbage: "not.a.token",
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await chat(bearer(token));
      expect(res.status, name).toBe(401);
      await expectRefused(res);
    }
    expect(gw.logs.join("\n")).not.toContain(tokens.expired);
  });
});

describe("AUTH_MODE=jwt with JWT_JWKS_URL (RS256 / ES256) and key rotation", () => {
  let gw: InProcessGateway;
  let jwks: Server;
  let served: JWK[] = [];
  let fetches = 0;
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK; alg: string }> = {};

  beforeAll(async () => {
    for (const [kid, alg] of [
      ["old", "RS256"],
      ["new", "ES256"],
    ] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      keys[kid] = {
        privateKey: pair.privateKey,
        jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" },
        alg,
      };
    }
    served = [keys.old!.jwk];
    jwks = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    gw = gatewayFromEnv(
      { AUTH_MODE: "jwt", JWT_JWKS_URL: url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_TENANT_CLAIM: "org" },
      (c) => ({
        ...c,
        security: { ...c.security, jwt: c.security.jwt && { ...c.security.jwt, jwksCooldownMs: 0 } },
      }),
    );
  });
  afterAll(async () => {
    await gw.close();
    await new Promise<void>((r) => jwks.close(() => r()));
  });

  const sign = (kid: string, claims: Record<string, unknown> = { org: "acme" }) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: keys[kid]!.alg, kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(keys[kid]!.privateKey);
  const chat = (token: string) => gw.app.request("/v1/chat", json({ session_id: "s", input: "hello" }, bearer(token)));

  it("verifies against the fetched keys and caches them", async () => {
    expect((await chat(await sign("old"))).status).toBe(200);
    expect((await chat(await sign("old"))).status).toBe(200);
    expect(fetches).toBe(1);
    await expectRefused(await chat(await sign("old", { tenant: "acme" })));
  });

  it("picks up a rotated key set: the new key works, the retired one is refused", async () => {
    served = [keys.new!.jwk];
    expect((await chat(await sign("new"))).status).toBe(200);
    expect(fetches).toBe(2);
    await expectRefused(await chat(await sign("old")));
  });
});

describe("tenant isolation (AUTH_MODE=api_key,jwt)", () => {
  const stack = useScriptedApp({ ...TWO_TENANTS, AUTH_MODE: "api_key,jwt", JWT_SECRET: SECRET });
  const lastSent = () =>
    stack.upstream.requests
      .at(-1)
      ?.body.messages.map((m) => String(m.content))
      .join("\n") ?? "";

  it("another tenant's session_id is a different, empty conversation", async () => {
    await stack.gw.app.request(
      "/v1/chat",
      json({ session_id: "shared", input: "acme secret: the red door" }, bearer(KEY_ACME)),
    );
    await stack.gw.app.request(
      "/v1/chat",
      json({ session_id: "shared", input: "what was the secret?" }, bearer(KEY_GLOBEX)),
    );
    expect(lastSent()).not.toContain("red door");
    await stack.gw.app.request("/v1/chat", json({ session_id: "shared", input: "and again?" }, bearer(KEY_ACME)));
    expect(lastSent()).toContain("acme secret: the red door");
    // A JWT for tenant acme is the same tenant as acme's API key.
    await stack.gw.app.request(
      "/v1/chat",
      json(
        { session_id: "shared", input: "via jwt" },
        bearer(await hs256({ tenant: "acme" }, { exp: "5m", iss: "x", aud: "y" })),
      ),
    );
    expect(lastSent()).toContain("acme secret: the red door");
  });

  it("another tenant's turn id is 404, exactly like a turn that never existed", async () => {
    const started = await stack.gw.app.request(
      "/v1/chat/stream",
      json({ session_id: "mine", input: "private" }, bearer(KEY_ACME)),
    );
    const turnId = started.headers.get("x-turn-id") ?? "";
    expect((await sseEvents(started)).at(-1)).toMatchObject({ event: "done", data: "mine" });

    const own = await stack.gw.app.request(`/v1/turns/${turnId}/events`, { headers: bearer(KEY_ACME) });
    expect(own.status).toBe(200);
    expect((await sseEvents(own)).map((e) => e.event)).toContain("done");

    const foreign = await stack.gw.app.request(`/v1/turns/${turnId}/events`, { headers: bearer(KEY_GLOBEX) });
    const unknown = await stack.gw.app.request(`/v1/turns/turn_doesnotexist00/events`, { headers: bearer(KEY_GLOBEX) });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect([...foreign.headers.entries()]).toEqual([...unknown.headers.entries()]);
    expect(await foreign.text()).toBe(await unknown.text());
    // Resume with Last-Event-ID: the same 404.
    const resume = await stack.gw.app.request(`/v1/turns/${turnId}/events`, {
      headers: { ...bearer(KEY_GLOBEX), "last-event-id": "0-1" },
    });
    expect(resume.status).toBe(404);
  });
});

describe("SESSION_SCOPE=subject", () => {
  const stack = useScriptedApp({ AUTH_MODE: "jwt", JWT_SECRET: SECRET, SESSION_SCOPE: "subject" });

  it("two users of one tenant have separate conversations and turns; a token without sub is refused", async () => {
    const alice = bearer(await hs256({ tenant: "acme", sub: "alice" }, { exp: "5m" }));
    const bob = bearer(await hs256({ tenant: "acme", sub: "bob" }, { exp: "5m" }));
    const res = await stack.gw.app.request("/v1/chat/stream", json({ session_id: "s", input: "alice's note" }, alice));
    const turnId = res.headers.get("x-turn-id") ?? "";
    await res.text();
    await stack.gw.app.request("/v1/chat", json({ session_id: "s", input: "bob here" }, bob));
    expect(
      stack.upstream.requests
        .at(-1)
        ?.body.messages.map((m) => String(m.content))
        .join("\n"),
    ).not.toContain("alice's note");
    expect((await stack.gw.app.request(`/v1/turns/${turnId}/events`, { headers: bob })).status).toBe(404);
    expect((await stack.gw.app.request(`/v1/turns/${turnId}/events`, { headers: alice })).status).toBe(200);
    await expectRefused(
      await stack.gw.app.request(
        "/v1/chat",
        json({ session_id: "s", input: "x" }, bearer(await hs256({ tenant: "acme" }, { exp: "5m" }))),
      ),
    );
  });
});

describe("AUTH_MODE=none on loopback (the seed's curl examples)", () => {
  let gw: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({});
  });
  afterAll(async () => gw.close());

  it("works without credentials, and turns stay followable by id as before", async () => {
    const res = await gw.app.request("/v1/chat/stream", json({ session_id: "seed", input: "hello" }));
    expect(res.status).toBe(200);
    const turnId = res.headers.get("x-turn-id") ?? "";
    expect((await sseEvents(res)).at(-1)).toEqual(expect.objectContaining({ event: "done", data: "seed" }));
    expect((await gw.app.request(`/v1/turns/${turnId}/events`)).status).toBe(200);
    expect(await (await gw.app.request("/readiness")).json()).toMatchObject({ status: "ready", mode: "embedded" });
  });
});

describe("browser and network", () => {
  let gw: InProcessGateway;
  let open: InProcessGateway;
  beforeAll(() => {
    gw = gatewayFromEnv({ CORS_ORIGINS: "https://app.example.com" });
    open = gatewayFromEnv({});
  });
  afterAll(async () => {
    await gw.close();
    await open.close();
  });
  const preflight = (app: InProcessGateway["app"], origin: string) =>
    app.request("/v1/chat", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

  it("answers a CORS preflight for an allowed origin, and gives a foreign one nothing", async () => {
    const ok = await preflight(gw.app, "https://app.example.com");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const foreign = await preflight(gw.app, "https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await gw.app.request("/healthz", { headers: { origin: "https://app.example.com" } });
    expect(simple.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("sends no CORS headers at all when CORS_ORIGINS is unset", async () => {
    const res = await preflight(open.app, "https://app.example.com");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a foreign Host (DNS rebinding) with a JSON 421, and accepts the loopback names on any port", async () => {
    for (const host of ["attacker.example", "attacker.example:8000", "127.0.0.1.nip.io"]) {
      const res = await open.app.request("/v1/chat", json({ session_id: "s", input: "x" }, { host }));
      expect(res.status, host).toBe(421);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("bad_request");
      expect(JSON.stringify(body)).not.toContain("attacker");
    }
    for (const host of ["localhost:8000", "127.0.0.1:1234", "[::1]:8000", "localhost"]) {
      expect((await open.app.request("/healthz", { headers: { host } })).status, host).toBe(200);
    }
  });

  it("sets security headers on every answer", async () => {
    for (const res of [await open.app.request("/healthz"), await open.app.request("/nope")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
    }
  });

  it("answers an unknown route with 404 without echoing the path", async () => {
    const res = await open.app.request("/v1/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "not_found", message: "no such route" } });
    expect(text).not.toMatch(/script|alert/i);
  });
});
