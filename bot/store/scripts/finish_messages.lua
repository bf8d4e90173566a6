-- Ends the renders and replies of a batch of requests in one step. For each request: if its render
-- lease is still this holder's, records the version shown and gives the lease back; a render deferred,
-- or one whose lease ran out meanwhile (another renderer may have shown a newer version), is queued.
-- A request taken from a render queue leaves it unless a transition queued it again meanwhile (its
-- score is then no longer the hold score). A reply posted marks the record; one that failed for now
-- goes back to its channel's queue, not before its retry time.
-- KEYS: final queue, update queue, reply channels zset, replies queued set
-- ARGV: 1 now ms, 2 request key prefix, 3 reply queue key prefix, 4 holder token, then 6 per request:
--   id, shown version ('' none), render retry at ms ('' none, 'x' not rendered), hold score ('' none),
--   final '1'/'0', reply ('' none, 'posted', 'dropped', or the retry-at ms)
--@include record
local now = tonumber(ARGV[1])
local token = ARGV[4]
for i = 5, #ARGV, 6 do
  local id, shown, retry, hold = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local queue = ARGV[i + 4] == '1' and KEYS[1] or KEYS[2]
  local reply = ARGV[i + 5]
  local key = ARGV[2] .. id
  local raw = redis.call('GET', key)
  local record = raw and decode_record(raw)
  local dirty = false
  local ours = false
  if record then
    local holder = lease_of(record.render_lease)
    ours = holder == token
    if ours then
      if shown ~= '' then
        record.shown_version = tonumber(shown)
        record.shown_at = now
      end
      record.render_lease = ''
      dirty = true
    end
  end
  if hold ~= '' then
    for _, taken in ipairs({KEYS[1], KEYS[2]}) do
      if tonumber(redis.call('ZSCORE', taken, id)) == tonumber(hold) then redis.call('ZREM', taken, id) end
    end
  end
  if retry ~= 'x' then
    if retry ~= '' then
      redis.call('ZADD', queue, retry, id)
    elseif not ours then
      redis.call('ZADD', queue, now, id)
    end
  end
  if record and reply ~= '' then
    local holder = lease_of(record.reply_lease)
    if reply == 'posted' then record.reply_posted = true; dirty = true end
    if holder == token then record.reply_lease = ''; dirty = true end
    local channel = record.message_channel
    if reply ~= 'posted' and reply ~= 'dropped' and type(channel) == 'string'
        and redis.call('SADD', KEYS[4], id) == 1 then
      redis.call('LPUSH', ARGV[3] .. channel, id)
      redis.call('ZADD', KEYS[3], 'GT', reply, channel)
    end
  end
  if dirty then redis.call('SET', key, encode_record(record), 'KEEPTTL') end
end
return 1
