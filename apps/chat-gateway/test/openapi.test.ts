// The OpenAPI document: valid (checked by @readme/openapi-parser), and every documented operation answers
// its example request with a documented status and content type, in the documented error shape; with identity
// and limits on too (401, 429, 503).
import { ErrorBody, OpenAIErrorBody } from "@acb/schemas";
import { compileErrors, validate } from "@readme/openapi-parser";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { gatewayFromEnv, NO_TOOL_SERVERS, useScriptedGateway, type InProcessGateway } from "./harness.js";

const stack = useScriptedGateway({ USE_MCP_IN_CHAT: "false", ...NO_TOOL_SERVERS });

interface Response_ {
  content?: Record<string, { schema?: { $ref?: string } }>;
  headers?: Record<string, unknown>;
}
interface Operation {
  parameters?: Array<{ name: string; in: string; example?: string }>;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, Response_>;
}
type Paths = Record<string, Record<string, Operation>>;

/** The zod schema of each documented error body, by its component name. */
const ERROR_SHAPES: Record<string, { safeParse(v: unknown): { success: boolean } }> = {
  "#/components/schemas/Error": ErrorBody,
  "#/components/schemas/OpenAIError": OpenAIErrorBody,
};

interface Answer {
  readonly what: string;
  readonly op: Operation;
  readonly res: Response;
}

/** Sends every documented operation its example (path and query parameters, body) through `send`. */
async function everyOperation(
  paths: Paths,
  send: (path: string, init: RequestInit) => Response | Promise<Response>,
  headers: Record<string, string> = {},
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      let path = template;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(p.example ?? "x"));
        if (p.in === "query" && p.example !== undefined) query.set(p.name, p.example);
      }
      if (query.size > 0) path += `?${query}`;
      const example = op.requestBody ? Object.values(op.requestBody.content)[0]?.example : undefined;
      const res = await send(path, {
        method: method.toUpperCase(),
        headers: { ...headers, ...(example !== undefined ? { "content-type": "application/json" } : {}) },
        ...(example !== undefined ? { body: JSON.stringify(example) } : {}),
      });
      answers.push({ what: `${method} ${template}`, op, res });
    }
  }
  return answers;
}

