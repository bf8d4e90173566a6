-- Stores a new request unless another one holds its vehicle's in-flight slot; returns that holder.
-- KEYS: inflight, request, vehicle_requests, sending
-- ARGV: id, json, created_at, inflight_ttl_ms, '1' when sending, request key prefix,
--       history length kept per vehicle
-- SLOT_FREED: the statuses whose request no longer holds its slot (status -> true).
--@constants SLOT_FREED
-- A request stored already (a batch member made again after a crash) is never overwritten: it is its own
-- holder.
if redis.call('EXISTS', KEYS[2]) == 1 then return ARGV[1] end
local holder = redis.call('GET', KEYS[1])
if holder then
  local raw = redis.call('GET', ARGV[6] .. holder)
  if raw then
    local status = cjson.decode(raw)['status']
    if not SLOT_FREED[status] then
      return holder
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[7]))
if ARGV[5] == '1' then redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1]) end
return false
