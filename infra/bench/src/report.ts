/** Results: targets met/missed, the JSON file, the Markdown table and a hand-written SVG chart. */
import type { FanoutResult } from "./sections/fanout.js";
import type { OrderingResult } from "./sections/ordering.js";
import type { TakeoverResult } from "./sections/takeover.js";
import type { RunnerResult } from "./sections/runner.js";
import type { ThroughputResult } from "./sections/throughput.js";
import type { TtftResult } from "./sections/ttft.js";
import { round } from "./stats.js";

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memGiB: number;
  readonly node: string;
  readonly redis: string;
  readonly os: string;
  readonly loadavgStart: number[];
  readonly loadavgEnd: number[];
}

export interface Results {
  readonly kind: "full" | "quick";
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  /** The measured code: HEAD, uncommitted source changes of the measured packages, dist build time. */
  readonly code?: { commit: string; dirtySources: string[]; distBuiltAt: string };
  readonly params: Record<string, number>;
  readonly ttft: TtftResult[];
  readonly throughput: ThroughputResult[];
  readonly runner: RunnerResult | undefined;
  readonly fanout: FanoutResult[];
  /** Per-session ordering's cost on TTFT (sections/ordering.ts); absent in results written before it existed. */
  readonly ordering?: OrderingResult[];
  /** Runner SIGKILL → the turn continuing on another runner (sections/takeover.ts); absent in quick runs. */
  readonly takeover?: TakeoverResult;
  readonly targets: TargetRow[];
  readonly warnings?: string[];
  readonly errors: string[];
}

export interface TargetRow {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean | undefined;
}

export const f = (v: number, unit = ""): string => (Number.isFinite(v) ? `${round(v, 2)}${unit}` : "n/a");

