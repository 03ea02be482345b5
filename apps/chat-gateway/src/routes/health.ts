import { Hono, type Context } from "hono";

export interface ReadinessCheck {
  readonly name: string;
  /** ok=false makes the gateway not ready (503); `optional` checks are reported but do not gate readiness. */
  check(): Promise<{ ok: boolean; detail?: string }>;
  readonly optional?: boolean;
}

/** /healthz: the process is alive. /readiness and /readyz: it can take turns now (each check reported). */
export function healthRoutes(mode: "embedded" | "distributed", checks: ReadinessCheck[], showDetails: (c: Context) => boolean = () => true): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  const ready = async (c: Context): Promise<Response> => {
    const results = await Promise.all(
      checks.map(async (check) => {
        try {
          const r = await withTimeout(check.check(), 2_000);
          return { name: check.name, optional: check.optional === true, ...r };
        } catch {
          return { name: check.name, optional: check.optional === true, ok: false, detail: "check failed or timed out" };
        }
      }),
    );
    const ok = results.every((r) => r.ok || r.optional);
    // Check details (runner counts, MCP servers) are for authenticated callers; others get the bare status.
    const body = !showDetails(c) ? { status: ok ? "ready" : "not_ready" } : {
      status: ok ? "ready" : "not_ready",
      mode,
      checks: Object.fromEntries(results.map((r) => [r.name, { ok: r.ok, ...(r.detail ? { detail: r.detail } : {}) }])),
    };
    return new Response(JSON.stringify(body), { status: ok ? 200 : 503, headers: { "content-type": "application/json; charset=utf-8" } });
  };
  app.get("/readiness", ready);
  app.get("/readyz", ready);
  return app;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
