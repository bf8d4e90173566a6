-- Slack's chat.update budget: a token bucket shared by every replica, with a reserve for finals.
-- KEYS: bucket hash, Slack pause. ARGV: now ms, capacity, refill per ms, reserve, finals wanted,
-- updates wanted, ttl ms. Finals may take every token; an update leaves the reserve for finals.
-- Returns {finals granted, updates granted, ms before a final could have one, ms before an update
-- could}; while a 429's pause runs, nothing is granted and both waits are the pause.
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {0, 0, pause, pause} end
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local refill = tonumber(ARGV[3])
local reserve = tonumber(ARGV[4])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or capacity)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or now)
if now > at then tokens = math.min(capacity, tokens + (now - at) * refill) end
local finals = math.max(0, math.min(tonumber(ARGV[5]), math.floor(tokens)))
tokens = tokens - finals
local updates = math.max(0, math.min(tonumber(ARGV[6]), math.floor(tokens - reserve)))
tokens = tokens - updates
local function wait(need)
  if tokens >= need then return 0 end
  return math.ceil((need - tokens) / refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return {finals, updates, wait(1), wait(1 + reserve)}
