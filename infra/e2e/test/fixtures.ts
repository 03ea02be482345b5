/** A test file's share of the stack: started before its tests (or in one test) and stopped after them. */
import {
  startRedis,
  startScriptedOpenAI,
  type PrivateRedis,
  type ScriptFn,
  type ScriptedOpenAI,
  type ServiceProcess,
} from "@acb/testkit";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, onTestFinished } from "vitest";
import { makeFilesRoot, startFileServerHttp, startGateway, startRunner, type Env, type Service } from "./stack.js";

/** A gateway for the current test only: stopped when the test finishes. */
export async function testGateway(env: Env): Promise<Service> {
  const gateway = await startGateway(env);
  onTestFinished(() => gateway.stop());
  return gateway;
}

/** A runner for the current test only: stopped (1 s grace) when the test finishes. */
export async function testRunner(env: Env): Promise<ServiceProcess> {
  const runner = await startRunner(env);
  onTestFinished(async () => void (await runner.stop(1_000)));
  return runner;
}

const startedInBeforeAll = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is started in beforeAll: use it inside a hook or a test`);
  return value;
};

export interface Backend {
  readonly redis: PrivateRedis;
  readonly upstream: ScriptedOpenAI;
  /** What every runner and gateway of the file is given: this Redis, this upstream, no model retries. */
  readonly env: { REDIS_URL: string; OPENAI_BASE_URL: string; MODEL_MAX_RETRIES: string };
}

/**
 * A file's private redis-server and scripted upstream model, started in parallel before its tests and stopped after
 * them (after hooks run in reverse: call this before registering hooks that stop processes using them).
 */
export function useBackend(script: ScriptFn): Backend {
  let redis: PrivateRedis | undefined;
  let upstream: ScriptedOpenAI | undefined;
  beforeAll(async () => {
    [redis, upstream] = await Promise.all([startRedis(), startScriptedOpenAI({ script })]);
  });
  afterAll(async () => {
    await Promise.all([upstream?.close(), redis?.stop()]);
  });
  return {
    get redis() {
      return startedInBeforeAll(redis, "the Redis");
    },
    get upstream() {
      return startedInBeforeAll(upstream, "the upstream");
    },
    get env() {
      return { REDIS_URL: this.redis.url, OPENAI_BASE_URL: this.upstream.url, MODEL_MAX_RETRIES: "0" };
    },
  };
}

export interface FileServer {
  /** Its files (makeFilesRoot's, plus what `prepare` wrote). */
  readonly root: string;
  readonly server: Service;
}

/** A file's MCP file server over HTTP on a makeFilesRoot() directory, started before its tests, removed after. */
export function useFileServer(prepare: (root: string) => void = () => undefined): FileServer {
  let root: string | undefined;
  let server: Service | undefined;
  beforeAll(async () => {
    root = makeFilesRoot();
    prepare(root);
    server = await startFileServerHttp(root);
  });
  afterAll(async () => {
    await server?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });
  return {
    get root() {
      return startedInBeforeAll(root, "the files root");
    },
    get server() {
      return startedInBeforeAll(server, "the file server");
    },
  };
}
