--[[
  Appends one event to a turn's log unless the turn already ended.

  Trims the stream (MAXLEN ~), sets its expiry (a short retention once `done` is written, a long safety TTL
  while the turn is open, so a turn nobody ends still goes), and publishes the new entry — `[id, field,
  value, …, "p", previous id]` as JSON — on the turn's channel for live fan-out. One script, so the log and the
  live path can never disagree on ids or order. The previous entry's id ("0" for the first) lets a follower see
  that a live message did not reach it (a subscription lost in a failover) and read the gap back from the stream.

  Input:
    KEYS[1] the turn's event stream
    KEYS[2] the turn's "ended" marker (holds the id of the terminal entry)

    ARGV[1] maxLen: approximate cap on entries (XADD MAXLEN ~)
    ARGV[2] retention ms after the terminal event
    ARGV[3] TTL ms while the turn is open
    ARGV[4] "1" when this event is terminal (`done`), else "0"
    ARGV[5] the turn's live Pub/Sub channel (hash-tagged like the keys: the same Cluster slot)
    ARGV[6] "1" to publish with SPUBLISH (Redis Cluster: sharded pub/sub, stays in the slot's shard), else PUBLISH
    ARGV[7..] the entry's fields: name, value, name, value, …

  Output:
    the new entry id, or nil (false) when the turn had already ended
]]
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local args = {KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}
local live = {}
for i = 7, #ARGV do
  args[#args + 1] = ARGV[i]
  live[#live + 1] = ARGV[i]
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local previous = last[1] and last[1][1] or '0'
local id = redis.call('XADD', unpack(args))
if ARGV[4] == '1' then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
table.insert(live, 1, id)
live[#live + 1] = 'p'
live[#live + 1] = previous
redis.call(ARGV[6] == '1' and 'SPUBLISH' or 'PUBLISH', ARGV[5], cjson.encode(live))
return id
