-- wrk script for oct. Env:
--   URL_PATH      path to POST to (default /v1/traces)
--   CONTENT_TYPE  (default application/x-protobuf)
--   BODY_FILE     a static body, sent as is on every request (native events: oct needs no unique ids), or
--   MANIFEST      bodies to post round-robin, each with the offsets of its trace ids and of the upper
--                 halves of its span times (see payloads.js); every request gets STAMP_BASE + n
--                 written into the first 4 bytes ("bin") or 8 hex digits ("hex") of all its trace
--                 ids, so no span is ever sent twice (counters are per thread: run stamped scripts
--                 with -t1), and the current time's upper 32 bits into its span times.
-- Prints one line "WRKJSON {...}" with status counts and latency percentiles (µs).
local path = os.getenv("URL_PATH") or "/v1/traces"
local headers = { ["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/x-protobuf" }

local function slurp(file)
  local f = assert(io.open(file, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

if os.getenv("BODY_FILE") then
  wrk.method = "POST"
  wrk.path = path
  wrk.headers["Content-Type"] = headers["Content-Type"]
  wrk.body = slurp(os.getenv("BODY_FILE"))
end

-- Per thread: each request is {HTTP head, piece, stamp, piece, stamp, …, piece}, joined by one
-- table.concat, so the 1.8 MB body is copied once per request (wrk.format would copy it twice).
local bodies = {}
local stamp_len = 4
local counter = tonumber(os.getenv("STAMP_BASE") or "0")
local next_body = 1

local function offsets(line, kind, into, body)
  for off in (line or ""):gmatch("%d+") do
    local o = tonumber(off) + 1 -- Lua strings are 1-based
    local st = { o = o, kind = kind }
    if kind == "time" then
      local b1, b2, b3, b4 = body:byte(o, o + 3)
      st.upper = b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
    end
    into[#into + 1] = st
  end
end

local function load_manifest(file)
  local f = assert(io.open(file, "r"))
  while true do
    local line = f:read("*l")
    if not line or line == "" then break end
    local name, kind = line:match("^(%S+) (%S+)")
    stamp_len = (kind == "hex") and 8 or 4
    local body = slurp(name)
    local stamps = {}
    offsets(f:read("*l"), "id", stamps, body)
    offsets(f:read("*l"), "time", stamps, body)
    -- Times move by a whole number of 2^32 ns: from the first one's upper half to the clock's.
    local base_upper = nil
    for _, st in ipairs(stamps) do if st.kind == "time" then base_upper = st.upper break end end
    table.sort(stamps, function(a, b) return a.o < b.o end)
    local parts, uppers, prev = { false }, {}, 1 -- parts[1]: the HTTP head, built in init() once wrk.host is known
    for _, st in ipairs(stamps) do
      parts[#parts + 1] = body:sub(prev, st.o - 1)
      parts[#parts + 1] = false -- the stamp goes here (odd indices from 3)
      uppers[#parts] = st.upper -- nil for an id
      prev = st.o + ((st.kind == "id") and stamp_len or 4)
    end
    parts[#parts + 1] = body:sub(prev)
    bodies[#bodies + 1] = { parts = parts, uppers = uppers, base_upper = base_upper, length = #body }
  end
  f:close()
end

local function le32(u)
  return string.char(u % 256, math.floor(u / 256) % 256, math.floor(u / 65536) % 256, math.floor(u / 16777216) % 256)
end

if os.getenv("MANIFEST") then
  load_manifest(os.getenv("MANIFEST"))

  function init(args)
    for _, b in ipairs(bodies) do
      b.parts[1] = string.format("POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
        path, wrk.host, wrk.port, headers["Content-Type"], b.length)
    end
  end

  function request()
    counter = counter + 1
    local c = counter
    local s
    if stamp_len == 4 then
      s = string.char(math.floor(c / 16777216) % 256, math.floor(c / 65536) % 256, math.floor(c / 256) % 256, c % 256)
    else
      s = string.format("%08x", c % 4294967296)
    end
    local body = bodies[next_body]
    next_body = next_body % #bodies + 1
    -- os.time() * 1e9 is exact in a double (52 significant bits), and so is its upper half.
    local shift = body.base_upper and (math.floor(os.time() * 1e9 / 4294967296) - body.base_upper) or 0
    local parts, uppers = body.parts, body.uppers
    for i = 3, #parts, 2 do
      local u = uppers[i]
      parts[i] = u and le32(u + shift) or s
    end
    return table.concat(parts)
  end
end

-- Status counters live in each thread's Lua state; done() collects them with thread:get().
ok, refused, other = 0, 0, 0
function response(status, hdrs, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 503 then refused = refused + 1
  else other = other + 1 end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local o, r, x = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); r = r + t:get("refused"); x = x + t:get("other")
  end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"ok":%d,"refused":%d,"other":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, o, r, x, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
