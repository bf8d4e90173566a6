-- The atomic, monotonic state transition of one request: the record's state change, and what the
-- caller does next about its message.
--@include record
-- KEYS: remote mapping
-- ARGV: 1 target status, 2 order, 3 final '1'/'0', 4 step, 5 detail, 6 vendor status ('' keeps),
--       7 failure cause, 8 feedback detail, 9 at (s), 10 request id ('' to find it through the
--       remote mapping), 11 now ms, 12 claim token ('' queues the render and the reply instead)
-- The constants (upper case: key names, the state machine's tables, durations, the audit layout) are
-- written into the script's text by Transitions, so that each call sends only what is its own.
-- A redelivered event is recognised by the order check alone: its rank is not above the stored one,
-- and a Pending step of the same rank is the same report when the stored vendor status is its own.
-- Returns {changed, version, status, outcome, request id, record JSON, render, reply}.
-- An applied transition, on a final state, clears the deadline and the in-flight slot and appends the
-- outcome to the audit streams in the same atomic step (the caller trims the global one afterwards).
-- Without a claim token it queues the message's render and, on a final state, the thread reply.
-- With one, the caller renders and replies itself: the script gives it the render lease when the
-- message is behind and its gate is open, and the reply lease when the channel's interval allows
-- (render = 1, reply = 1); what it cannot give now is queued. A redelivered event is given what its
-- first delivery may have left undone, so the unacknowledged inbox entry is what keeps a render and
-- a reply durable.
--@constants RANKS STEPS FINALS PENDING_STATUS SENDING_STATUS MAPPING_TTL_MS REQUEST_PREFIX INFLIGHT_PREFIX
--@constants SENDING DEADLINES UPDATE_QUEUE FINAL_QUEUE REPLY_CHANNELS REPLIES_QUEUED REPLY_QUEUE_PREFIX
--@constants RENDER_LEASE_MS MESSAGE_GAP_MS REPLY_LEASE_MS REPLY_INTERVAL_MS
--@constants AUDIT_STREAM AUDIT_FIELDS VEHICLE_AUDIT_PREFIX VEHICLE_AUDIT_LENGTH
--@constants BATCHES_DIRTY BATCHES_GENERATION
-- A batch member has no message of its own: a change queues its batch's message instead (one entry
-- per batch however many members change; the generation tells the renderer what it has not shown).
local id = ARGV[10]
if id == '' then
  id = redis.call('GET', KEYS[1])
  if not id then return {0, 0, '', 'unmapped', '', '', 0, 0} end
end
local key = REQUEST_PREFIX .. id
local raw = redis.call('GET', key)
if not raw then return {0, 0, '', 'missing', id, '', 0, 0} end
-- decode before any write: a script error must leave nothing behind (scripts do not roll back)
local record = decode_record(raw)
local token = ARGV[12]
local now = tonumber(ARGV[11])
local stored = (RANKS[record.status] or 0) * 10
if record.status == PENDING_STATUS and type(record.vendor_status) == 'string' then
  stored = stored + (STEPS[record.vendor_status] or 0)
end
local order = tonumber(ARGV[2])
local changed = not (order < stored or (order == stored and (ARGV[3] == '1' or stored % 10 == 0
  or record.vendor_status == ARGV[6])))
