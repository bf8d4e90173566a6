-- Ends the render of a batch message: off the dirty set when nothing changed since it began, else
-- queued again (its take waits out the message gap); an edit made is remembered for that gap.
-- KEYS: the dirty set, the generation hash, the hash of when each message was last edited (ms)
-- ARGV: batch id, the generation it showed, when to try again (ms), '1' to keep it, the edit's time
--       (ms, '' when nothing was edited)
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5]) end
local generation = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if generation > tonumber(ARGV[2]) or ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
  return 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
return 0
