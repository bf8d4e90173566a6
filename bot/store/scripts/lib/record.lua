-- Reading and rewriting a request record's JSON inside Redis, and reading its leases.
-- Redis 6.2's cjson turns [] into {} and has no array metatable: empty arrays are swapped for a
-- sentinel before decoding and restored after encoding (the scan skips JSON strings).
-- A lease field holds "<expiry ms>/<holder token>"; anything else means nobody holds it.
local SENTINEL = '["__rb_empty_array__"]'
local function protect(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local j = string.find(s, '[%["]', i)
    if not j then out[#out + 1] = string.sub(s, i); break end
    if string.sub(s, j, j) == '"' then
      local k = j + 1
      while true do
        local q = string.find(s, '["\\]', k)
        if not q then k = n; break end
        if string.sub(s, q, q) == '\\' then k = q + 2 else k = q; break end
      end
      out[#out + 1] = string.sub(s, i, k); i = k + 1
    else
      local e = string.match(s, '^%[%s*%]()', j)
      if e then out[#out + 1] = string.sub(s, i, j - 1) .. SENTINEL; i = e
      else out[#out + 1] = string.sub(s, i, j); i = j + 1 end
    end
  end
  return table.concat(out)
end
local function decode_record(raw)
  if string.find(raw, '%[%s*%]') then raw = protect(raw) end  -- the scan costs: only when needed
  return cjson.decode(raw)
end
local function encode_record(record)
  return (string.gsub(cjson.encode(record), '%["__rb_empty_array__"%]', '[]'))
end
local function lease_of(value)
  if type(value) ~= 'string' then return '', 0 end
  local expiry, holder = string.match(value, '^(%d+)/(.*)$')
  if not expiry then return '', 0 end
  return holder, tonumber(expiry)
end
