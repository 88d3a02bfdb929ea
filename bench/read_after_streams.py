#!/usr/bin/env python3
# Point reads of a small table before and after 400,000 stream records accumulate in the store (other table):
# they must stay flat (index and filter blocks of big files kept out of the block cache; see storage/store.cpp).
# Usage: bench/read_after_streams.py BINARY
import http.client, json, subprocess, sys, time
port = 8131
p = subprocess.Popen([sys.argv[1], "--in-memory", "--port", str(port), "--log-level", "warn"])
time.sleep(0.3)
c = http.client.HTTPConnection("127.0.0.1", port)
H = {"Content-Type": "application/x-amz-json-1.0", "Authorization": "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"}
def call(op, body, svc="DynamoDB_20120810"):
    h = dict(H); h["X-Amz-Target"] = f"{svc}.{op}"
    c.request("POST", "/", json.dumps(body), h); r = c.getresponse(); d = r.read()
    if r.status != 200: print(op, d[:200]); 
    return d
for t, spec in (("plain", None), ("streamed", {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})):
    b = {"TableName": t, "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    if spec: b["StreamSpecification"] = spec
    call("CreateTable", b)
for i in range(100): call("PutItem", {"TableName": "plain", "Item": {"pk": {"S": f"k{i}"}, "v": {"S": "x"*50}}})
def gets():
    t = time.perf_counter()
    for i in range(2000): call("GetItem", {"TableName": "plain", "Key": {"pk": {"S": f"k{i%100}"}}})
    return (time.perf_counter() - t) / 2000 * 1e6
print("get before", round(gets()), "us")
t = time.perf_counter()
for r in range(16000):
    call("BatchWriteItem", {"RequestItems": {"streamed": [{"PutRequest": {"Item": {"pk": {"S": f"s{r%4000}-{j}"}, "v": {"S": f"{r}" + "y"*50}}}} for j in range(25)]}})
print("wrote 400k records in", round(time.perf_counter() - t), "s")
print("get after", round(gets()), "us")
time.sleep(3)
print("get after idle", round(gets()), "us")
p.terminate(); p.wait()
