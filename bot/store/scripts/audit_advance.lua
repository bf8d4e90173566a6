-- Moves the audit export cursor, only forward.
-- KEYS: export cursor. ARGV: the last exported id. Returns the cursor.
--@include stream_ids
local cursor = redis.call('GET', KEYS[1])
if not cursor or newer(ARGV[1], cursor) then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end
return cursor
