-- The vendor send schedule shared by every replica: one hash holding the last slot given, the pause
-- (nobody sends before it) and the vendor's slowdown (sends at least `slow` apart until `slow_until`).
-- All times are epoch ms, all intervals ms. KEYS: the schedule hash. ARGV[1] names the operation:
--   take, now, interval, keep, catch_up:
--                                claim the next slot: the later of now, the pause, the last slot plus the
--                                interval and, during a slowdown, the last slot plus its gap (or its end,
--                                when sooner); a slot missed by at most catch_up ms is still given (the
--                                schedule catches up after a short stall); returns the ms to wait before
--                                the slot (0: send now)
--   pause, now, until, keep:     no slot before `until`; a pause is only ever lengthened; returns the pause
--   slow, now, gap, until, keep: the slowdown of the vendor's latest answer replaces the one kept (gap 0
--                                ends it); returns the slowdown's end
-- `keep` is how long the hash outlives the latest time it holds.
local op = ARGV[1]
local now = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'last', 'pause', 'slow', 'slow_until')
local last = tonumber(state[1])
local pause = tonumber(state[2]) or 0
local slow = tonumber(state[3]) or 0
local slow_until = tonumber(state[4]) or 0
local keep

local function expire()
  local latest = math.max(now, last or 0, pause, slow_until)
  redis.call('PEXPIRE', KEYS[1], latest - now + keep)
end

if op == 'take' then
  local gap = tonumber(ARGV[3])
  keep = tonumber(ARGV[4])
  local catch_up = tonumber(ARGV[5]) or 0
  local slot = math.max(now, pause)
  if last then
    local due = last + gap
    if now - due <= catch_up then
      slot = math.max(due, pause)  -- a sender late by at most catch_up keeps its place in the schedule
    else
      slot = math.max(slot, due)
    end
    if slow > gap then slot = math.max(slot, math.min(last + slow, slow_until)) end
  end
  last = slot
  redis.call('HSET', KEYS[1], 'last', tostring(slot))
  expire()
  return math.max(slot - now, 0)
elseif op == 'pause' then
  pause = math.max(pause, tonumber(ARGV[3]))
  keep = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'pause', tostring(pause))
  expire()
  return pause
elseif op == 'slow' then
  slow = tonumber(ARGV[3])
  slow_until = slow > 0 and tonumber(ARGV[4]) or 0
  keep = tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'slow', tostring(slow), 'slow_until', tostring(slow_until))
  expire()
  return slow_until
end
return redis.error_reply('send_pace: unknown operation ' .. tostring(op))
