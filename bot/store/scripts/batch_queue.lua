-- Puts members of a batch on its to-send set (idempotent) and the batch among those sending, unless the
-- batch was stopped: then nothing is queued (its members not sent yet are cancelled by the caller).
-- KEYS: the to-send set, the sending batches, the batch's stop mark
-- ARGV: batch id, now (s), the set's TTL (ms), then the member indexes
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
for i = 4, #ARGV do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[i]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], 'NX', tonumber(ARGV[2]), ARGV[1])
return 1