export function evaluateTargets(r: Omit<Results, "targets">, fullStreams: number): TargetRow[] {
  const rows: TargetRow[] = [];
  const t = (name: ResultsTarget, c: number): TtftResult | undefined =>
    r.ttft.find((x) => x.target === name && x.concurrency === c);
  const cmp = (c: number, key: "p50" | "p99", limit: number): void => {
    const e = t("embedded", c);
    const d = t("distributed", c);
    const delta = d && e ? d.ttft[key] - e.ttft[key] : Number.NaN;
    rows.push({
      target: `TTFT c=${c}: distributed − embedded ${key} ≤ ${limit} ms`,
      figure: `${f(delta, " ms")} (${f(d?.ttft[key] ?? Number.NaN)} vs ${f(e?.ttft[key] ?? Number.NaN)})`,
      met: Number.isFinite(delta) ? delta <= limit : undefined,
    });
  };
  // Against the bare proxy (bare-proxy.ts: node:http forwarding the same upstream, the least a streaming server does).
  const bare1 = t("bare", 1);
  const e1 = t("embedded", 1);
  const added = e1 && bare1 ? e1.ttft.p50 - bare1.ttft.p50 : Number.NaN;
  rows.push({
    target: "TTFT c=1: embedded − bare proxy p50 ≤ 1.5 ms",
    figure: `${f(added, " ms")} (${f(e1?.ttft.p50 ?? Number.NaN)} vs ${f(bare1?.ttft.p50 ?? Number.NaN)})`,
    met: Number.isFinite(added) ? added <= 1.5 : undefined,
  });
  cmp(1, "p50", 2);
  cmp(1, "p99", 10);
  const bare100 = t("bare", 100);
  for (const path of ["embedded", "distributed"] as const) {
    const x = t(path, 100);
    const ratio = x && bare100 ? x.ttft.p50 / bare100.ttft.p50 : Number.NaN;
    rows.push({
      target: `TTFT c=100: ${path} p50 ≤ 3 × bare proxy`,
      figure: `${f(ratio, "×")} (${f(x?.ttft.p50 ?? Number.NaN)} vs ${f(bare100?.ttft.p50 ?? Number.NaN)} ms)`,
      met: Number.isFinite(ratio) ? ratio <= 3 : undefined,
    });
  }
  const tb = r.throughput.find((x) => x.target === "bare");
  for (const path of ["embedded", "distributed"] as const) {
    const x = r.throughput.find((y) => y.target === path);
    const ratio = x && tb ? x.tokensPerSecond / tb.tokensPerSecond : Number.NaN;
    rows.push({
      target: `throughput: ${path} ≥ 0.5 × bare proxy`,
      figure: `${f(ratio, "×")} (${f(x?.tokensPerSecond ?? Number.NaN)} vs ${f(tb?.tokensPerSecond ?? Number.NaN)} tokens/s)`,
      met: Number.isFinite(ratio) ? ratio >= 0.5 : undefined,
    });
  }
  const bareCpu = tb ? cpuPerToken(tb) : Number.NaN;
  for (const path of ["embedded", "distributed"] as const) {
    const x = r.throughput.find((y) => y.target === path);
    const ours = x ? cpuPerToken(x) : Number.NaN;
    const ratio = ours / bareCpu;
    rows.push({
      target: `CPU per streamed token, ${path} (gateway${path === "distributed" ? " + runner" : ""}) ≤ 3 × bare proxy`,
      figure: `${f(ratio, "×")} (${f(ours, " µs")} vs ${f(bareCpu, " µs")})`,
      met: Number.isFinite(ratio) ? ratio <= 3 : undefined,
    });
  }
  const mux = r.fanout.find((x) => x.design === "multiplexed");
  // Lag and memory only mean something if every event arrived: a stalled follower has no lag to measure.
  const complete = (x: FanoutResult): boolean =>
    x.error === undefined && x.opened >= x.streams && x.tokensReceived >= x.tokensExpected && x.streamsDone >= x.opened;
  const incomplete = (x: FanoutResult): string =>
    `only ${x.tokensReceived}/${x.tokensExpected} events and ${x.streamsDone}/${x.streams} streams finished`;
  if (mux) {
    const ok = complete(mux);
    rows.push({
      target: "idle open stream ≤ 6 KiB of gateway heap (after a forced GC)",
      figure: `${f(mux.heapPerStreamKiB ?? Number.NaN, " KiB")} (${f(mux.heapBaseMiB ?? Number.NaN, " MiB")} → ${f(mux.heapOpenMiB ?? Number.NaN, " MiB")} with ${mux.opened} open)`,
      met:
        mux.heapPerStreamKiB !== undefined && Number.isFinite(mux.heapPerStreamKiB)
          ? mux.heapPerStreamKiB <= 6
          : undefined,
    });
    rows.push({
      target: `${fullStreams} open streams on one gateway`,
      figure: `${mux.opened}/${mux.streams} opened, ${mux.streamsDone} finished, ${mux.tokensReceived}/${mux.tokensExpected} events delivered`,
      met: mux.streams >= fullStreams && ok,
    });
    rows.push({
      target: "fan-out Redis connections ≤ 4",
      figure: `${f(mux.redisConnections)} (name=acb-gateway:<pid>)`,
      met: Number.isFinite(mux.redisConnections) ? mux.redisConnections <= 4 : undefined,
    });
    rows.push({
      target: "gateway RSS ≤ 512 MiB",
      figure: `${f(mux.rssPeakMiB, " MiB")} peak (${f(mux.rssIdleMiB, " MiB")} with streams open, idle)${ok ? "" : `; ${incomplete(mux)}`}`,
      met: Number.isFinite(mux.rssPeakMiB) ? mux.rssPeakMiB <= 512 && ok : undefined,
    });
    rows.push({
      target: "append → client lag p99 ≤ 50 ms",
      figure: `${f(mux.lag.p99, " ms")} (p50 ${f(mux.lag.p50, " ms")})${ok ? "" : ` over the delivered events only; ${incomplete(mux)}`}`,
      met: Number.isFinite(mux.lag.p99) ? mux.lag.p99 <= 50 && ok : undefined,
    });
  }
  if (r.runner) {
    rows.push({
      target: `${r.runner.turns} slow turns on one runner within 25 % of ${r.runner.idealMs} ms`,
      figure: `${f(r.runner.completionMs, " ms")} (+${f(r.runner.overIdealPct, " %")})`,
      met: r.runner.failures === 0 && r.runner.overIdealPct <= 25,
    });
  }
  for (const naive of r.fanout.filter((x) => x.design !== "multiplexed")) {
    if (!mux) break;
    const metrics: Array<[string, number, number]> = [
      ["lag p50", mux.lag.p50, naive.lag.p50],
      ["lag p99", mux.lag.p99, naive.lag.p99],
      ["RSS growth with the streams open (MiB)", mux.rssGrowthMiB, naive.rssGrowthMiB],
      ["Redis connections", mux.redisConnections, naive.redisConnections],
    ];
    for (const [name, ours, theirs] of metrics) {
      const failedTheirs = !complete(naive);
      const failedOurs = !complete(mux);
      const met = failedOurs
        ? false
        : failedTheirs
          ? true
          : Number.isFinite(ours) && Number.isFinite(theirs)
            ? ours <= theirs
            : undefined;
      const figure = `ours ${f(ours)}${failedOurs ? ` (${incomplete(mux)})` : ""} vs ${failedTheirs ? `${naive.design} ${naive.error ? `failed: ${naive.error}` : incomplete(naive)}` : f(theirs)}`;
      rows.push({ target: `ahead of ${naive.design} (${naive.streams} streams): ${name}`, figure, met });
    }
  }
  return rows;
}

