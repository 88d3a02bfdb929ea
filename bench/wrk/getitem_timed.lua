-- GetItem on the keys PREFIX .. 0 … PREFIX .. (KEYS - 1) of TABLE, in turn, and every request's send time and
-- latency written to LOG (one "send_us latency_us" line per response, CLOCK_MONOTONIC microseconds, the clock of
-- Python's time.monotonic()), so that bench/streams.py can cut the run into windows (before / during a TTL sweep).
-- A response is matched to its request by the key it echoes (the keys in flight are distinct: 32 connections
-- cycling through thousands of keys). Responses without a key (an error, a missing item) are logged as
-- "miss send_us status". The log is written in chunks: the last < 2,048 responses of a run are not logged.
-- With LOG=/dev/null it is a plain GetItem load (bench/streams.py also uses it so: every request is formatted
-- after wrk has set the Host header, which DynamoDB Local requires). Also prints the RESULT line of request.lua
-- (wrk's own percentiles over the whole run).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } ddb_bench_timespec;
int clock_gettime(int clock, ddb_bench_timespec *tp);
]]
local ts = ffi.new("ddb_bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"

local tbl = os.getenv("TABLE") or "ttl"
local prefix = os.getenv("PREFIX") or "live#"
local keys = tonumber(os.getenv("KEYS") or "10000")
local pattern = '"' .. prefix:gsub("%p", "%%%0") .. '(%d+)"'
local head = '{"TableName":"' .. tbl .. '","Key":{"pk":{"S":"' .. prefix
local sent = {}
local n = -1
local log, buffer = nil, {}

function init(args)
  log = io.open(os.getenv("LOG"), "w")
end

function request()
  n = (n + 1) % keys
  sent[n] = now_us()
  return wrk.format(nil, nil, nil, head .. n .. '"}}}')
end

function response(status, headers, body)
  local t = now_us()
  local k = body:match(pattern)
  if k and status == 200 then
    local s = sent[tonumber(k)]
    buffer[#buffer + 1] = s .. " " .. (t - s) .. "\n"
  else
    buffer[#buffer + 1] = "miss " .. t .. " " .. status .. "\n"
  end
  if #buffer >= 2048 then
    log:write(table.concat(buffer))
    log:flush()
    buffer = {}
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status))
end
