-- One DynamoDB request, repeated: TARGET and BODY come from the environment (bench/run.sh sets them).
-- Reports p50/p99 latency and the request count in a line bench/run.sh parses.
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. os.getenv("TARGET")
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
wrk.body = os.getenv("BODY")

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status))
end