type ResultsTarget = TtftResult["target"];

/** CPU µs per token delivered, of the processes that carry a token from the upstream to the client (not the upstream's, not the client's). */
export function cpuPerToken(x: ThroughputResult): number {
  const roles =
    x.target === "bare"
      ? ["proxy"]
      : x.target === "embedded"
        ? ["gateway"]
        : x.target === "distributed"
          ? ["gateway", "runner"]
          : [];
  if (roles.length === 0) return Number.NaN;
  const cpu = roles.reduce((sum, role) => sum + (x.cpuS[role] ?? Number.NaN), 0);
  return (cpu * 1e6) / (x.streams * x.tokensPerStream - x.failures * x.tokensPerStream);
}

const cpuText = (cpu: Record<string, number> | undefined): string =>
  Object.entries(cpu ?? {})
    .map(([k, v]) => `${k} ${f(v)}`)
    .join(", ");

function readSide(x: FanoutResult): string {
  const c = x.redisCommands;
  const pick = (name: string): string | undefined => {
    const v = c[name];
    return v ? `${name.toUpperCase()} ${v.calls} (${round(v.usecPerCall, 1)})` : undefined;
  };
  return (
    [pick("xread"), pick("xrange"), pick("publish"), pick("subscribe"), pick("evalsha"), pick("client|unblock")]
      .filter(Boolean)
      .join(", ") || "n/a"
  );
}

const status = (met: boolean | undefined): string => (met === undefined ? "n/a" : met ? "met" : "**missed**");

/**
 * The paragraphs every results file opens with under its title: the run and its machine, the code measured,
 * the parameters (`paramsNote` follows them), each followed by a blank line.
 */
export function runPreamble(
  r: Pick<Results, "startedAt" | "durationS" | "machine" | "code" | "params">,
  paramsNote = "",
): string[] {
  const m = r.machine;
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return [
    `Run ${r.startedAt}, ${r.durationS} s. Machine: ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB, ${m.os}, Node ${m.node}, Redis ${m.redis}. Load average at start ${m.loadavgStart.join(" / ")}, at end ${m.loadavgEnd.join(" / ")} (other work was running on the box).`,
    "",
    ...(r.code
      ? [
          `Code measured: ${r.code.commit}${r.code.dirtySources.length ? ` plus uncommitted changes in ${r.code.dirtySources.join(", ")}` : ""} (dist built ${r.code.distBuiltAt}).`,
          "",
        ]
      : []),
    `Parameters: ${params}.${paramsNote}`,
    "",
  ];
}

