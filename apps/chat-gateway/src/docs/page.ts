/**
 * The API reference page at /docs: reads /openapi.json and lists every operation with its parameters,
 * request example, answers and schemas. Self-contained (no CDN, no framework), so it works offline.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1d1d1f}
h1{font-size:1.5rem}.op{border:1px solid #ddd;border-radius:8px;margin:1rem 0;padding:.6rem 1rem}
.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}.get{color:#0a7}.post{color:#06c}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f8;padding:.6rem;overflow:auto;border-radius:6px;max-height:22rem}
details summary{cursor:pointer}
</style></head><body>
<h1 id="title">API reference</h1><p id="desc"></p><p><a href="/openapi.json">openapi.json</a></p><div id="ops">Loading…</div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
fetch("/openapi.json").then((r) => r.json()).then((doc) => {
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("desc").textContent = doc.info.description;
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const params = (op.parameters || []).map((p) => "<li><code>" + esc(p.name) + "</code> (" + esc(p.in) + (p.required ? ", required" : "") + ")</li>").join("");
    const example = op.requestBody ? Object.values(op.requestBody.content)[0].example : undefined;
    const responses = Object.entries(op.responses).map(([code, r]) => "<li><b>" + esc(code) + "</b> " + esc(r.description) + (r.content ? " — <code>" + esc(Object.keys(r.content).join(", ")) + "</code>" : "") + "</li>").join("");
    ops.push('<div class="op"><div><span class="m ' + method + '">' + method + "</span> <code>" + esc(path) + "</code></div><p>" + esc(op.summary || "") + "</p>" +
      (params ? "<p>Parameters</p><ul>" + params + "</ul>" : "") +
      (example !== undefined ? "<details><summary>Example request</summary><pre>" + esc(JSON.stringify(example, null, 2)) + "</pre></details>" : "") +
      "<p>Responses</p><ul>" + responses + "</ul></div>");
  }
  const schemas = Object.entries(doc.components.schemas).map(([name, s]) => "<details><summary><code>" + esc(name) + "</code></summary><pre>" + esc(JSON.stringify(s, null, 2)) + "</pre></details>").join("");
  document.getElementById("ops").innerHTML = ops.join("") + "<h2>Schemas</h2>" + schemas;
});
</script></body></html>`;
