-- `trim(stream, cursor key, retention)`: trims the global audit stream to `retention` entries, but never
-- past the export cursor once there is one.
--@include stream_ids
local function trim(stream, cursor_key, retention)
  local over = redis.call('XLEN', stream) - retention
  if over <= 0 then return end
  local cursor = redis.call('GET', cursor_key)
  if not cursor then
    redis.call('XTRIM', stream, 'MAXLEN', retention)  -- nothing was ever exported: plain retention
    return
  end
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1]
  if newer(oldest, cursor) then return end  -- every entry over retention is still to export
  local doomed = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
  if not newer(doomed[#doomed][1], cursor) then
    redis.call('XTRIM', stream, 'MAXLEN', retention)
  else
    local first_unexported = redis.call('XRANGE', stream, '(' .. cursor, '+', 'COUNT', 1)[1][1]
    redis.call('XTRIM', stream, 'MINID', first_unexported)
  end
end
