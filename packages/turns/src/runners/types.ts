export interface RunnerInfo {
  readonly id: string;
  /** epoch ms of the runner's last heartbeat */
  readonly seen: number;
  readonly concurrency: number;
  readonly mcp: ReadonlyArray<{ name: string; connected: boolean; tools: number }>;
}

/** Where runners announce themselves and gateways look them up. */
export interface RunnerRegistry {
  beat(info: RunnerInfo): Promise<void>;
  remove(id: string): Promise<void>;
  /** Runners seen within `maxAgeMs`; older entries are pruned. */
  list(maxAgeMs: number, now?: number): Promise<RunnerInfo[]>;
}
