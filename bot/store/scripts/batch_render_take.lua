-- Takes the batch messages due for rendering: each gets a lease (its score moved past the lease) and
-- comes back with the generation its render will show.
-- KEYS: the dirty set, the generation hash
-- ARGV: now ms, lease ms, how many at most
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local taken = {}
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
  taken[#taken + 1] = id
  taken[#taken + 1] = redis.call('HGET', KEYS[2], id) or '0'
end
return taken
