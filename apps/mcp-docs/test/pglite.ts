/**
 * A real Postgres with a real pgvector, without a server install: PGlite (Postgres compiled to WASM) with its
 * bundled `vector` extension, served on a loopback port by pglite-socket so the adapter talks to it through
 * the ordinary `pg` wire client, exactly as it would to a Postgres server.
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { freePort } from "@acb/testkit";

export interface PgHandle {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPglite(): Promise<PgHandle> {
  const db = await PGlite.create({ extensions: { vector } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1" });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
