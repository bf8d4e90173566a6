-- One callback body in one script: every element of the batch is stored, or none is. A script does not
-- roll back, so whatever could fail is checked before the first XADD: both keys must be streams (or
-- absent). The elements themselves were checked by the caller; an XADD of text cannot fail otherwise
-- (Redis lets a script that has begun writing finish past maxmemory). Unlike MULTI/EXEC, a script lets
-- a WAIT share the round trip and the connection that wrote.
-- KEYS: inbox, quarantine. ARGV: how many elements go to the inbox, quarantine MAXLEN, received ms,
-- then the elements (the inbox's first, then the quarantine's).
--@constants ELEMENT_FIELD RECEIVED_FIELD
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= 'stream' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' is not a stream')
  end
end
local to_inbox, maxlen, received = tonumber(ARGV[1]), ARGV[2], ARGV[3]
for i = 4, #ARGV do
  if i - 3 <= to_inbox then
    redis.call('XADD', KEYS[1], '*', ELEMENT_FIELD, ARGV[i], RECEIVED_FIELD, received)
  else
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*',
      ELEMENT_FIELD, ARGV[i], RECEIVED_FIELD, received)
  end
end
return #ARGV - 3
