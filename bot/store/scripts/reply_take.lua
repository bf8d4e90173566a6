-- Hands out the next replies: from each channel whose interval has passed, the oldest queued reply
-- (several when the interval is 0), each leased; leases that expired (a replica died mid-post) go
-- back to the head of their channel's queue first. Replies already posted are dropped from the queue;
-- one that a consumer is posting right now (its record holds a reply lease) is looked at again when
-- that lease runs out. A reply taken is marked in its record so that no consumer posts it meanwhile.
-- KEYS: channels zset, taken zset, queued set
-- ARGV: now ms, interval ms, lease ms, max channels, max per channel, queue key prefix, record key prefix
-- Returns a flat list: when the next reply is due (ms, -1 when none: the earliest of a channel's next
-- turn and a taken reply's lease end), then channel, request id, record JSON and lease expiry (ms,
-- which identifies this take) for each reply taken.
--@include record
local now = tonumber(ARGV[1])
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
  local channel, id = string.match(member, '^(%S+) (%S+)$')
  redis.call('ZREM', KEYS[2], member)
  redis.call('LPUSH', ARGV[6] .. channel, id)
  redis.call('ZADD', KEYS[1], 'NX', now, channel)
end
local out = {-1}
local per_channel = tonumber(ARGV[5])
for _, channel in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))) do
  local queue = ARGV[6] .. channel
  local took = 0
  while took < per_channel do
    local id = redis.call('LPOP', queue)
    if not id then break end
    local key = ARGV[7] .. id
    local raw = redis.call('GET', key)
    if raw and not string.find(raw, '"reply_posted":true', 1, true) then
      local record = decode_record(raw)
      local holder, held_until = lease_of(record.reply_lease)
      if holder ~= 'queue' and held_until > now then
        redis.call('ZADD', KEYS[2], held_until, channel .. ' ' .. id)
      else
        local expiry = now + tonumber(ARGV[3])
        record.reply_lease = expiry .. '/queue'
        raw = encode_record(record)
        redis.call('SET', key, raw, 'KEEPTTL')
        redis.call('ZADD', KEYS[2], expiry, channel .. ' ' .. id)
        out[#out + 1] = channel
        out[#out + 1] = id
        out[#out + 1] = raw
        out[#out + 1] = expiry
        took = took + 1
      end
    else
      redis.call('SREM', KEYS[3], id)
    end
  end
  -- the channel stays scheduled after a post, so the next reply there waits for the interval
  if took > 0 then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), channel)
  else
    redis.call('ZREM', KEYS[1], channel)
  end
end
for _, schedule in ipairs({KEYS[1], KEYS[2]}) do
  local head = redis.call('ZRANGE', schedule, 0, 0, 'WITHSCORES')
  if head[2] and (out[1] < 0 or tonumber(head[2]) < out[1]) then out[1] = tonumber(head[2]) end
end
return out
