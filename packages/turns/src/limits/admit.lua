--[[
  Admits one turn against a bucket's limits, all or nothing (types.ts explains the policy; GCRA as gcra()).
  KEYS[1] = rate state (HASH: turns = tat ms, chars = tat ms)
  KEYS[2] = running turns (ZSET: member = turn id, score = deadline ms)
  KEYS[3] = queued turns, admitted but not started by a runner (ZSET: member = turn id, score = deadline ms)
  ARGV[1] = turn id
  ARGV[2] = deadline (epoch ms)
  ARGV[3] = input characters of the turn
  ARGV[4] = turns per minute (0 = unlimited)
  ARGV[5] = input characters per minute (0 = unlimited)
  ARGV[6] = concurrent turns (0 = unlimited)
  ARGV[7] = window ms
  ARGV[8] = concurrency (and queued) Retry-After cap ms
  ARGV[9] = queued turns (0 = unlimited)
  Returns { exceeded ('' when admitted), retry ms,
            turns remaining, turns reset ms, chars remaining, chars reset ms, running, earliest deadline reset ms,
            queued, earliest queued deadline reset ms }
  The server's clock (TIME), not each gateway's, so replicas agree.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local turnsMax = tonumber(ARGV[4])
local charsMax = tonumber(ARGV[5])
local activeMax = tonumber(ARGV[6])
local window = tonumber(ARGV[7])
local queuedMax = tonumber(ARGV[9])

local function gcra(field, units, limit)
  local interval = window / limit
  local base = math.max(tonumber(redis.call('HGET', KEYS[1], field) or '0'), now)
  local nextTat = base + units * interval
  local allowAt = nextTat - window
  if allowAt > now then
    return false, base, allowAt - now, math.max(0, math.floor((now + window - base) / interval)), base - now
  end
  return true, nextTat, 0, math.max(0, math.floor((now + window - nextTat) / interval)), nextTat - now
end

local exceeded = ''
local retry = 0
local tOk, tTat, tRetry, tRem, tReset = true, 0, 0, 0, 0
local cOk, cTat, cRetry, cRem, cReset = true, 0, 0, 0, 0
if turnsMax > 0 then tOk, tTat, tRetry, tRem, tReset = gcra('turns', 1, turnsMax) end
if charsMax > 0 then cOk, cTat, cRetry, cRem, cReset = gcra('chars', cost, charsMax) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local running = redis.call('ZCARD', KEYS[2])
local queued = 0
if queuedMax > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  queued = redis.call('ZCARD', KEYS[3])
end
-- the turn holds a place in the ZSET `key` until its deadline; the set lives at least that long
local function hold(key)
  redis.call('ZADD', key, deadline, ARGV[1])
  local ttl = redis.call('PTTL', key)
  if ttl < deadline - now then redis.call('PEXPIRE', key, math.max(1, deadline - now)) end
end
local function earliest(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] then return math.max(0, tonumber(first[2]) - now) end
  return 0
end

if not tOk then exceeded = 'turns'; retry = tRetry
elseif not cOk then exceeded = 'input_chars'; retry = cRetry
elseif activeMax > 0 and running >= activeMax then exceeded = 'concurrent'
elseif queuedMax > 0 and queued >= queuedMax then exceeded = 'queued'
end

if exceeded == '' then
  local keep = 0
  if turnsMax > 0 then redis.call('HSET', KEYS[1], 'turns', tostring(tTat)); keep = math.max(keep, tTat - now) end
  if charsMax > 0 then redis.call('HSET', KEYS[1], 'chars', tostring(cTat)); keep = math.max(keep, cTat - now) end
  if keep > 0 then redis.call('PEXPIRE', KEYS[1], math.ceil(keep) + 1000) end
  if activeMax > 0 then hold(KEYS[2]); running = running + 1 end
  if queuedMax > 0 then hold(KEYS[3]); queued = queued + 1 end
end
-- a refused turn added nothing: the earliest deadline is also when a slot (or a queued place) frees for it
local soonest = earliest(KEYS[2])
local soonestQueued = 0
if queuedMax > 0 then soonestQueued = earliest(KEYS[3]) end
if exceeded == 'concurrent' then retry = math.min(soonest, tonumber(ARGV[8])) end
if exceeded == 'queued' then retry = math.min(soonestQueued, tonumber(ARGV[8])) end
return { exceeded, tostring(retry), tRem, tostring(tReset), cRem, tostring(cReset), running, tostring(soonest),
         queued, tostring(soonestQueued) }
