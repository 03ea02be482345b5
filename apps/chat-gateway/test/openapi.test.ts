// The OpenAPI document: valid (checked by @readme/openapi-parser), and every documented operation answers
// its example request with a documented status and content type.
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { NO_TOOL_SERVERS, useScriptedGateway } from "./harness.js";

const stack = useScriptedGateway({ USE_MCP_IN_CHAT: "false", ...NO_TOOL_SERVERS });

interface Operation {
  parameters?: Array<{ name: string; in: string; example?: string }>;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
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
    const doc = (await (await fetch(`${stack.gw.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        let path = template;
        for (const p of op.parameters ?? [])
          if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(p.example ?? "x"));
        const example = op.requestBody ? Object.values(op.requestBody.content)[0]?.example : undefined;
        const res = await fetch(`${stack.gw.url}${path}`, {
          method: method.toUpperCase(),
          ...(example !== undefined
            ? { headers: { "content-type": "application/json" }, body: JSON.stringify(example) }
            : {}),
        });
        const documented = op.responses[String(res.status)];
        expect(documented, `${method} ${template} answered ${res.status}, not documented`).toBeDefined();
        const type = (res.headers.get("content-type") ?? "").split(";")[0] ?? "";
        if (documented?.content !== undefined)
          expect(Object.keys(documented.content), `${method} ${template} answered ${type}`).toContain(type);
        else expect(await res.text()).toBe("");
        await res.body?.cancel().catch(() => undefined);
        // A bad body on every operation that takes one is a documented 400 too.
        if (op.requestBody) {
          const bad = await fetch(`${stack.gw.url}${path}`, {
            method: method.toUpperCase(),
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          expect(op.responses[String(bad.status)], `${method} ${template} answered ${bad.status} to {}`).toBeDefined();
          expect(bad.status).toBe(400);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(13);
  });

  it("/docs is a self-contained page that reads /openapi.json", async () => {
    const res = await fetch(`${stack.gw.url}/docs`);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('fetch("/openapi.json")');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
