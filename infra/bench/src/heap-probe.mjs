// Bench-only preload (`node --expose-gc --import <this file> dist/main.js`): on SIGUSR2 the process runs a full
// garbage collection and prints `heap-used <bytes>` on stderr, so the bench reads live heap (not RSS, which
// keeps freed pages) before and after it opens streams. Never loaded outside the bench.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
  process.stderr.write(`heap-used ${process.memoryUsage().heapUsed}\n`);
});
