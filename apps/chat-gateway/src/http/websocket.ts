import { createNodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";
import { selectSubprotocol } from "./security.js";

/** The gateway's WebSocket server on Node: message size bound, and the fixed subprotocol (never the token) answered. */
export function nodeWebSocket(root: Hono, maxMessageBytes: number): ReturnType<typeof createNodeWebSocket> {
  const ws = createNodeWebSocket({ app: root });
  ws.wss.options.maxPayload = maxMessageBytes * 2;
  ws.wss.options.handleProtocols = selectSubprotocol;
  return ws;
}
