--[[
  Ends a turn's place in its session. `finish`: when the turn is the active one, the next waiting turn becomes
  active (its claim expiring at its deadline + grace) and is returned; a turn still waiting is removed.
  `withdraw`: only removes the turn from the waiting list (a cancel before it ran).

  Input:
    KEYS[1] the session's active-turn key
    KEYS[2] the session's waiting list

    ARGV[1] the turn id
    ARGV[2] grace ms past a turn's deadline for its active claim
    ARGV[3] finish | withdraw

  Output:
    finish: the job JSON of the turn now active, or false; withdraw: the removed job JSON, or false
]]
local function remove_waiting(id)
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    if cjson.decode(entry).turn_id == id then
      redis.call('LREM', KEYS[2], 1, entry)
      return entry
    end
  end
  return false
end

if ARGV[3] == 'withdraw' then return remove_waiting(ARGV[1]) end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  remove_waiting(ARGV[1])
  return false
end
local head = redis.call('LPOP', KEYS[2])
if not head then
  redis.call('DEL', KEYS[1])
  return false
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local job = cjson.decode(head)
redis.call('SET', KEYS[1], job.turn_id, 'PX', math.max(1, math.floor(tonumber(job.deadline_at) - now + tonumber(ARGV[2]))))
return head
