/**
 * Ingestion progress on stderr: a cli-progress bar on a TTY, plain lines otherwise (CI logs, pipes), or
 * nothing but the summary.
 */
import cliProgress from "cli-progress";

export interface Progress {
  start(total: number): void;
  step(done: number, source: string, note: string): void;
  stop(): void;
}

export function createProgress(
  mode: "auto" | "lines" | "quiet",
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (mode === "quiet") return { start: () => undefined, step: () => undefined, stop: () => undefined };
  if (mode === "auto" && stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: "ingest [{bar}] {percentage}% | {value}/{total} files | {file}",
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { file: "" }),
      step: (done, source) => bar.update(done, { file: source.length > 40 ? `…${source.slice(-39)}` : source }),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  return {
    start: (t) => {
      total = t;
      stream.write(`ingest: ${t} files to check\n`);
    },
    step: (done, source, note) => stream.write(`ingest: ${done}/${total} ${source} ${note}\n`),
    stop: () => undefined,
  };
}
