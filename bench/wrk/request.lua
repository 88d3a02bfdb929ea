-- One DynamoDB request, repeated: TARGET and BODY come from the environment (bench/bench.py sets them).
-- With KEYS=n, every "{key}" in BODY becomes a random number below n, chosen per request. Every "{n}" becomes a
-- number that differs from one request to the next (so that a PutItem really changes the item it overwrites:
-- an identical overwrite writes nothing).
-- Reports p50/p99 latency and the request count in a line bench/bench.py parses.
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. os.getenv("TARGET")
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
wrk.body = os.getenv("BODY")

-- The requests are formatted once, up front (cycling through them keeps wrk's own cost per request low).
local keys = tonumber(os.getenv("KEYS") or "0")
if wrk.body:find("{n}", 1, true) then
  local body = wrk.body
  local n = 0
  math.randomseed(os.time())
  function request()
    n = n + 1
    local text = body:gsub("{n}", tostring(n))
    if keys > 0 then text = text:gsub("{key}", tostring(math.random(0, keys - 1))) end
    return wrk.format(nil, nil, nil, text)
  end
elseif keys > 0 then
  local body = wrk.body
  local requests = {}
  local n = 0
  -- Formatted in init(), which runs after wrk has added the Host header (DynamoDB Local refuses a request
  -- without one: "400 No Host").
  function init(args)
    math.randomseed(os.time())
    for i = 1, 4096 do
      requests[i] = wrk.format(nil, nil, nil, (body:gsub("{key}", tostring(math.random(0, keys - 1)))))
    end
  end
  function request()
    n = n % #requests + 1
    return requests[n]
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status))
end
