#!/usr/bin/env python3
"""ddblocal against Amazon's DynamoDB Local, side by side, on this machine.

For each server: start-up time (spawn to first answered request), idle RSS, then for each operation a wrk run
(server pinned to CPU 0, wrk to CPU 1, 32 connections, keep-alive) giving throughput, p50/p99 latency and the
server's CPU time per request (utime+stime from /proc/PID/stat over the run, divided by requests), and the RSS
after load. Usage: bench/bench.py [--seconds N] [--only ddblocal|dynamodb-local] [--ops A,B] [--baseline BINARY]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
CLK_TCK = os.sysconf("SC_CLK_TCK")

TABLE = {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}

KEYS = 10000  # items the item operations spread over ("{key}" in a body is a random key below this)

# operation name -> (X-Amz-Target, body); PutItem runs first and fills the table for the others.
OPERATIONS = {
    "PutItem": ("PutItem", {"TableName": "bench", "Item": {
        "pk": {"S": "user#{key}"}, "name": {"S": "Ada Lovelace"}, "email": {"S": "ada@example.com"},
        "visits": {"N": "{n}"}, "active": {"BOOL": True}}}),
    "GetItem": ("GetItem", {"TableName": "bench", "Key": {"pk": {"S": "user#{key}"}}}),
    "UpdateItem": ("UpdateItem", {"TableName": "bench", "Key": {"pk": {"S": "user#{key}"}},
                                  "UpdateExpression": "SET visits = visits + :one",
                                  "ConditionExpression": "attribute_exists(pk)",
                                  "ExpressionAttributeValues": {":one": {"N": "1"}}}),
    # A page of 10 from a partition (of 100 items), newest first.
    "Query": ("Query", {"TableName": "benchq", "KeyConditionExpression": "pk = :p", "Limit": 10,
                        "ScanIndexForward": False, "ExpressionAttributeValues": {":p": {"S": "feed#{key}"}}}),
    # A page of 25 items of the table.
    "Scan": ("Scan", {"TableName": "benchq", "Limit": 25}),
    "DescribeTable": ("DescribeTable", {"TableName": "bench"}),
}
QUERY_PARTITIONS, QUERY_ITEMS = 20, 100
TABLE_Q = {"TableName": "benchq", "BillingMode": "PAY_PER_REQUEST",
           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                    {"AttributeName": "sk", "AttributeType": "N"}],
           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}


def call(endpoint, target, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "X-Amz-Target": "DynamoDB_20120810." + target, "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start(cmd, port, cwd=None):
    t0 = time.monotonic()
    # Pinned to CPU 0 right after the spawn (taskset's own exec would count as the server's start-up).
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.sched_setaffinity(proc.pid, {0})
    endpoint = f"http://127.0.0.1:{port}/"
    body = b"{}"
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
               b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " + AUTH.encode() +
               b"\r\nContent-Length: 2\r\n\r\n" + body)
    while True:  # until the first request is answered (a raw socket: the client's own cost stays out)
        if proc.poll() is not None:
            sys.exit(f"{cmd[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            time.sleep(0.0002)
        if time.monotonic() - t0 > 60:
            sys.exit(f"{cmd[0]} did not start")
    return proc, endpoint, (time.monotonic() - t0) * 1000


def wrk(endpoint, target, body, seconds, connections=32):
    text = json.dumps(body)
    keys = QUERY_PARTITIONS if target == "Query" else KEYS
    env = dict(os.environ, TARGET=target, BODY=text, KEYS=str(keys) if "{key}" in text else "0")
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", str(ROOT / "bench/wrk/request.lua"), endpoint], capture_output=True, text=True, env=env)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        sys.exit("wrk failed: " + out.stdout + out.stderr)
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def measure(name, cmd, port, ops, seconds, cwd=None):
    proc, endpoint, startup_ms = start(cmd, port, cwd)
    try:
        time.sleep(1.0)
        result = {"server": name, "startup_ms": startup_ms, "idle_rss_mb": rss_mb(proc.pid), "ops": {}}
        call(endpoint, "CreateTable", TABLE)
        for i in range(KEYS):  # every key exists before the measured runs (GetItem finds, UpdateItem's condition holds)
            item = json.loads(json.dumps(OPERATIONS["PutItem"][1]).replace("{key}", str(i)).replace("{n}", "0"))
            call(endpoint, "PutItem", item)
        call(endpoint, "CreateTable", TABLE_Q)
        for p in range(QUERY_PARTITIONS):
            for i in range(QUERY_ITEMS):
                call(endpoint, "PutItem", {"TableName": "benchq", "Item": {
                    "pk": {"S": f"feed#{p}"}, "sk": {"N": str(1700000000 + i)}, "text": {"S": "post %d" % i}}})
        for op in ops:
            target, body = OPERATIONS[op]
            wrk(endpoint, target, body, 2)  # warm-up (the JVM's JIT needs it)
            cpu0 = cpu_seconds(proc.pid)
            r = wrk(endpoint, target, body, seconds)
            cpu = cpu_seconds(proc.pid) - cpu0
            result["ops"][op] = {
                "ops_per_s": r["requests"] / (r["duration_us"] / 1e6),
                "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                "cpu_us_per_request": cpu * 1e6 / max(1, r["requests"]), "non2xx": r["non2xx"],
            }
        result["loaded_rss_mb"] = rss_mb(proc.pid)
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--only", choices=["ddblocal", "dynamodb-local"])
    ap.add_argument("--ops", default=",".join(OPERATIONS))
    ap.add_argument("--baseline", metavar="BINARY",
                    help="also measure another ddblocal binary (e.g. a build of the landed main) in the same run")
    args = ap.parse_args()
    ops = args.ops.split(",")
    results = []
    if args.only != "dynamodb-local":
        results.append(measure("ddblocal", [str(ROOT / "build/ddblocal"), "--in-memory", "--port", "8010",
                                            "--log-level", "warn", "--threads", "1"], 8010, ops, args.seconds))
        if args.baseline:
            results.append(measure(f"ddblocal baseline ({args.baseline})",
                                   [args.baseline, "--in-memory", "--port", "8012", "--log-level", "warn",
                                    "--threads", "1"], 8012, ops, args.seconds))
    if args.only != "ddblocal":
        home = subprocess.run(["bash", str(ROOT.parent / "shared/tools/ddb-oracle"), "path"], capture_output=True,
                              text=True, check=True).stdout.strip()
        results.append(measure("DynamoDB Local 1.25.1", ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar",
                                                         "DynamoDBLocal.jar", "-inMemory", "-port", "8011"],
                               8011, ops, args.seconds, cwd=home))
    print(json.dumps(results, indent=1))
    print()
    print("| server | start-up | idle RSS | RSS after load |")
    print("|---|---|---|---|")
    for r in results:
        print(f"| {r['server']} | {r['startup_ms']:.1f} ms | {r['idle_rss_mb']:.1f} MB | {r['loaded_rss_mb']:.1f} MB |")
    print()
    print("| operation | server | ops/s | p50 | p99 | server CPU per request |")
    print("|---|---|---|---|---|---|")
    for op in ops:
        for r in results:
            o = r["ops"][op]
            print(f"| {op} | {r['server']} | {o['ops_per_s']:,.0f} | {o['p50_ms']:.2f} ms | {o['p99_ms']:.2f} ms | "
                  f"{o['cpu_us_per_request']:.1f} µs |")


if __name__ == "__main__":
    main()
