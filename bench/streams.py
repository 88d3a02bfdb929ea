#!/usr/bin/env python3
"""Streams and TTL: ddblocal against Amazon's DynamoDB Local, side by side, on this machine (issue 11).

Three phases per server, each on a freshly started server (pinned to CPU 0; every client on CPU 1):

1. latency: a writer does PutItem one at a time at a steady rate on a table with a NEW_AND_OLD_IMAGES stream;
   a reader (another process) polls GetRecords on the open shard in a tight loop, following NextShardIterator.
   Latency = the reader's receipt of a record minus the writer's receipt of that PutItem's acknowledgement
   (CLOCK_MONOTONIC in both processes). Raw HTTP over keep-alive connections (http.client).
2. putitem: bench.py's PutItem workload (wrk, 32 connections, random key of 10,000, `visits` changing) on a
   table without a stream, with a NEW_AND_OLD_IMAGES stream and with a KEYS_ONLY stream, twice, alternating;
   ops/s, p99, server CPU per request (utime+stime of /proc/PID/stat over the run / requests).
3. ttl: a table of 10,000 items whose TTL attribute is an hour in the past and 10,000 whose TTL is a day ahead;
   a GetItem load (wrk, 32 connections, bench/wrk/getitem_timed.lua: every request's send time and latency
   logged) on the live items for the whole phase; a count every 100 ms (in the baseline as well); after a
   baseline, UpdateTimeToLive enables TTL; the time until only the 10,000 live items are left; GetItem p50/p99 in
   the baseline, from the enabling to the end of the sweep, and in the sweep proper (from the last count that
   still saw 20,000 to the first that saw 10,000). ddblocal twice: counted by DescribeTable's ItemCount (cheap),
   then by Scan Select=COUNT (which holds ddblocal's one request thread for 15-30 ms). ddblocal runs with
   --ttl-interval 1. DynamoDB Local has no such setting: how many it deleted in 30 s (ItemCount only).
4. instructions (ddblocal only): callgrind's instructions per PutItem without a stream and with each kind, a
   fresh server per table; they repeat from run to run, unlike wall-clock CPU on these machines.

Usage: bench/streams.py [--only ddblocal|dynamodb-local] [--phases latency,putitem,ttl,instructions] [--seconds N]
       [--writes N] [--rate R] [--quick]
Needs wrk (Debian, LuaJIT), valgrind, and, for DynamoDB Local, Java 17 and ../shared/tools/ddb-oracle.
"""
import argparse
import http.client
import json
import math
import multiprocessing
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The access key of bench/wrk/*.lua: both servers keep one namespace of tables per access key and region.
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
CLK_TCK = os.sysconf("SC_CLK_TCK")
ALL_CPUS = os.sched_getaffinity(0)
DDBLOCAL_PORT, DYNAMODB_LOCAL_PORT = 8020, 8021
KEYS = 10000
ITEM = {"name": {"S": "Ada Lovelace"}, "email": {"S": "ada@example.com"}, "active": {"BOOL": True}}


class Failed(Exception):
    pass


class Client:
    """One keep-alive connection; DynamoDB and DynamoDB Streams targets."""

    def __init__(self, port, timeout=60):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, target, body, streams=False):
        data = json.dumps(body).encode()
        self.conn.request("POST", "/", data, {
            "X-Amz-Target": ("DynamoDBStreams_20120810." if streams else "DynamoDB_20120810.") + target,
            "Content-Type": "application/x-amz-json-1.0", "Authorization": AUTH})
        r = self.conn.getresponse()
        payload = r.read()
        if r.status != 200:
            raise Failed(f"{target}: HTTP {r.status} {payload[:300]!r}")
        return json.loads(payload)

    def close(self):
        self.conn.close()


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def cpu_busy_seconds(cpu):
    """A CPU's non-idle time (/proc/stat): minus the server's (or wrk's) CPU time, what else ran on that core."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:]]
            return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK  # all but idle and iowait (guest time is in user)
    return 0.0


def children_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk's, once it is reaped
    return r.ru_utime + r.ru_stime


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, kind, extra=()):
        self.kind = kind
        os.sched_setaffinity(0, ALL_CPUS)  # as bench.py: spawned unpinned, then pinned to CPU 0
        if kind == "ddblocal":
            self.port = DDBLOCAL_PORT
            cmd = [str(ROOT / "build/ddblocal"), "--in-memory", "--port", str(self.port), "--log-level", "warn",
                   "--threads", "1", *extra]
            cwd = None
        else:
            self.port = DYNAMODB_LOCAL_PORT
            cwd = subprocess.run(["bash", str(ROOT.parent / "shared/tools/ddb-oracle"), "path"],
                                 capture_output=True, text=True, check=True).stdout.strip()
            cmd = ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory",
                   "-port", str(self.port)]
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.sched_setaffinity(self.proc.pid, {0})
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise Failed(f"{cmd[0]} exited with {self.proc.returncode}")
            try:
                c = Client(self.port, timeout=30)
                c.call("ListTables", {})
                c.close()
                break
            except (OSError, Failed, http.client.HTTPException):
                time.sleep(0.01)
            if time.monotonic() - t0 > 60:
                raise Failed(f"{cmd[0]} did not start")
        # Every thread on CPU 0: the ones the server started before the call above would otherwise run anywhere.
        self.unpinned_threads = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                if os.sched_getaffinity(int(task.name)) != {0}:
                    self.unpinned_threads += 1
                    os.sched_setaffinity(int(task.name), {0})
            except OSError:
                pass
        os.sched_setaffinity(0, {1})  # the clients (this process, its children, wrk) on CPU 1

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def create_table(c, name, stream=None):
    spec = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    c.call("CreateTable", spec)
    for _ in range(600):
        t = c.call("DescribeTable", {"TableName": name})["Table"]
        if t["TableStatus"] == "ACTIVE":
            return t
        time.sleep(0.05)
    raise Failed(f"table {name} not ACTIVE")


def batch_put(c, table, items):
    for i in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]
        for _ in range(100):
            out = c.call("BatchWriteItem", {"RequestItems": {table: requests}})
            requests = out.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                break
        else:
            raise Failed("BatchWriteItem kept items unprocessed")


def scan_count(c, table, filter_prefix=None):
    total, start = 0, None
    while True:
        body = {"TableName": table, "Select": "COUNT"}
        if filter_prefix:
            body.update(FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": filter_prefix}})
        if start:
            body["ExclusiveStartKey"] = start
        out = c.call("Scan", body)
        total += out["Count"]
        start = out.get("LastEvaluatedKey")
        if not start:
            return total


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]  # nearest rank


# ---------------------------------------------------------------------------------------------------------------
# 1. Stream delivery latency


def open_shard(c, arn, parent=None):
    """The shard to read: the open one (no EndingSequenceNumber), or the child of `parent`."""
    shards, start = [], None
    while True:
        body = {"StreamArn": arn}
        if start:
            body["ExclusiveStartShardId"] = start
        d = c.call("DescribeStream", body, streams=True)["StreamDescription"]
        shards += d["Shards"]
        start = d.get("LastEvaluatedShardId")
        if not start:
            break
    for s in shards:
        if parent is not None and s.get("ParentShardId") == parent:
            return s["ShardId"]
    if parent is None:
        for s in shards:
            if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {}):
                return s["ShardId"]
    return None


def reader(port, arn, shard, expected, deadline, ready, out):
    c = Client(port)
    received, stats = {}, {"polls": 0, "empty_polls": 0, "records": 0, "duplicates": 0, "out_of_order": 0,
                           "shards": 1, "errors": [], "bad_records": 0}
    try:
        it = c.call("GetShardIterator", {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"},
                    streams=True)["ShardIterator"]
        ready.set()
        last = -1
        while len(received) < expected and time.monotonic() < deadline:
            r = c.call("GetRecords", {"ShardIterator": it}, streams=True)
            t = time.monotonic()
            stats["polls"] += 1
            records = r.get("Records", [])
            if not records:
                stats["empty_polls"] += 1
            for rec in records:
                stats["records"] += 1
                d = rec["dynamodb"]
                key = d["Keys"]["pk"]["S"]
                if rec.get("eventName") != "INSERT" or "NewImage" not in d:
                    stats["bad_records"] += 1
                i = int(key.split("#")[1])
                if i in received:
                    stats["duplicates"] += 1
                    continue
                if i < last:
                    stats["out_of_order"] += 1
                last = i
                received[i] = t
            it = r.get("NextShardIterator")
            if it is None:  # the shard closed: on to its child
                child = open_shard(c, arn, parent=shard)
                if child is None:
                    stats["errors"].append(f"shard {shard} closed, no child")
                    break
                shard = child
                stats["shards"] += 1
                it = c.call("GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                                                 "ShardIteratorType": "TRIM_HORIZON"}, streams=True)["ShardIterator"]
    except Exception as e:  # reported, not raised: the writer's side still has its figures
        stats["errors"].append(repr(e))
        ready.set()
    out.send((received, stats))
    out.close()


def phase_latency(server, writes, rate):
    c = Client(server.port)
    t = create_table(c, "lat", "NEW_AND_OLD_IMAGES")
    arn = t["LatestStreamArn"]
    shard = open_shard(c, arn)
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    mine, theirs = ctx.Pipe(duplex=False)
    budget = writes / rate + 20
    deadline = time.monotonic() + budget
    p = ctx.Process(target=reader, args=(server.port, arn, shard, writes, deadline, ready, theirs))
    p.start()
    theirs.close()
    ready.wait(30)
    acked, write_errors = {}, 0
    t0 = time.monotonic() + 0.2
    for i in range(writes):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        item = dict(ITEM, pk={"S": f"lat#{i}"}, visits={"N": str(i)})
        try:
            c.call("PutItem", {"TableName": "lat", "Item": item})
            acked[i] = time.monotonic()
        except Failed:
            write_errors += 1
        if time.monotonic() > deadline:
            break
    received, stats = ({}, {"errors": ["reader sent nothing"]})
    if mine.poll(max(1.0, deadline - time.monotonic() + 5)):
        received, stats = mine.recv()
    p.join(5)
    if p.is_alive():
        p.kill()
    c.close()
    lat = [(received[i] - acked[i]) * 1000 for i in acked if i in received]
    missing = sorted(i for i in acked if i not in received)
    return {
        "writes": writes, "rate_per_s": rate, "acked": len(acked), "write_errors": write_errors,
        "received": len(received), "missing": len(missing), "missing_first": missing[:10],
        "median_ms": statistics.median(lat) if lat else None, "p99_ms": percentile(lat, 99),
        "p90_ms": percentile(lat, 90), "max_ms": max(lat) if lat else None, "min_ms": min(lat) if lat else None,
        "negative": sum(1 for x in lat if x < 0), **stats,
    }


# ---------------------------------------------------------------------------------------------------------------
# 2. PutItem with and without a stream


def wrk(port, target, body, seconds, connections=32):
    text = json.dumps(body)
    env = dict(os.environ, TARGET=target, BODY=text, KEYS=str(KEYS))
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", str(ROOT / "bench/wrk/request.lua"), f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, env=env, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise Failed("wrk failed: " + out.stdout + out.stderr)
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def wrk_get(port, table, prefix, seconds, connections=32):
    """GetItem through getitem_timed.lua (its log discarded). Not request.lua: the requests that one formats up
    front, when the body has a {key} but no {n}, are formatted before wrk sets the Host header, and DynamoDB Local
    (Jetty) answers a request without Host with 400 "No Host"."""
    env = dict(os.environ, TABLE=table, PREFIX=prefix, KEYS=str(KEYS), LOG="/dev/null")
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", str(ROOT / "bench/wrk/getitem_timed.lua"), f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, env=env, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise Failed("wrk failed: " + out.stdout + out.stderr)
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


PUT_TABLES = [("none", None), ("new_and_old", "NEW_AND_OLD_IMAGES"), ("keys_only", "KEYS_ONLY")]


def phase_putitem(server, seconds, rounds):
    c = Client(server.port)
    for name, stream in PUT_TABLES:
        create_table(c, f"put_{name}", stream)
        batch_put(c, f"put_{name}", [dict(ITEM, pk={"S": f"user#{i}"}, visits={"N": "0"}) for i in range(KEYS)])
    c.close()

    def get_none():  # GetItem on the table without a stream: what the other tables' stream records cost it
        wrk_get(server.port, "put_none", "user#", 2)
        cpu0 = cpu_seconds(server.pid)
        r = wrk_get(server.port, "put_none", "user#", 5)
        return {"ops_per_s": r["requests"] / (r["duration_us"] / 1e6), "p99_ms": r["p99_us"] / 1000,
                "cpu_us_per_request": (cpu_seconds(server.pid) - cpu0) * 1e6 / max(1, r["requests"]),
                "non2xx": r["non2xx"]}
    get_before = get_none()
    runs = []
    for rnd in range(rounds):
        for name, _ in PUT_TABLES:
            body = {"TableName": f"put_{name}", "Item": dict(ITEM, pk={"S": "user#{key}"}, visits={"N": "{n}"})}
            wrk(server.port, "PutItem", body, 2)  # warm-up (the JVM's JIT needs it)
            cpu0, busy0, busy1 = cpu_seconds(server.pid), cpu_busy_seconds(0), cpu_busy_seconds(1)
            wrk0, load0 = children_cpu_seconds(), os.getloadavg()[0]
            r = wrk(server.port, "PutItem", body, seconds)
            cpu = cpu_seconds(server.pid) - cpu0
            wall = r["duration_us"] / 1e6
            foreign = max(0.0, cpu_busy_seconds(0) - busy0 - cpu) / wall
            foreign1 = max(0.0, cpu_busy_seconds(1) - busy1 - (children_cpu_seconds() - wrk0)) / wall
            runs.append({"round": rnd + 1, "table": name, "ops_per_s": r["requests"] / (r["duration_us"] / 1e6),
                         "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                         "cpu_us_per_request": cpu * 1e6 / max(1, r["requests"]), "non2xx": r["non2xx"],
                         "rss_mb": rss_mb(server.pid), "cpu0_other_pct": foreign * 100, "cpu1_other_pct": foreign1 * 100,
                         "loadavg_before": load0})
            print(f"  {server.kind} round {rnd + 1} {name}: {runs[-1]['ops_per_s']:,.0f} ops/s, "
                  f"p99 {runs[-1]['p99_ms']:.2f} ms, {runs[-1]['cpu_us_per_request']:.1f} µs/req, "
                  f"other work on CPU 0 {foreign * 100:.1f} %, on CPU 1 {foreign1 * 100:.1f} %", file=sys.stderr)
    mean = {name: statistics.mean(r["cpu_us_per_request"] for r in runs if r["table"] == name) for name, _ in PUT_TABLES}
    get_after = get_none()
    print(f"  {server.kind} GetItem on put_none before/after: {get_before['cpu_us_per_request']:.1f} / "
          f"{get_after['cpu_us_per_request']:.1f} µs/req", file=sys.stderr)
    return {"runs": runs, "mean_cpu_us": mean, "getitem_none_before": get_before, "getitem_none_after": get_after,
            "stream_cost": {name: mean[name] / mean["none"] - 1 for name in mean if name != "none" and "none" in mean}}


# ---------------------------------------------------------------------------------------------------------------
# 3. TTL sweep under a GetItem load


def window(samples, lo, hi):
    lat = [l for s, l in samples if lo <= s < hi]
    return {"requests": len(lat), "seconds": hi - lo, "p50_ms": percentile(lat, 50) / 1000,
            "p99_ms": percentile(lat, 99) / 1000, "max_ms": (max(lat) / 1000) if lat else None}


def item_count(c, table):
    return c.call("DescribeTable", {"TableName": table})["Table"]["ItemCount"]


def phase_ttl(server, baseline_s, bound_s, poll_s, poll):
    """poll: "scan" (Scan Select=COUNT) or "describe" (DescribeTable's ItemCount; confirmed by a Scan at the end)."""
    c = Client(server.port)
    create_table(c, "ttl")
    now = int(time.time())
    t_fill = time.monotonic()
    items = []
    for i in range(KEYS):
        items.append(dict(ITEM, pk={"S": f"exp#{i}"}, visits={"N": str(i)}, expires={"N": str(now - 3600)}))
        items.append(dict(ITEM, pk={"S": f"live#{i}"}, visits={"N": str(i)}, expires={"N": str(now + 86400)}))
    batch_put(c, "ttl", items)
    fill_s = time.monotonic() - t_fill
    t = time.monotonic()
    initial = scan_count(c, "ttl")
    scan_ms = (time.monotonic() - t) * 1000
    if initial != 2 * KEYS:
        raise Failed(f"ttl table holds {initial} items, not {2 * KEYS}")
    log = tempfile.NamedTemporaryFile(prefix="ttl-getitem-", suffix=".log", delete=False).name
    duration = int(1 + baseline_s + bound_s + 2)
    env = dict(os.environ, TABLE="ttl", PREFIX="live#", KEYS=str(KEYS), LOG=log)
    load = subprocess.Popen(["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{duration}s", "--latency",
                             "-s", str(ROOT / "bench/wrk/getitem_timed.lua"), f"http://127.0.0.1:{server.port}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    t_load = time.monotonic()
    try:
        out = ttl_measure(c, load, log, t_load, duration, baseline_s, bound_s, poll_s, poll)
        out.update(fill_s=fill_s, scan_count_ms=scan_ms)
        return out
    finally:
        if load.poll() is None:
            load.kill()
        c.close()
        if os.path.exists(log):
            os.unlink(log)


def ttl_measure(c, load, log, t_load, duration, baseline_s, bound_s, poll_s, poll):
    polls = []  # (start, end, count)
    count = (lambda: scan_count(c, "ttl")) if poll == "scan" else (lambda: item_count(c, "ttl"))

    def poll_until(stop_at, done=None):
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            n = count()
            polls.append((t0, time.monotonic(), n))
            if done is not None and n <= done:
                return True
            time.sleep(max(0.0, t0 + poll_s - time.monotonic()))
        return False

    time.sleep(1.0)  # wrk's connections up
    t_base = time.monotonic()
    poll_until(t_base + baseline_s)
    t_enable = time.monotonic()
    c.call("UpdateTimeToLive", {"TableName": "ttl",
                                "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"}})
    finished = poll_until(t_enable + bound_s, done=KEYS)
    t_last = polls[-1][1]
    confirm = scan_count(c, "ttl") if poll != "scan" else None  # what a Scan counts right then
    stdout, stderr = load.communicate(timeout=duration + 60)
    # What is left: nothing expired, every live item.
    left_expired = scan_count(c, "ttl", "exp#")
    left_live = scan_count(c, "ttl", "live#")
    final_item_count = item_count(c, "ttl")
    result = next((l for l in stdout.splitlines() if l.startswith("RESULT ")), None)
    wrk_all = {k: int(v) for k, v in (kv.split("=") for kv in result.split()[1:])} if result else {"error": stderr}
    samples, misses = [], 0
    with open(log) as f:
        for line in f:
            a, b, *rest = line.split()
            if a == "miss":
                misses += 1
            else:
                samples.append((int(a) / 1e6, int(b)))
    after_enable = [p for p in polls if p[0] >= t_enable]
    still_full = [p for p in after_enable if p[2] == 2 * KEYS]
    first_drop = next((p for p in after_enable if p[2] < 2 * KEYS), None)
    sweep_from = still_full[-1][0] if still_full else t_enable  # the last poll that counted everything began
    return {
        "poll": poll, "poll_interval_s": poll_s,
        "all_removed": finished, "removed_after_s": (t_last - t_enable) if finished else None,
        "deleted_in_window": 2 * KEYS - polls[-1][2], "window_s": t_last - t_enable,
        "first_drop_seen_after_s": (first_drop[1] - t_enable) if first_drop else None,
        "sweep_began_after_s": (sweep_from - t_enable) if first_drop else None,
        "scan_count_at_end_of_window": confirm, "left_expired": left_expired, "left_live": left_live,
        "final_item_count": final_item_count,
        "polls": len(polls), "poll_ms_median": statistics.median((e - s) * 1000 for s, e, _ in polls),
        "getitem_misses": misses, "wrk_whole_run": wrk_all,
        "baseline": window(samples, t_base, t_enable),
        "enable_to_end": window(samples, t_enable, t_last),
        "sweep": window(samples, sweep_from, t_last) if first_drop else None,
        "after": window(samples, t_last, t_load + duration - 0.5),
        # (seconds after the enabling, count) at every change of the count, and the last poll
        "timeline": [(round(s - t_enable, 2), n) for i, (s, _, n) in enumerate(polls)
                     if s >= t_enable and (i + 1 == len(polls) or polls[i - 1][2] != n or polls[i][0] - 0.2 < t_enable)],
    }


# ---------------------------------------------------------------------------------------------------------------
# 4. Instructions per PutItem (callgrind): the stream's cost without the machine's noise (ddblocal only)


def phase_instructions(requests):
    """Each table on a fresh server under callgrind: 1,000 items, 50 PutItem of warm-up, then `requests` counted."""
    import glob
    import re
    os.sched_setaffinity(0, ALL_CPUS)
    res = {}
    for name, stream in PUT_TABLES:
        out = f"/tmp/streams-cg-{os.getpid()}"
        port = 8022
        p = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p",
                              str(ROOT / "build/ddblocal"), "--in-memory", "--port", str(port), "--threads", "1",
                              "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            c = None
            for _ in range(600):
                try:
                    c = Client(port)
                    c.call("ListTables", {})
                    break
                except (OSError, Failed, http.client.HTTPException):
                    time.sleep(0.1)
            create_table(c, f"put_{name}", stream)
            batch_put(c, f"put_{name}", [dict(ITEM, pk={"S": f"user#{i}"}, visits={"N": "0"}) for i in range(1000)])

            def put(i):
                c.call("PutItem", {"TableName": f"put_{name}",
                                   "Item": dict(ITEM, pk={"S": f"user#{i % 1000}"}, visits={"N": str(i + 1)})})
            for i in range(50):
                put(i)
            subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True)
            subprocess.run(["callgrind_control", "-i", "on", str(p.pid)], capture_output=True)
            for i in range(50, 50 + requests):
                put(i)
            subprocess.run(["callgrind_control", "-i", "off", str(p.pid)], capture_output=True)
            subprocess.run(["callgrind_control", "-d", name, str(p.pid)], capture_output=True)
            time.sleep(0.5)
            files = sorted(glob.glob(out + "*"), key=os.path.getmtime)
            m = re.search(r"^totals:\s*(\d+)", Path(files[-1]).read_text(), re.M)
            res[name] = int(m.group(1)) / requests
            c.close()
        finally:
            p.terminate()
            p.wait(timeout=60)
            for f in glob.glob(out + "*"):
                os.remove(f)
    return {"requests": requests, "per_put": res,
            "stream_cost": {k: v / res["none"] - 1 for k, v in res.items() if k != "none"}}


# ---------------------------------------------------------------------------------------------------------------


def run_server(kind, phases, args):
    res = {"server": kind}
    if "latency" in phases:
        s = Server(kind)
        try:
            print(f"{kind}: latency", file=sys.stderr)
            res["latency"] = phase_latency(s, args.writes, args.rate)
            res["latency"]["unpinned_threads_at_start"] = s.unpinned_threads
        finally:
            s.stop()
    if "putitem" in phases:
        s = Server(kind)
        try:
            print(f"{kind}: putitem", file=sys.stderr)
            res["putitem"] = phase_putitem(s, args.seconds, args.rounds)
            res["putitem"]["unpinned_threads_at_start"] = s.unpinned_threads
        finally:
            s.stop()
    if "ttl" in phases:
        # ddblocal: once polled by DescribeTable (cheap: the GetItem p99 is the sweep's), once by Scan Select=COUNT
        # (what the brief asked; a Scan of 20,000 items holds the one request thread for 10-40 ms, so the p99 of
        # both windows is the Scan's). DynamoDB Local: DescribeTable only (a Scan of 20,000 items takes it ~1 s).
        for poll in (["describe", "scan"] if kind == "ddblocal" else ["describe"]):
            s = Server(kind, ["--ttl-interval", "1"] if kind == "ddblocal" else [])
            try:
                print(f"{kind}: ttl, polled by {poll}", file=sys.stderr)
                bound = args.ttl_bound if kind == "ddblocal" else args.ttl_bound_dynamodb_local
                res["ttl" if poll == "describe" else "ttl_scan"] = phase_ttl(s, args.baseline, bound, 0.1, poll)
            finally:
                s.stop()
    if "instructions" in phases and kind == "ddblocal":
        print(f"{kind}: instructions", file=sys.stderr)
        res["instructions"] = phase_instructions(args.instr_requests)
    return res


def fmt(v, spec=".2f"):
    return "—" if v is None else format(v, spec)


def report(results, phases):
    name = {"ddblocal": "ddblocal", "dynamodb-local": "DynamoDB Local"}
    if "latency" in phases:
        print("\n| server | writes | received | missing | median | p90 | p99 | max | GetRecords polls (empty) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            l = r.get("latency")
            if l:
                print(f"| {name[r['server']]} | {l['acked']:,} | {l['received']:,} | {l['missing']} | "
                      f"{fmt(l['median_ms'])} ms | {fmt(l['p90_ms'])} ms | {fmt(l['p99_ms'])} ms | "
                      f"{fmt(l['max_ms'])} ms | {l.get('polls', 0):,} ({l.get('empty_polls', 0):,}) |")
    if "putitem" in phases:
        print("\n| server | table | round | ops/s | p99 | CPU/req | RSS after | other work on CPU 0, 1 |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            p = r.get("putitem")
            for run in (p or {}).get("runs", []):
                print(f"| {name[r['server']]} | {run['table']} | {run['round']} | {run['ops_per_s']:,.0f} | "
                      f"{run['p99_ms']:.2f} ms | {run['cpu_us_per_request']:.1f} µs | {run['rss_mb']:.0f} MB | "
                      f"{run['cpu0_other_pct']:.1f} %, {run['cpu1_other_pct']:.1f} % |")
        for r in results:
            p = r.get("putitem")
            if p:
                print(f"\n{name[r['server']]}: mean CPU/req " +
                      ", ".join(f"{k} {v:.1f} µs" for k, v in p["mean_cpu_us"].items()) + "; stream cost " +
                      ", ".join(f"{k} {v * 100:+.1f} %" for k, v in p["stream_cost"].items()))
                b, a = p["getitem_none_before"], p["getitem_none_after"]
                print(f"{name[r['server']]}: GetItem on the table without a stream, before the PutItem runs: "
                      f"{b['ops_per_s']:,.0f} ops/s, p99 {b['p99_ms']:.2f} ms, {b['cpu_us_per_request']:.1f} µs/req; "
                      f"after them: {a['ops_per_s']:,.0f} ops/s, p99 {a['p99_ms']:.2f} ms, "
                      f"{a['cpu_us_per_request']:.1f} µs/req")
    if "ttl" in phases:
        print("\n| server | expired removed | after | GetItem p50 / p99 baseline | enable→end | sweep proper |"
              " left (expired, live) |")
        print("|---|---|---|---|---|---|---|")
        for r, key in [(r, k) for r in results for k in ("ttl", "ttl_scan")]:
            t = r.get(key)
            if t:
                sw = t["sweep"]
                print(f"| {name[r['server']]}, polled by {t['poll']} | {t['deleted_in_window']:,} of {KEYS:,} | "
                      f"{fmt(t['removed_after_s'])} s (window {t['window_s']:.1f} s) | "
                      f"{t['baseline']['p50_ms']:.2f} / {t['baseline']['p99_ms']:.2f} ms | "
                      f"{t['enable_to_end']['p50_ms']:.2f} / {t['enable_to_end']['p99_ms']:.2f} ms | "
                      + (f"{sw['p50_ms']:.2f} / {sw['p99_ms']:.2f} ms ({sw['seconds']:.2f} s) | " if sw else "— | ")
                      + f"{t['left_expired']:,}, {t['left_live']:,} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["ddblocal", "dynamodb-local"])
    ap.add_argument("--phases", default="latency,putitem,ttl,instructions")
    ap.add_argument("--instr-requests", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=10, help="each measured PutItem wrk run")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--writes", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200, help="PutItem per second in the latency phase")
    ap.add_argument("--baseline", type=float, default=5, help="TTL phase: seconds of GetItem load before enabling")
    ap.add_argument("--ttl-bound", type=float, default=10, help="ddblocal: at most this long for the sweep")
    ap.add_argument("--ttl-bound-dynamodb-local", type=float, default=30)
    ap.add_argument("--quick", action="store_true", help="short everything (a smoke test of the script)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw results here")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.rounds, args.writes, args.baseline = 2, 1, 200, 2
        args.ttl_bound_dynamodb_local, args.instr_requests = 5, 200
    phases = args.phases.split(",")
    kinds = [k for k in ("ddblocal", "dynamodb-local") if args.only in (None, k)]

    def too_long(*_):
        raise Failed("the whole run is over its 10-minute bound")
    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(600)
    started = time.monotonic()
    binary = ROOT / "build/ddblocal"
    head = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %cI"], capture_output=True,
                          text=True).stdout.strip()
    print(f"ddblocal binary built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(binary.stat().st_mtime))}, "
          f"HEAD {head}", file=sys.stderr)
    results = []
    for kind in kinds:
        try:
            results.append(run_server(kind, phases, args))
        except Failed as e:
            print(f"{kind}: {e}", file=sys.stderr)
            results.append({"server": kind, "error": str(e)})
    signal.alarm(0)
    print(json.dumps(results, indent=1))
    report(results, phases)
    for r in results:
        i = r.get("instructions")
        if i:
            print("\nInstructions per PutItem (callgrind, a fresh server per table): " +
                  "; ".join(f"{k} {v:,.0f}" for k, v in i["per_put"].items()) +
                  "; stream cost " + ", ".join(f"{k} {v * 100:+.1f} %" for k, v in i["stream_cost"].items()))
    for r in results:  # any error answer makes a figure meaningless: say so
        p = r.get("putitem") or {}
        bad = [f"PutItem {u['table']} round {u['round']}: {u['non2xx']}" for u in p.get("runs", []) if u["non2xx"]]
        bad += [f"GetItem {k}: {p[k]['non2xx']}" for k in ("getitem_none_before", "getitem_none_after")
                if p.get(k, {}).get("non2xx")]
        for k in ("ttl", "ttl_scan"):
            t = r.get(k)
            if t and (t["getitem_misses"] or t["wrk_whole_run"].get("non2xx")):
                bad.append(f"{k} GetItem: {t['getitem_misses']} unmatched, {t['wrk_whole_run'].get('non2xx')} non-2xx")
        if bad:
            print(f"\nWARNING {name[r['server']]}: error answers: " + "; ".join(bad))
    print(f"\n(run took {time.monotonic() - started:.0f} s, {time.strftime('%Y-%m-%d %H:%M')})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
