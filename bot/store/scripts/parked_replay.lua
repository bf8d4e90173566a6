-- Moves every parked element of a remoteActionId into the inbox, atomically.
-- KEYS: parked list, parked index, inbox; ARGV: remoteActionId, received ms
--@constants ELEMENT_FIELD RECEIVED_FIELD
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for _, item in ipairs(items) do
  redis.call('XADD', KEYS[3], '*', ELEMENT_FIELD, item, RECEIVED_FIELD, ARGV[2])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return #items
