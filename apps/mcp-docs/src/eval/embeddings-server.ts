/**
 * A scripted OpenAI-compatible `/v1/embeddings` server for tests and the evaluation (the testkit's scripted
 * server speaks chat completions only). It answers the real wire format — `{object:"list", data:[{object:
 * "embedding", index, embedding}], model, usage}`, base64 when asked — with deterministic vectors: the hashing
 * embedder's, at its own dimension. It records each request, and can be told to fail.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hashingVector } from "../embed/hashing.js";

export interface EmbeddingsServer {
  readonly baseURL: string;
  readonly requests: Array<{ model: string; inputs: number; authorization: string | undefined }>;
  failNext(status: number): void;
  close(): Promise<void>;
}

export async function startEmbeddingsServer(dimensions = 384): Promise<EmbeddingsServer> {
  const requests: EmbeddingsServer["requests"] = [];
  let failures: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const reply = (status: number, obj: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      if (req.method !== "POST" || !(req.url ?? "").endsWith("/embeddings"))
        return reply(404, { error: { message: "not found", type: "invalid_request_error" } });
      const fail = failures.shift();
      if (fail !== undefined) return reply(fail, { error: { message: "scripted failure", type: "server_error" } });
      let parsed: { model?: unknown; input?: unknown; encoding_format?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return reply(400, { error: { message: "invalid JSON", type: "invalid_request_error" } });
      }
      const inputs =
        typeof parsed.input === "string"
          ? [parsed.input]
          : Array.isArray(parsed.input)
            ? parsed.input.map(String)
            : undefined;
      if (typeof parsed.model !== "string" || inputs === undefined)
        return reply(400, { error: { message: "model and input are required", type: "invalid_request_error" } });
      requests.push({ model: parsed.model, inputs: inputs.length, authorization: req.headers.authorization });
      const base64 = parsed.encoding_format === "base64";
      const data = inputs.map((text, index) => {
        const v = hashingVector(text, dimensions);
        const embedding = base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v;
        return { object: "embedding", index, embedding };
      });
      reply(200, {
        object: "list",
        data,
        model: parsed.model,
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(status) {
      failures = [...failures, status, status, status];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
