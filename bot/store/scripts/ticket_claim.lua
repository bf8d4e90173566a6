-- Claims a ticket atomically: only the first click on any replica gets it; it leaves a tombstone naming
-- who took it and how, so a second click (or a concurrent one) can be told, for as long as the ticket
-- would have lived. KEYS: the ticket. ARGV[1] is the clicker, ARGV[2] '1' when the clicker must be the
-- owner, '0' when the clicker must NOT be the owner (approvals); ARGV[3] the tombstone JSON.
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing', ''} end
local ticket = cjson.decode(raw)
if ticket['taken_by'] then return {'taken', raw} end
if ARGV[2] == '1' and ticket['owner'] ~= ARGV[1] then return {'not_owner', raw} end
if ARGV[2] == '0' and ticket['owner'] == ARGV[1] then return {'is_owner', raw} end
redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
return {'claimed', raw}
