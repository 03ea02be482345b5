/** Re-renders the Markdown and SVG of a results JSON without running anything: `tsx src/render.ts results/latest.json`. */
import { readFileSync, writeFileSync } from "node:fs";
import { markdown, svg, type Results } from "./report.js";

const file = process.argv[2];
if (!file?.endsWith(".json")) {
  process.stderr.write("usage: tsx src/render.ts results/<stem>.json\n");
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, "utf8")) as Results;
writeFileSync(file.replace(/\.json$/, ".md"), markdown(results));
writeFileSync(file.replace(/\.json$/, ".svg"), svg(results));
process.stdout.write(`rendered ${file.replace(/\.json$/, ".{md,svg}")}\n`);
