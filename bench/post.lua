-- wrk script for oct. Env:
--   URL_PATH      path to POST to (default /v1/traces)
--   CONTENT_TYPE  (default application/x-protobuf)
--   BODY_FILE     a static body, sent as is on every request (native events: oct needs no unique ids), or
--   MANIFEST      bodies to post round-robin, each with the offsets of its trace ids (see payloads.js);
--                 every request gets STAMP_BASE + n written into the first 4 bytes ("bin") or
--                 8 hex digits ("hex") of all its trace ids, so no span is ever sent twice
--                 (counters are per thread: run stamped scripts with -t1).
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

local function load_manifest(file)
  local f = assert(io.open(file, "r"))
  while true do
    local line = f:read("*l")
    if not line or line == "" then break end
    local name, kind = line:match("^(%S+) (%S+)")
    stamp_len = (kind == "hex") and 8 or 4
    local body = slurp(name)
    local parts, prev = { false }, 1 -- parts[1]: the HTTP head, built in init() once wrk.host is known
    for off in f:read("*l"):gmatch("%d+") do
      local o = tonumber(off) + 1 -- Lua strings are 1-based
      parts[#parts + 1] = body:sub(prev, o - 1)
      parts[#parts + 1] = false -- the stamp goes here (odd indices from 3)
      prev = o + stamp_len
    end
    parts[#parts + 1] = body:sub(prev)
    bodies[#bodies + 1] = { parts = parts, length = #body }
  end
  f:close()
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
    local parts = bodies[next_body].parts
    next_body = next_body % #bodies + 1
    for i = 3, #parts, 2 do parts[i] = s end
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
