/** Readiness of a service from its checks: the gateway's /readiness route and the runner's probe listener. */

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
  /** Reported but not gating: ok=false of an optional check leaves the service ready. */
  readonly optional?: boolean;
}

export interface Readiness {
  readonly ok: boolean;
  readonly checks: Record<string, { ok: boolean; detail?: string }>;
}

/** Every check runs at once, each under a timeout; one required check failing or hanging makes the service not ready. */
export async function evaluateReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, optional: c.optional === true, ...(await withTimeout(c.check(), timeoutMs)) };
      } catch {
        return { name: c.name, optional: c.optional === true, ok: false, detail: "check failed or timed out" };
      }
    }),
  );
  return {
    ok: results.every((r) => r.ok || r.optional),
    checks: Object.fromEntries(
      results.map((r) => [r.name, { ok: r.ok, ...(r.detail !== undefined ? { detail: r.detail } : {}) }]),
    ),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
