--[[
  Admits a turn to its session: it becomes the active turn, waits behind the active one, or (strategy
  `reject`) is refused. When the active claim has expired (its turn crashed and nobody ended it) while turns
  wait, the oldest waiting turn is promoted instead and the new one waits behind it.

  Input:
    KEYS[1] the session's active-turn key (holds the active turn id, expires at its deadline + grace)
    KEYS[2] the session's waiting list (turn jobs as JSON, next first)

    ARGV[1] the turn's job as JSON (turn_id and deadline_at are read from it)
    ARGV[2] strategy: enqueue | reject | interrupt | rollback (interrupt and rollback wait at the front)
    ARGV[3] grace ms past a turn's deadline for its active claim and its waiting entry

  Output:
    {'run', turn id} | {'queued', active turn id} | {'queued', promoted turn id, promoted job JSON} | {'busy', active turn id}
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grace = tonumber(ARGV[3])

local function claim(job_json)
  local job = cjson.decode(job_json)
  redis.call('SET', KEYS[1], job.turn_id, 'PX', math.max(1, math.floor(tonumber(job.deadline_at) - now + grace)))
  return job.turn_id
end

local function wait(job_json, front)
  local job = cjson.decode(job_json)
  if front then redis.call('LPUSH', KEYS[2], job_json) else redis.call('RPUSH', KEYS[2], job_json) end
  local ttl = math.max(1, math.floor(tonumber(job.deadline_at) - now + grace))
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end

local active = redis.call('GET', KEYS[1])
if not active then
  local head = redis.call('LPOP', KEYS[2])
  if not head then
    return {'run', claim(ARGV[1])}
  end
  local promoted = claim(head)
  wait(ARGV[1], false)
  return {'queued', promoted, head}
end
if ARGV[2] == 'reject' then return {'busy', active} end
wait(ARGV[1], ARGV[2] == 'interrupt' or ARGV[2] == 'rollback')
return {'queued', active}
