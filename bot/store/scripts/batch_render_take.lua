-- Takes the batch messages due for rendering: each gets a lease (its score moved past the lease) and
-- comes back with the generation its render will show. One edited less than a message gap ago is not
-- taken: it is queued again for when the gap ends (one edit per message per gap, however many members
-- change).
-- KEYS: the dirty set, the generation hash, the hash of when each message was last edited (ms)
-- ARGV: now ms, lease ms, how many at most, the message gap ms
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local taken = {}
for _, id in ipairs(due) do
  local gate = (tonumber(redis.call('HGET', KEYS[3], id)) or 0) + tonumber(ARGV[4])
  if gate > now then
    redis.call('ZADD', KEYS[1], gate, id)
  else
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
    taken[#taken + 1] = id
    taken[#taken + 1] = redis.call('HGET', KEYS[2], id) or '0'
  end
end
return taken
