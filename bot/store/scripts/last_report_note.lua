-- Notes when vehicles last reported, keeping each vehicle's latest time (a late or redelivered report of
-- an earlier time changes nothing).
-- KEYS: the hash of VIN -> unix time. ARGV: VIN, time, VIN, time, ... Returns how many times moved on.
local moved = 0
for i = 1, #ARGV, 2 do
  local known = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if known == nil or known < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    moved = moved + 1
  end
end
return moved
