import { createServer, type Server, type Socket } from "node:net";

/** Linux's ephemeral range starts here by default (net.ipv4.ip_local_port_range); other systems' start higher. */
const EPHEMERAL_FROM = 32_768;
const LOW_FROM = 20_000;

/** Whether `port` can be bound on 127.0.0.1 right now (it is bound and released at once). */
export function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, chosen below the ephemeral range: a test binds it later (or
 * binds it again, restarting a server on the same port), and meanwhile outgoing connections, its own and a parallel
 * suite's, take ephemeral ports, which could be the one chosen (seen: a stack's runner that could not bind its port).
 * `consecutive`: that many ports from the one returned are all free (a service that binds port + 1 too).
 */
export async function freePort(consecutive = 1): Promise<number> {
  for (;;) {
    const port = LOW_FROM + Math.floor(Math.random() * (EPHEMERAL_FROM - LOW_FROM - consecutive));
    let free = true;
    for (let i = 0; i < consecutive && free; i++) free = await bindable(port + i);
    if (free) return port;
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LoopbackListener {
  readonly port: number;
  /** Drops the open connections and stops listening. */
  close(): Promise<void>;
}

/** Starts `server` (net or http) on a free loopback port. */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
