-- A reply was posted (or can never be): mark the record, and forget the reply unless this take's lease
-- ran out and another take holds it now (that one finishes it).
-- KEYS: taken zset, queued set, record; ARGV: taken member, request id, '1' to mark it posted, lease expiry
--@include record
local raw = redis.call('GET', KEYS[3])
if raw then
  local record = decode_record(raw)
  local holder, expiry = lease_of(record.reply_lease)
  local ours = holder == 'queue' and expiry == tonumber(ARGV[4])
  if ours then record.reply_lease = '' end
  if ARGV[3] == '1' then record.reply_posted = true end
  if ours or ARGV[3] == '1' then redis.call('SET', KEYS[3], encode_record(record), 'KEEPTTL') end
end
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held and tonumber(held) == tonumber(ARGV[4]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
