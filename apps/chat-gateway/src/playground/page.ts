/**
 * The playground at `/`: one static page, no framework. It talks to the gateway's AI SDK door
 * (`POST /v1/ui/chat`), which carries tool inputs and outputs for the cards; it keeps the conversation, the
 * running turn and the last event id in sessionStorage, so a reload mid-answer resumes with Last-Event-ID
 * (`GET /v1/ui/chat/{chatId}/stream`); Stop calls `POST /v1/turns/{turn_id}/cancel`.
 */
export const PLAYGROUND_PAGE = String.raw`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Playground</title>
<style>
*{box-sizing:border-box}body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f5f5f7;color:#1d1d1f}
header{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center;padding:.6rem 1rem;background:#fff;border-bottom:1px solid #ddd}
header label{display:flex;gap:.3rem;align-items:center;font-size:13px}input,select,textarea,button{font:inherit}
#log{max-width:860px;margin:0 auto;padding:1rem;min-height:60vh}
.msg{margin:.6rem 0;padding:.6rem .9rem;border-radius:10px;white-space:pre-wrap;background:#fff;border:1px solid #e3e3e6}
.user{background:#dfefff;border-color:#c5defa}.err{color:#b00020}
.tool{margin:.4rem 0;padding:.5rem .7rem;border:1px solid #d6c7f0;background:#f7f2ff;border-radius:8px;font-size:13px;white-space:normal}
.tool b{font-family:ui-monospace,monospace}.tool pre{margin:.3rem 0 0;white-space:pre-wrap;max-height:10rem;overflow:auto;font:12px ui-monospace,monospace}
form{position:sticky;bottom:0;display:flex;gap:.5rem;max-width:860px;margin:0 auto;padding:.8rem 1rem;background:#f5f5f7}
textarea{flex:1;min-height:2.6rem;padding:.5rem;border-radius:8px;border:1px solid #ccc}
button{padding:.4rem 1rem;border-radius:8px;border:1px solid #888;background:#fff;cursor:pointer}button:disabled{opacity:.45;cursor:default}
</style></head><body>
<header>
<strong>Playground</strong>
<label>Mode <select id="mode"><option value="chat">chat</option><option value="agent" selected>agent (tools)</option></select></label>
<label>Session <input id="session" size="22"></label>
<label>API key <input id="apikey" type="password" size="18" placeholder="optional"></label>
<button id="clear" type="button">New chat</button>
</header>
<div id="log"></div>
<form id="form"><textarea id="input" placeholder="Ask something… (try: list the files)"></textarea><button id="send">Send</button><button id="stop" type="button" disabled>Stop</button></form>
<script>
const $ = (id) => document.getElementById(id);
const store = sessionStorage;
const KEY = "acb-playground";
let state = JSON.parse(store.getItem(KEY) || "null") || { session: "pg-" + Math.random().toString(36).slice(2, 10), messages: [], running: null };
$("session").value = state.session;
$("mode").value = state.mode || "agent";
$("apikey").value = localStorage.getItem(KEY + "-key") || "";
const save = () => store.setItem(KEY, JSON.stringify(state));
const headers = (extra) => {
  const h = Object.assign({}, extra || {});
  const key = $("apikey").value.trim();
  if (key) h.authorization = "Bearer " + key;
  return h;
};

function render() {
  const log = $("log");
  log.textContent = "";
  for (const m of state.messages) {
    const div = document.createElement("div");
    div.className = "msg " + m.role;
    div.dataset.role = m.role;
    for (const p of m.parts) {
      if (p.type === "text") div.appendChild(document.createTextNode(p.text));
      else if (p.type === "tool") {
        const card = document.createElement("div");
        card.className = "tool";
        card.dataset.testid = "tool-card";
        card.innerHTML = "<div>tool <b></b></div><pre class=args></pre><pre class=result></pre>";
        card.querySelector("b").textContent = p.name;
        card.querySelector(".args").textContent = "arguments: " + JSON.stringify(p.input);
        card.querySelector(".result").textContent = p.output === undefined ? "running…" : "result: " + p.output;
        div.appendChild(card);
      } else if (p.type === "error") {
        const e = document.createElement("div");
        e.className = "err";
        e.textContent = p.text;
        div.appendChild(e);
      }
    }
    log.appendChild(div);
  }
  $("send").disabled = !!state.running;
  $("stop").disabled = !state.running;
  window.scrollTo(0, document.body.scrollHeight);
}

function apply(chunk) {
  const msg = state.messages[state.messages.length - 1];
  const last = msg.parts[msg.parts.length - 1];
  if (chunk.type === "text-delta") {
    if (last && last.type === "text") last.text += chunk.delta;
    else msg.parts.push({ type: "text", text: chunk.delta });
  } else if (chunk.type === "tool-input-available") {
    msg.parts.push({ type: "tool", id: chunk.toolCallId, name: chunk.toolName, input: chunk.input });
  } else if (chunk.type === "tool-output-available" || chunk.type === "tool-output-error") {
    const card = msg.parts.find((p) => p.type === "tool" && p.id === chunk.toolCallId);
    if (card) card.output = chunk.type === "tool-output-error" ? "error: " + chunk.errorText : String(chunk.output);
  } else if (chunk.type === "error") {
    msg.parts.push({ type: "error", text: chunk.errorText });
  }
}

async function consume(res) {
  if (res.status === 204) { state.running = null; save(); render(); return; }
  if (!res.ok) {
    let text = "HTTP " + res.status;
    try { text = (await res.json()).error.message; } catch (e) {}
    state.messages[state.messages.length - 1].parts.push({ type: "error", text: text });
    state.running = null; save(); render(); return;
  }
  const turn = res.headers.get("x-turn-id");
  if (turn) { state.running.turn = turn; save(); }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let id = null, data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith("id: ")) id = line.slice(4);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (!data || data === "[DONE]") continue;
      apply(JSON.parse(data));
      if (id) state.running.lastId = id;
      save();
      render();
    }
  }
  state.running = null;
  save();
  render();
}

async function send(text) {
  state.session = $("session").value.trim() || state.session;
  state.mode = $("mode").value;
  localStorage.setItem(KEY + "-key", $("apikey").value.trim());
  state.messages.push({ role: "user", parts: [{ type: "text", text: text }] });
  const history = state.messages.map((m, i) => ({ id: "m" + i, role: m.role, parts: m.parts.filter((p) => p.type === "text") }));
  state.messages.push({ role: "assistant", parts: [] });
  state.running = { turn: null, lastId: "0" };
  save();
  render();
  const res = await fetch("/v1/ui/chat", { method: "POST", headers: headers({ "content-type": "application/json" }), body: JSON.stringify({ id: state.session, messages: history, trigger: "submit-message", mode: state.mode }) });
  await consume(res);
}

async function resume() {
  const h = headers(state.running.lastId && state.running.lastId !== "0" ? { "last-event-id": state.running.lastId } : {});
  if (!state.running.lastId || state.running.lastId === "0") {
    // Nothing of this answer was seen yet: the resume replays it from the start.
    state.messages[state.messages.length - 1].parts = [];
  }
  await consume(await fetch("/v1/ui/chat/" + encodeURIComponent(state.session) + "/stream", { headers: h }));
}

$("form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.running) return;
  $("input").value = "";
  send(text).catch((e) => { state.running = null; save(); render(); console.error(e); });
});
$("input").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("form").requestSubmit(); } });
$("stop").addEventListener("click", async () => {
  if (!state.running || !state.running.turn) return;
  await fetch("/v1/turns/" + encodeURIComponent(state.running.turn) + "/cancel", { method: "POST", headers: headers() });
});
$("clear").addEventListener("click", () => {
  state = { session: "pg-" + Math.random().toString(36).slice(2, 10), mode: $("mode").value, messages: [], running: null };
  $("session").value = state.session;
  save(); render();
});
render();
if (state.running) resume().catch((e) => { state.running = null; save(); render(); console.error(e); });
</script></body></html>`;