/** The answer's status is documented for its operation, with its content type, its headers and (errors) its shape. */
async function expectDocumented({ what, op, res }: Answer): Promise<void> {
  const documented = op.responses[String(res.status)];
  expect(documented, `${what} answered ${res.status}, not documented`).toBeDefined();
  const type = (res.headers.get("content-type") ?? "").split(";")[0] ?? "";
  if (documented?.content === undefined) {
    expect(await res.text()).toBe("");
    return;
  }
  expect(Object.keys(documented.content), `${what} answered ${type}`).toContain(type);
  for (const name of Object.keys(documented.headers ?? {}))
    if (name !== "WWW-Authenticate" || res.status === 401)
      expect(res.headers.get(name), `${what} ${res.status} without ${name}`).not.toBeNull();
  const shape = ERROR_SHAPES[documented.content[type]?.schema?.$ref ?? ""];
  if (shape !== undefined) expect(shape.safeParse(await res.json()).success, `${what} ${res.status} body`).toBe(true);
  else await res.body?.cancel();
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document describing the new and the seed's routes", async () => {
    const res = await fetch(`${stack.gw.url}/openapi.json`);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/chat",
        "/v1/chat/stream",
        "/v1/agent/chat/stream",
        "/v1/turns/{turn_id}/events",
        "/v1/models",
        "/v1/chat/completions",
        "/v1/ui/chat",
        "/v1/ui/chat/{chatId}/stream",
      ]),
    );
  });

  it("every documented operation answers its example as documented (status and content type)", async () => {
    const doc = (await (await fetch(`${stack.gw.url}/openapi.json`)).json()) as { paths: Paths };
    const answers = await everyOperation(doc.paths, (path, init) => fetch(`${stack.gw.url}${path}`, init));
    for (const answer of answers) await expectDocumented(answer);
    expect(answers.length).toBeGreaterThanOrEqual(14);
    // A bad body on every operation that takes one is a documented 400 too.
    for (const { what, op } of answers.filter((a) => a.op.requestBody !== undefined)) {
      const [method = "", template = ""] = what.split(" ");
      const bad = await fetch(`${stack.gw.url}${template}`, {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(op.responses[String(bad.status)], `${what} answered ${bad.status} to {}`).toBeDefined();
      expect(bad.status).toBe(400);
    }
  });

  it("/docs is a self-contained page that reads /openapi.json", async () => {
    const res = await fetch(`${stack.gw.url}/docs`);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('fetch("/openapi.json")');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});

describe("the OpenAPI document with identity and limits on", () => {
  const KEY = "openapi-test-key-0123456789";
  const gateways: InProcessGateway[] = [];
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
  });
  const documentOf = async (gw: InProcessGateway, headers: Record<string, string>): Promise<Paths> =>
    ((await (await gw.app.request("/openapi.json", { headers })).json()) as { paths: Paths }).paths;

  it("says how to authenticate: a bearer token or X-API-Key, none needed for /healthz", async () => {
    const doc = (await (await fetch(`${stack.gw.url}/openapi.json`)).json()) as {
      security: unknown[];
      components: { securitySchemes: Record<string, { type: string; scheme?: string; name?: string }> };
      paths: Record<string, { get?: { security?: unknown[] } }>;
    };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", name: "X-API-Key" });
    expect(doc.security).toEqual([{}, { bearer: [] }, { apiKey: [] }]);
    expect(doc.paths["/healthz"]?.get?.security).toEqual([]);
  });

  it("AUTH_MODE=api_key: without a key, a documented 401 (WWW-Authenticate) on all but the probes; past the rate limit, a documented 429 (Retry-After, RateLimit)", async () => {
    const gw = gatewayFromEnv({ AUTH_MODE: "api_key", API_KEYS: `acme:${KEY}`, RATE_LIMIT_TURNS_PER_MINUTE: "1" });
    gateways.push(gw);
    const paths = await documentOf(gw, { "x-api-key": KEY });
    const send = (path: string, init: RequestInit): Response | Promise<Response> => gw.app.request(path, init);

    const anonymous = await everyOperation(paths, send);
    for (const answer of anonymous) await expectDocumented(answer);
    const refused = anonymous.filter((a) => a.res.status === 401).map((a) => a.what);
    expect(refused).toHaveLength(anonymous.length - 2);
    expect(refused).not.toContain("get /healthz");
    expect(refused).not.toContain("get /readiness");

    const keyed = await everyOperation(paths, send, { authorization: `Bearer ${KEY}` });
    for (const answer of keyed) await expectDocumented(answer);
    // one turn per minute: the first turn start passes, the four after it are refused
    expect(keyed.filter((a) => a.res.status === 429).map((a) => a.what)).toHaveLength(4);
  });

  it("AUTH_MODE=jwt whose key set cannot be fetched: a documented 503 with Retry-After, in the route's error shape", async () => {
    const gw = gatewayFromEnv({
      AUTH_MODE: "jwt",
      JWT_JWKS_URL: "http://127.0.0.1:9/.well-known/jwks.json",
      JWT_ISSUER: "https://idp.test",
      JWT_AUDIENCE: "acb",
    });
    gateways.push(gw);
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({ tenant: "acme" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("https://idp.test")
      .setAudience("acb")
      .setExpirationTime("5m")
      .sign(privateKey);
    // the document itself is behind identity too: read it from the first gateway's
    const paths = (
      (await (await fetch(`${stack.gw.url}/openapi.json`)).json()) as {
        paths: Paths;
      }
    ).paths;
    const answers = await everyOperation(paths, (path, init) => gw.app.request(path, init), {
      authorization: `Bearer ${token}`,
    });
    for (const answer of answers) await expectDocumented(answer);
    const unavailable = answers.filter((a) => a.res.status === 503).map((a) => a.what);
    expect(unavailable).toHaveLength(answers.length - 2);
    expect(unavailable).toContain("post /v1/chat/completions");
  });
});
