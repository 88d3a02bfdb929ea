#!/usr/bin/env python3
"""Instructions per request (valgrind's callgrind) of one ddblocal binary, for the bench's operations.

Unlike wall-clock CPU time, instruction counts repeat from run to run on a noisy machine: use them to compare
two builds (e.g. this tree and the landed main) in one sitting. The counts include the kernel-facing user code
(Beast, simdjson, RocksDB), not the kernel. Usage: bench/instructions.py BINARY [PORT] [TAG] [REQUESTS]
Needs valgrind (Debian). Prints {"PutItem": n, ...} per request.
"""
import http.client, json, subprocess, sys, time, glob, os, re
binary = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8309
tag = sys.argv[3] if len(sys.argv) > 3 else "run"
N = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
out = f"/tmp/cg/{tag}"
os.makedirs("/tmp/cg", exist_ok=True)
for f in glob.glob(out + "*"): os.remove(f)
p = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p",
                      binary, "--in-memory", "--port", str(port), "--threads", "1", "--log-level", "warn"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60); c.request("GET", "/"); c.getresponse().read(); break
    except Exception: time.sleep(0.1)
def call(op, body):
    c.request("POST", "/", body=json.dumps(body), headers={"X-Amz-Target": "DynamoDB_20120810." + op,
              "Content-Type": "application/x-amz-json-1.0", "Authorization": AUTH})
    r = c.getresponse(); d = r.read(); assert r.status == 200, d
def put(i, v=42): return {"TableName": "bench", "Item": {"pk": {"S": "user#%d" % i}, "name": {"S": "Ada Lovelace"}, "email": {"S": "ada@example.com"}, "visits": {"N": str(v)}, "active": {"BOOL": True}}}
call("CreateTable", {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
call("CreateTable", {"TableName": "benchq", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]})
for i in range(1000): call("PutItem", put(i))
for q in range(5):
    for i in range(100): call("PutItem", {"TableName": "benchq", "Item": {"pk": {"S": "feed#%d" % q}, "sk": {"N": str(1700000000 + i)}, "text": {"S": "post %d" % i}}})
phases = {
    "PutItem": lambda i: call("PutItem", put(i % 1000, 1000 + i)),
    "UpdateItem": lambda i: call("UpdateItem", {"TableName": "bench", "Key": {"pk": {"S": "user#%d" % (i % 1000)}}, "UpdateExpression": "SET visits = visits + :one", "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": {":one": {"N": "1"}}}),
    "Scan": lambda i: call("Scan", {"TableName": "benchq", "Limit": 25}),
    "GetItem": lambda i: call("GetItem", {"TableName": "bench", "Key": {"pk": {"S": "user#%d" % (i % 1000)}}}),
    "Query": lambda i: call("Query", {"TableName": "benchq", "KeyConditionExpression": "pk = :p", "Limit": 10, "ScanIndexForward": False, "ExpressionAttributeValues": {":p": {"S": "feed#%d" % (i % 5)}}}),
}
res = {}
for name, f in phases.items():
    for i in range(50): f(i)  # warm
    subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True)
    subprocess.run(["callgrind_control", "-i", "on", str(p.pid)], capture_output=True)
    for i in range(N): f(i)
    subprocess.run(["callgrind_control", "-i", "off", str(p.pid)], capture_output=True)
    subprocess.run(["callgrind_control", "-d", name, str(p.pid)], capture_output=True)
    time.sleep(0.5)
    files = sorted(glob.glob(out + "*"), key=os.path.getmtime)
    total = 0
    text = open(files[-1]).read()
    m = re.search(r"^totals:\s*(\d+)", text, re.M)
    total = int(m.group(1))
    res[name] = total / N
p.terminate(); p.wait()
print(tag, json.dumps({k: round(v) for k, v in res.items()}))
