-- Ends the render of a batch message: off the dirty set when nothing changed since it began, else
-- queued again for when the message may be edited next (one edit per message per gap).
-- KEYS: the dirty set, the generation hash
-- ARGV: batch id, the generation it showed, the next time an edit is allowed (ms), '1' to keep it
local generation = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if generation > tonumber(ARGV[2]) or ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
  return 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
return 0
