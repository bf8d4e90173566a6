-- A post failed for now: put the reply back at the head of its channel's queue, not before `not_before`,
-- unless this take's lease ran out (the reply was queued again already, or another take holds it).
-- KEYS: taken zset, channels zset, channel queue
-- ARGV: taken member, request id, channel, not-before ms, lease expiry
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held and tonumber(held) == tonumber(ARGV[5]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('LPUSH', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[2], 'GT', ARGV[4], ARGV[3])
end
return 1
