/** A turn job as it arrives on the wire, valid and minimal: each test spreads the field it breaks or adds. */
export const WIRE_TURN_JOB = {
  v: 1,
  turn_id: "turn_abcdefgh",
  session_id: "s",
  mode: "chat",
  input: "hi",
  options: {},
  enqueued_at: 1,
  deadline_at: 2,
} as const;
