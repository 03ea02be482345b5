import { freePort, startService, type ServiceProcess } from "@acb/testkit";
import { fileURLToPath } from "node:url";

export const GATEWAY_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts the BUILT gateway (`node dist/main.js`) configured by env alone, as a user would. */
export async function startGateway(env: Record<string, string | undefined>): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await startService(process.execPath, [GATEWAY_MAIN], {
    name: "chat-gateway",
    env: {
      // A clean env: no key or base URL leaks in from the developer's shell.
      OPENAI_API_KEY: undefined,
      OPENAI_BASE_URL: undefined,
      MODEL_PROVIDER: undefined,
      REDIS_URL: undefined,
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      ...env,
    },
    ready: async () => (await fetch(`${url}/healthz`)).ok,
  });
  return { url, port, process: service, stop: async () => void (await service.stop()) };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** The text of every message the upstream received in its i-th request, as "role: content" lines. */
export function transcript(messages: Array<{ role: string; content: unknown }>): string[] {
  return messages.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`);
}
