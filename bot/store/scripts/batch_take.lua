-- Takes the next member of a batch to send; when none is left, the batch leaves the sending set in the
-- same step (a member queued again meanwhile keeps it there).
-- KEYS: the to-send set, the sending batches. ARGV: batch id. Returns the member index, or false.
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
return popped[1]
