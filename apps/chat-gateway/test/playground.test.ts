// The playground at `/` in headless Chromium (playwright-core): streamed answer, a tool card, a reload
// mid-answer that continues, Stop. Screenshots go to test-artifacts/ (gitignored).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.js";
import { NO_TOOL_SERVERS, startInProcessGateway, useScriptedGateway } from "./harness.js";

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
const stack = useScriptedGateway({ TURN_TIMEOUT_MS: "30000" }, { files: { "treasure-map.txt": "X\n" } });
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The text nodes of the last assistant message (tool cards and errors are elements of their own). */
interface TextNodes {
  childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
}
const assistantText = (page: Page) =>
  page
    .locator(".msg.assistant")
    .last()
    .evaluate((el: TextNodes) =>
      Array.from(el.childNodes)
        .filter((n) => n.nodeType === 3)
        .map((n) => n.textContent ?? "")
        .join(""),
    );

async function ask(page: Page, text: string): Promise<void> {
  await page.fill("#input", text);
  await page.click("#send");
}

describe("playground", { timeout: 60_000 }, () => {
  it("streams the answer and shows the agent's tool call as a card with its arguments and result", async () => {
    stack.upstream.script((req) =>
      req.body.messages.some((m) => m.role === "tool")
        ? // Slow enough that a loaded machine still sees part of the answer before the rest.
          { kind: "text", chunks: ["I ", "found ", "the ", "map."], delayMs: 600 }
        : { kind: "tool_calls", calls: [{ id: "call_pg", name: "files__list_dir", arguments: '{"path":"."}' }] },
    );
    const page = await browser.newPage();
    await page.goto(`${stack.gw.url}/`);
    await page.selectOption("#mode", "agent");
    await ask(page, "list the files");
    const card = page.locator('[data-testid="tool-card"]');
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain("treasure-map.txt");
    expect(await card.textContent()).toContain("files__list_dir");
    expect(await card.textContent()).toContain('"path":"."');
    // Streams: part of the answer is on screen before all of it.
    await expect.poll(() => assistantText(page), { timeout: 5_000 }).toMatch(/^I (found )?/);
    const partial = await assistantText(page);
    await expect.poll(() => assistantText(page), { timeout: 10_000 }).toBe("I found the map.");
    expect(partial.length).toBeLessThan("I found the map.".length);
    await page.screenshot({ path: join(ARTIFACTS, "playground-tool-card.png"), fullPage: true });
    await page.close();
  });

  it("a reload mid-answer resumes the stream with Last-Event-ID: the whole answer once", async () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i} `);
    stack.upstream.script(() => ({ kind: "text", chunks: words, delayMs: 60 }));
    const page = await browser.newPage();
    await page.goto(`${stack.gw.url}/`);
    await page.selectOption("#mode", "chat");
    await ask(page, "count for me");
    await expect.poll(() => assistantText(page)).toContain("word4 ");
    await page.reload();
    await page.screenshot({ path: join(ARTIFACTS, "playground-after-reload.png"), fullPage: true });
    await expect.poll(() => assistantText(page), { timeout: 10_000 }).toBe(words.join(""));
    expect(await page.locator(".msg.user").count()).toBe(1);
    expect(await page.isDisabled("#send")).toBe(false);
    await page.close();
  });

  it("Stop cancels the turn: the upstream request is aborted and the answer ends with the cancellation", async () => {
    stack.upstream.script(() => ({
      kind: "text",
      chunks: Array.from({ length: 300 }, (_, i) => `n${i} `),
      delayMs: 40,
    }));
    const aborted = stack.upstream.abortedStreams;
    const page = await browser.newPage();
    await page.goto(`${stack.gw.url}/`);
    await page.selectOption("#mode", "chat");
    await ask(page, "never stop");
    await expect.poll(() => assistantText(page)).toContain("n3 ");
    await page.click("#stop");
    await expect
      .poll(
        () =>
          page
            .locator(".msg.assistant .err")
            .textContent()
            .catch(() => null),
        { timeout: 5_000 },
      )
      .toContain("cancelled");
    await expect.poll(() => stack.upstream.abortedStreams).toBe(aborted + 1);
    expect(await page.isDisabled("#send")).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "playground-stopped.png"), fullPage: true });
    await page.close();
  });

  it("PLAYGROUND=false serves no page at /", async () => {
    const off = await startInProcessGateway({ PLAYGROUND: "false", ...NO_TOOL_SERVERS });
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
