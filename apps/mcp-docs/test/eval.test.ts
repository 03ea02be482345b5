/** Retrieval quality on the shipped collection must not regress below what the offline default reaches today. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { hashingEmbedder } from "../src/embed/hashing.js";
import { evaluate } from "../src/eval/run.js";
import { APP } from "./helpers.js";

it("the offline embedder's hybrid ranking finds the answering chunk in the top 5 for at least 85% of the labelled questions", async () => {
  const questions = JSON.parse(readFileSync(join(APP, "src/eval/questions.json"), "utf8")) as Array<{
    q: string;
    source: string;
    phrase: string;
  }>;
  expect(questions.length).toBeGreaterThanOrEqual(50);
  const s = await evaluate(hashingEmbedder(512), questions);
  expect(s.hybrid.recall).toBeGreaterThanOrEqual(0.85);
  expect(s.hybrid.mrr).toBeGreaterThanOrEqual(0.7);
  expect(s.lexical.recall).toBeGreaterThanOrEqual(0.85);
  expect(s.vector.recall).toBeGreaterThanOrEqual(0.8);
});