export function markdown(r: Results): string {
  const out: string[] = [];
  out.push(`# Bench results (${r.kind})`, "", ...runPreamble(r));
  out.push(
    "## Time to first token (ms)",
    "",
    "The bare proxy (bare-proxy.ts: node:http forwarding the same upstream's stream as SSE) is the baseline of every row.",
    "",
    "| path | concurrency | p50 | p99 | mean | n | failures | p50 − bare | p50 ÷ bare | p99 − bare |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const x of r.ttft) {
    const b = r.ttft.find((y) => y.target === "bare" && y.concurrency === x.concurrency);
    const vs =
      b && x.target !== "bare" && x.target !== "upstream"
        ? `${f(x.ttft.p50 - b.ttft.p50)} | ${f(x.ttft.p50 / b.ttft.p50, "×")} | ${f(x.ttft.p99 - b.ttft.p99)}`
        : "| |";
    out.push(
      `| ${x.target} | ${x.concurrency} | ${f(x.ttft.p50)} | ${f(x.ttft.p99)} | ${f(x.ttft.mean)} | ${x.ttft.n} | ${x.failures} | ${vs} |`,
    );
  }
  if (r.ordering && r.ordering.length > 0) {
    out.push(
      "",
      "## Per-session ordering: time to first token (ms), distributed",
      "",
      "Stateless turns (OpenAI door) skip session ordering: the baseline. EVALSHA counts every script: the event appends and, with ordering, the session admission and hand-off.",
      "",
      "| case | concurrency | sessions | p50 | p99 | mean | n | failures | EVALSHA per request (µs per call) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const x of r.ordering)
      out.push(
        `| ${x.case} | ${x.concurrency} | ${x.sessions} | ${f(x.ttft.p50)} | ${f(x.ttft.p99)} | ${f(x.ttft.mean)} | ${x.ttft.n} | ${x.failures} | ${x.scriptsPerRequest ? `${x.scriptsPerRequest.calls} (${x.scriptsPerRequest.usecPerCall})` : "n/a"} |`,
      );
    out.push("");
  }
  if (r.takeover !== undefined) {
    const t = r.takeover;
    out.push(
      "",
      "## Runner takeover",
      "",
      `20 turns streaming on one runner, a second runner started, the first killed with SIGKILL (RUNNER_LOCK_MS=${t.lockMs}): time from the kill to each turn's first token from the runner that took it over (BullMQ's stall check takes ~1.5 × RUNNER_LOCK_MS of it).`,
      "",
      "| turns | whole answers | kill → continued p50 | p99 | mean |",
      "| ---: | ---: | ---: | ---: | ---: |",
      `| ${t.turns} | ${t.wholeAnswers} | ${f(t.killToContinued.p50)} | ${f(t.killToContinued.p99)} | ${f(t.killToContinued.mean)} |`,
      "",
    );
  }
  for (const x of r.ttft.filter((t) => t.redisPerRequest)) {
    const cmds = Object.entries(x.redisPerRequest ?? {}).filter(([, v]) => v.calls >= 0.1);
    out.push(
      "",
      `Redis commands per distributed request at c=${x.concurrency} (calls per request, µs per call): ${cmds.map(([k, v]) => `${k} ${v.calls} (${v.usecPerCall})`).join(", ")}.`,
    );
  }
  out.push(
    "",
    "## Throughput (tokens/s delivered to SSE clients)",
    "",
    "CPU µs per token: the processes between the upstream and the client (bare proxy; gateway; gateway + runner).",
    "",
    "| path | streams × tokens | total tokens/s | ÷ bare | per-stream p50 | per-stream p99 | wall ms | failures | CPU µs per token | ÷ bare | CPU s during the run |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  const tpBare = r.throughput.find((y) => y.target === "bare");
  for (const x of r.throughput) {
    const cpt = cpuPerToken(x);
    out.push(
      `| ${x.target} | ${x.streams} × ${x.tokensPerStream} | ${f(x.tokensPerSecond)} | ${tpBare ? f(x.tokensPerSecond / tpBare.tokensPerSecond, "×") : "n/a"} | ${f(x.perStreamTokensPerSecond.p50)} | ${f(x.perStreamTokensPerSecond.p99)} | ${f(x.wallMs)} | ${x.failures} | ${f(cpt)} | ${tpBare && Number.isFinite(cpt) ? f(cpt / cpuPerToken(tpBare), "×") : ""} | ${cpuText(x.cpuS)} |`,
    );
  }
  if (r.runner) {
    const x = r.runner;
    out.push(
      "",
      "## Runner concurrency",
      "",
      "| turns | ideal ms | completion ms | over ideal | per-turn p50 | per-turn p99 | TTFT p50 | TTFT p99 | failures | CPU s during the run |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    );
    out.push(
      `| ${x.turns} | ${x.idealMs} | ${f(x.completionMs)} | ${f(x.overIdealPct, " %")} | ${f(x.perTurn.p50)} | ${f(x.perTurn.p99)} | ${f(x.ttft.p50)} | ${f(x.ttft.p99)} | ${x.failures} | ${cpuText(x.cpuS)} |`,
    );
    const cmds = Object.entries(x.redisPerTurn ?? {}).filter(([, v]) => v.calls >= 0.1);
    out.push(
      "",
      `Redis commands per turn (calls per turn, µs per call; busiest first): ${cmds.map(([k, v]) => `${k} ${v.calls} (${v.usecPerCall})`).join(", ")}.`,
    );
  }
  out.push(
    "",
    "## Open streams / fan-out (same workload per design)",
    "",
    "| design | streams opened | open ms | events/stream, every | tokens recv/expected | lag p50 | lag p99 | lag max | append late p99 | RSS base / open / peak MiB | RSS growth MiB | heap base / open MiB (per stream KiB) | Redis conns | server / redis CPU s | read-side Redis calls (µs/call) | note |",
    "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | --- | --- | --- |",
  );
  for (const x of r.fanout) {
    out.push(
      `| ${x.design} | ${x.opened}/${x.streams} | ${f(x.openMs)} | ${x.eventsPerStream}+done, ${x.intervalMs} ms | ${x.tokensReceived}/${x.tokensExpected} | ${f(x.lag.p50)} | ${f(x.lag.p99)} | ${f(x.lag.max)} | ${f(x.appendLate.p99)} | ${f(x.rssBaseMiB)} / ${f(x.rssIdleMiB)} / ${f(x.rssPeakMiB)} | ${f(x.rssGrowthMiB)} | ${x.heapPerStreamKiB !== undefined ? `${f(x.heapBaseMiB ?? Number.NaN)} / ${f(x.heapOpenMiB ?? Number.NaN)} (${f(x.heapPerStreamKiB)})` : "n/a"} | ${f(x.redisConnections)} | ${f(x.serverCpuS)} / ${f(x.redisCpuS)} | ${readSide(x)} | ${[x.note, x.error].filter(Boolean).join("; ")} |`,
    );
  }
  out.push("", "## Targets", "", "| target | figure | status |", "| --- | --- | --- |");
  for (const t of r.targets) out.push(`| ${t.target} | ${t.figure} | ${status(t.met)} |`);
  if (r.warnings && r.warnings.length > 0) out.push("", "## Warnings", "", ...r.warnings.map((w) => `- ${w}`));
  if (r.errors.length > 0) out.push("", "## Harness errors", "", ...r.errors.map((e) => `- ${e}`));
  out.push("");
  return out.join("\n");
}

/** Hand-written SVG: TTFT p50/p99 per path and concurrency, throughput per path, fan-out lag per design. */
export function svg(r: Results): string {
  const W = 960;
  const panelH = 260;
  const parts: string[] = [];
  const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"];

  function panel(
    y0: number,
    title: string,
    unit: string,
    groups: Array<{ label: string; bars: Array<{ name: string; value: number }> }>,
  ): void {
    const left = 70;
    const right = W - 20;
    const top = y0 + 50;
    const bottom = y0 + panelH - 40;
    const all = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v));
    const max = Math.max(1e-9, ...all) * 1.1;
    parts.push(`<text x="${left}" y="${y0 + 22}" font-size="16" font-weight="bold">${esc(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      const y = bottom - ((bottom - top) * i) / 4;
      parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`);
      parts.push(
        `<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${round(v, v < 10 ? 1 : 0)}</text>`,
      );
    }
    parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
    parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
    parts.push(
      `<text x="14" y="${(top + bottom) / 2}" font-size="11" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle">${esc(unit)}</text>`,
    );
    const gw = (right - left) / Math.max(1, groups.length);
    groups.forEach((g, gi) => {
      const bw = Math.min(40, (gw - 20) / Math.max(1, g.bars.length));
      const gx = left + gi * gw + (gw - bw * g.bars.length) / 2;
      g.bars.forEach((b, bi) => {
        const v = Number.isFinite(b.value) ? b.value : 0;
        const h = ((bottom - top) * v) / max;
        const x = gx + bi * bw;
        parts.push(
          `<rect x="${x + 2}" y="${bottom - h}" width="${bw - 4}" height="${h}" fill="${colors[bi % colors.length] ?? "#888"}"><title>${esc(`${g.label} ${b.name}: ${Number.isFinite(b.value) ? round(b.value) : "n/a"} ${unit}`)}</title></rect>`,
        );
        parts.push(
          `<text x="${x + bw / 2}" y="${bottom - h - 4}" font-size="10" text-anchor="middle">${Number.isFinite(b.value) ? round(b.value, b.value < 10 ? 1 : 0) : "n/a"}</text>`,
        );
      });
      parts.push(
        `<text x="${left + gi * gw + gw / 2}" y="${bottom + 16}" font-size="12" text-anchor="middle">${esc(g.label)}</text>`,
      );
    });
    const names = groups[0]?.bars.map((b) => b.name) ?? [];
    names.forEach((n, i) => {
      const x = right - 190 * (names.length - i);
      parts.push(
        `<rect x="${x}" y="${y0 + 27}" width="12" height="12" fill="${colors[i % colors.length] ?? "#888"}"/><text x="${x + 16}" y="${y0 + 37}" font-size="12">${esc(n)}</text>`,
      );
    });
  }

  const paths: Array<TtftResult["target"]> = ["upstream", "bare", "embedded", "distributed"];
  const concs = [...new Set(r.ttft.map((x) => x.concurrency))];
  const tt = (p: TtftResult["target"], c: number): TtftResult | undefined =>
    r.ttft.find((x) => x.target === p && x.concurrency === c);
  let y = 0;
  for (const c of concs) {
    panel(y, `Time to first token, concurrency ${c}`, "ms", [
      { label: "p50", bars: paths.map((p) => ({ name: p, value: tt(p, c)?.ttft.p50 ?? Number.NaN })) },
      { label: "p99", bars: paths.map((p) => ({ name: p, value: tt(p, c)?.ttft.p99 ?? Number.NaN })) },
    ]);
    y += panelH;
  }
  panel(
    y,
    `Throughput, ${r.throughput[0]?.streams ?? 0} concurrent answers of ${r.throughput[0]?.tokensPerStream ?? 0} tokens`,
    "tokens/s",
    [
      {
        label: "total tokens/s delivered to SSE clients",
        bars: paths.map((p) => ({
          name: p,
          value: r.throughput.find((x) => x.target === p)?.tokensPerSecond ?? Number.NaN,
        })),
      },
    ],
  );
  y += panelH;
  const designs: Array<FanoutResult["design"]> = ["multiplexed", "xread", "pubsub"];
  const fo = (d: FanoutResult["design"]): FanoutResult | undefined => r.fanout.find((x) => x.design === d);
  const dn = (d: FanoutResult["design"]): string => `${d} (${fo(d)?.opened ?? 0} streams)`;
  panel(y, "Open streams: append → client lag per design (same workload)", "ms", [
    { label: "lag p50", bars: designs.map((d) => ({ name: dn(d), value: fo(d)?.lag.p50 ?? Number.NaN })) },
    { label: "lag p99", bars: designs.map((d) => ({ name: dn(d), value: fo(d)?.lag.p99 ?? Number.NaN })) },
  ]);
  y += panelH;
  panel(y, "Open streams: server RSS growth and CPU per design", "MiB / CPU s", [
    {
      label: "RSS growth (MiB)",
      bars: designs.map((d) => ({ name: dn(d), value: fo(d)?.rssGrowthMiB ?? Number.NaN })),
    },
    {
      label: "server CPU s (append phase)",
      bars: designs.map((d) => ({ name: dn(d), value: fo(d)?.serverCpuS ?? Number.NaN })),
    },
    {
      label: "redis CPU s (append phase)",
      bars: designs.map((d) => ({ name: dn(d), value: fo(d)?.redisCpuS ?? Number.NaN })),
    },
  ]);
  y += panelH;
  const H = y + 30;
  const m = r.machine;
  parts.push(
    `<text x="20" y="${H - 10}" font-size="11" fill="#555">${esc(`${r.kind} run ${r.startedAt} · ${m.cores} cores · Node ${m.node} · Redis ${m.redis} · load ${m.loadavgStart.join("/")}`)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="${W}" height="${H}" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}