if not changed and token == '' then return {0, record.version, record.status, 'stale', id, raw, 0, 0} end
local final = FINALS[record.status] == true
if changed then
  local before = record.status
  final = ARGV[3] == '1'
  record.status = ARGV[1]
  if ARGV[6] ~= '' then
    record.vendor_status = ARGV[6]
    record.failure_cause = ARGV[7] ~= '' and ARGV[7] or cjson.null
    record.feedback_detail = ARGV[8] ~= '' and ARGV[8] or cjson.null
  end
  local timeline = record.timeline
  if type(timeline) ~= 'table' or timeline[1] == '__rb_empty_array__' then timeline = {} end
  local detail = cjson.null
  if ARGV[5] ~= '' then detail = ARGV[5] end
  timeline[#timeline + 1] = {at = tonumber(ARGV[9]), step = ARGV[4], detail = detail}
  record.timeline = timeline
  record.version = (tonumber(record.version) or 0) + 1
  if before == SENDING_STATUS then redis.call('ZREM', SENDING, id) end
  if final then
    local slot = record.inflight_slot
    if slot == nil or slot == '' then slot = record.action end
    local inflight = INFLIGHT_PREFIX .. record.vin .. ':' .. slot
    if redis.call('GET', inflight) == id then redis.call('DEL', inflight) end
    redis.call('ZREM', DEADLINES, id)
    if AUDIT_STREAM ~= '' then
      local detail = record.status
      if type(record.failure_cause) == 'string' and record.failure_cause ~= '' then
        detail = detail .. ' ' .. record.failure_cause
      end
      local entry = {at = ARGV[9], event = 'outcome', user = record.requester, action = record.action,
        vin = record.vin, request_id = id, detail = detail}
      local fields = {}
      for _, name in ipairs(AUDIT_FIELDS) do
        fields[#fields + 1] = name
        fields[#fields + 1] = entry[name]
      end
      redis.call('XADD', AUDIT_STREAM, '*', unpack(fields))
      local vehicle_stream = VEHICLE_AUDIT_PREFIX .. record.vin
      redis.call('XADD', vehicle_stream, 'MAXLEN', VEHICLE_AUDIT_LENGTH, '*', unpack(fields))
    end
  end
end
local dirty = changed
local render, reply = 0, 0
local queue = final and FINAL_QUEUE or UPDATE_QUEUE
local channel = record.message_channel
local has_message = type(channel) == 'string' and type(record.message_ts) == 'string'
local function queue_reply()
  if redis.call('SADD', REPLIES_QUEUED, id) == 1 then
    redis.call('RPUSH', REPLY_QUEUE_PREFIX .. channel, id)
    redis.call('ZADD', REPLY_CHANNELS, 'NX', now, channel)
  end
end
if type(record.batch_id) == 'string' then
  if changed then
    redis.call('HINCRBY', BATCHES_GENERATION, record.batch_id, 1)
    redis.call('ZADD', BATCHES_DIRTY, 'NX', now, record.batch_id)
  end
elseif token == '' then
  redis.call('ZADD', queue, now, id)
  if final and has_message and record.reply_posted ~= true then queue_reply() end
else
  if has_message and (tonumber(record.shown_version) or -1) < record.version then
    local holder, expiry = lease_of(record.render_lease)
    local gate = (tonumber(record.shown_at) or 0) + MESSAGE_GAP_MS
    if holder == token and expiry > now then
      render = 1
    elseif expiry > now then
      redis.call('ZADD', queue, now, id)  -- the holder's render may miss this version: queued after it
    elseif gate > now then
      redis.call('ZADD', queue, gate, id)
    else
      record.render_lease = (now + RENDER_LEASE_MS) .. '/' .. token
      dirty = true
      render = 1
    end
  end
  if final and has_message and record.reply_posted ~= true then
    local holder, expiry = lease_of(record.reply_lease)
    if holder == token and expiry > now then
      reply = 1
    elseif expiry > now then
      queue_reply()  -- the holder may die: the queue posts it once its lease has run out
    else
      local due = REPLY_INTERVAL_MS > 0 and redis.call('ZSCORE', REPLY_CHANNELS, channel)
      if due and tonumber(due) > now then
        queue_reply()
      else
        if REPLY_INTERVAL_MS > 0 then redis.call('ZADD', REPLY_CHANNELS, now + REPLY_INTERVAL_MS, channel) end
        record.reply_lease = (now + REPLY_LEASE_MS) .. '/' .. token
        dirty = true
        reply = 1
      end
    end
  end
end
if dirty then
  raw = encode_record(record)
  if changed then
    redis.call('SET', key, raw, 'PX', MAPPING_TTL_MS)
  else
    redis.call('SET', key, raw, 'KEEPTTL')
  end
end
return {changed and 1 or 0, record.version, record.status, changed and 'applied' or 'stale', id, raw,
  render, reply}
