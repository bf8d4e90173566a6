-- Takes the message's render lease (kept in the record) and reads what the render needs. The request
-- stays queued, held out of reach until the lease ends: if this renderer dies mid-render, another
-- renders it then.
-- KEYS: final queue, update queue, Slack pause, record
-- ARGV: token, lease ms, request id, hold score (now + lease, ms), now ms
-- Returns 0 when another renderer holds the lease, else {pause ms, record JSON or ''}.
--@include record
local now = tonumber(ARGV[5])
local raw = redis.call('GET', KEYS[4])
if raw then
  local record = decode_record(raw)
  local _, expiry = lease_of(record.render_lease)
  if expiry > now then return 0 end
  record.render_lease = (now + tonumber(ARGV[2])) .. '/' .. ARGV[1]
  raw = encode_record(record)
  redis.call('SET', KEYS[4], raw, 'KEEPTTL')
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[2], 'XX', ARGV[4], ARGV[3])
return {redis.call('PTTL', KEYS[3]), raw or ''}
