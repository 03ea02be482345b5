/**
 * Turns a file's bytes into text to chunk: Markdown and plain text as they are, HTML through html-to-text
 * with headings rendered as Markdown headings (`## Title`), so one structure-aware splitter serves all three.
 * PDF is not supported: no well-kept pure-JS parser fits here without a native build or a large bundle.
 */
import { convert, type FormatCallback } from "html-to-text";
import type { DocFormat } from "./store/types.js";

export const EXTENSIONS: Readonly<Record<string, DocFormat>> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".mdx": "markdown",
  ".txt": "text",
  ".text": "text",
  ".html": "html",
  ".htm": "html",
};

export function formatOf(name: string): DocFormat | undefined {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot).toLowerCase()];
}

export interface Extracted {
  readonly title: string;
  /** Markdown-like text: headings as `#` lines. */
  readonly text: string;
}

const heading: FormatCallback = (elem, walk, builder, options) => {
  const level = Number((options as { level?: number }).level ?? 1);
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addInline(`${"#".repeat(level)} `);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const HTML_OPTIONS = {
  wordwrap: false as const,
  formatters: { mdHeading: heading },
  selectors: [
    ...[1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: "mdHeading", options: { level } })),
    { selector: "a", options: { ignoreHref: true } },
    { selector: "img", format: "skip" },
    { selector: "script", format: "skip" },
    { selector: "style", format: "skip" },
    { selector: "nav", format: "skip" },
  ],
};

function firstHeading(text: string): string | undefined {
  for (const line of text.split("\n", 200)) {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m !== null) return m[1];
  }
  return undefined;
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim().length > 0) ?? "").trim();
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** `fallbackTitle` is the file name without its extension. */
export function extract(raw: string, format: DocFormat, fallbackTitle: string): Extracted {
  if (format === "html") {
    const titleTag = /<title[^>]*>([\s\S]{0,1000}?)<\/title>/i.exec(raw)?.[1];
    const text = convert(raw, HTML_OPTIONS)
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    const title = titleTag !== undefined ? convert(titleTag, { wordwrap: false }).trim() : undefined;
    return { title: clip(title || firstHeading(text) || fallbackTitle), text };
  }
  let text = raw.replace(/\r\n?/g, "\n");
  if (format === "markdown") {
    // YAML front matter: its `title:` names the document; the block itself is not content
    const fm = /^---\n([\s\S]*?)\n---\n/.exec(text);
    if (fm !== null) {
      const t = /^title:\s*["']?(.+?)["']?\s*$/m.exec(fm[1] ?? "")?.[1];
      text = text.slice(fm[0].length);
      if (t !== undefined) return { title: clip(t), text };
    }
    return { title: clip(firstHeading(text) ?? fallbackTitle), text };
  }
  return { title: clip(firstLine(text) || fallbackTitle), text };
}
