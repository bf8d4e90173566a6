-- Appends one audit entry to the global stream and, when given, the vehicle's; then applies retention.
-- KEYS: global stream, vehicle stream (or ""), export cursor.
-- ARGV: retention, vehicle retention, then field, value pairs.
--@include retention
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
if KEYS[2] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], '*', unpack(fields))
end
trim(KEYS[1], KEYS[3], tonumber(ARGV[1]))
return id
