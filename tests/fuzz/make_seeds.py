#!/usr/bin/env python3
"""Turns the recorded requests of tests/integration/data/*.jsonl into seed corpora for the fuzz targets.

    tests/fuzz/make_seeds.py OUT_DIR

writes OUT_DIR/<target>/<sha1 of the input> for every target of tests/fuzz (scripts/fuzz.sh uses
build-fuzz/seeds). Each line of a .jsonl file is one recorded case: {"op": ..., "request": {...}, "setup":
[{"op": ..., "request": {...}}, ...], "item"/"after": ...}. Input formats are those the targets' headers
describe:

  fuzz_requests     one byte (the operation's index in fuzz_requests.cpp's kOperations) + the JSON body;
                    table names are mapped onto the target's fixture tables with the same key schema.
  fuzz_expressions  one byte (0 condition, 1 filter, 2 key condition, 3 update, 4 projection) + text
                    + NUL + ExpressionAttributeNames JSON + NUL + ExpressionAttributeValues JSON.
  fuzz_number       two number texts separated by NUL.
  fuzz_item_codec   mode byte 1 (or 2 with two mutation bytes) + a DynamoDB JSON item; mode 3 + two keys.
  fuzz_http         one byte (the read chunk size, 0 = 64 KB) + raw HTTP/1.1 requests carrying the bodies.
"""
import glob
import hashlib
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "tests", "integration", "data")

# fuzz_requests.cpp's kOperations, in order.
OPERATIONS = ["CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable", "TagResource",
              "UntagResource", "ListTagsOfResource", "DescribeLimits", "DescribeEndpoints", "PutItem", "GetItem",
              "UpdateItem", "DeleteItem", "BatchGetItem", "BatchWriteItem", "Query", "TransactWriteItems",
              "TransactGetItems", "Scan", "UpdateTimeToLive", "DescribeTimeToLive",
              "DynamoDBStreams_20120810.ListStreams", "DynamoDBStreams_20120810.DescribeStream",
              "DynamoDBStreams_20120810.GetShardIterator", "DynamoDBStreams_20120810.GetRecords"]

# Requests of the Streams service and of TTL (fuzz_requests replaces @ARN@ and @ITER@ with its fixture stream's
# ARN and an iterator of it).
STREAM_SEEDS = [
    ("UpdateTimeToLive", {"TableName": "items2", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "x"}}),
    ("UpdateTimeToLive", {"TableName": "items", "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "n"}}),
    ("DescribeTimeToLive", {"TableName": "items"}),
    ("UpdateTable", {"TableName": "items", "StreamSpecification": {"StreamEnabled": False}}),
    ("UpdateTable", {"TableName": "items2", "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}}),
    ("DynamoDBStreams_20120810.ListStreams", {}),
    ("DynamoDBStreams_20120810.ListStreams", {"TableName": "items", "Limit": 1, "ExclusiveStartStreamArn": "@ARN@"}),
    ("DynamoDBStreams_20120810.DescribeStream", {"StreamArn": "@ARN@", "Limit": 2}),
    ("DynamoDBStreams_20120810.DescribeStream",
     {"StreamArn": "@ARN@", "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": "shardId-00000001796690225019-7dc0a34d"}}),
    ("DynamoDBStreams_20120810.GetShardIterator",
     {"StreamArn": "@ARN@", "ShardId": "shardId-00000001796690225019-7dc0a34d", "ShardIteratorType": "LATEST"}),
    ("DynamoDBStreams_20120810.GetShardIterator",
     {"StreamArn": "@ARN@", "ShardId": "shardId-00000001796690225019-7dc0a34d",
      "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "000000000000000000001"}),
    ("DynamoDBStreams_20120810.GetRecords", {"ShardIterator": "@ITER@"}),
    ("DynamoDBStreams_20120810.GetRecords", {"ShardIterator": "@ITER@", "Limit": 2}),
    ("DynamoDBStreams_20120810.GetRecords", {"ShardIterator": "@ARN@|1|AAAA"}),
]

# Recorded tables -> the fixture table of fuzz_requests.cpp with the same key schema.
TABLES = {"accounts": "items", "expr": "items", "q_hash": "items", "prov": "items",
          "ledger": "items2", "exprsk": "items2",
          "q_write": "q_main", "q_bin": "itemsb"}

# Larger recorded bodies (the 400 KB item tests) would only slow every mutation of the corpus down.
MAX_SEED_BYTES = 16384

EXPRESSION_KINDS = {"ConditionExpression": 0, "FilterExpression": 1, "KeyConditionExpression": 2,
                    "UpdateExpression": 3, "ProjectionExpression": 4}

AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/dynamodb/aws4_request, "
                 "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0")


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def rename_tables(value):
    """The request with recorded table names mapped onto the fixture (in TableName and RequestItems keys)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "TableName" and isinstance(v, str):
                out[k] = TABLES.get(v, v)
            elif k == "RequestItems" and isinstance(v, dict):
                out[k] = {TABLES.get(t, t): rename_tables(x) for t, x in v.items()}
            else:
                out[k] = rename_tables(v)
        return out
    if isinstance(value, list):
        return [rename_tables(v) for v in value]
    return value


def walk(value):
    """Every JSON object inside value (value included)."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def numbers(value):
    """Every N text and NS member inside value."""
    for obj in walk(value):
        n = obj.get("N")
        if isinstance(n, str):
            yield n
        ns = obj.get("NS")
        if isinstance(ns, list):
            yield from (m for m in ns if isinstance(m, str))


def cases():
    """(op, request) of every recorded request, setup steps included, and the recorded items."""
    for path in sorted(glob.glob(os.path.join(DATA, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                for step in record.get("setup") or []:
                    if isinstance(step, dict) and step.get("op") in OPERATIONS:
                        yield step["op"], step.get("request"), None
                extra = [record.get("item"), record.get("after"), record.get("response")]
                yield record.get("op"), record.get("request"), extra


class Corpus:
    def __init__(self, out_dir, target):
        self.dir = os.path.join(out_dir, target)
        os.makedirs(self.dir, exist_ok=True)
        self.count = 0

    def add(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count += 1


def http_request(op, body, chunked=False, keep_alive=True, version="1.1"):
    body_bytes = body.encode("utf-8")
    headers = [f"POST / HTTP/{version}", "Host: localhost:8000",
               "Content-Type: application/x-amz-json-1.0",
               f"X-Amz-Target: DynamoDB_20120810.{op}",
               "X-Amz-Date: 20260101T000000Z",
               f"Authorization: {AUTHORIZATION}"]
    if not keep_alive:
        headers.append("Connection: close")
    if chunked:
        headers.append("Transfer-Encoding: chunked")
        half = len(body_bytes) // 2
        payload = b""
        for part in (body_bytes[:half], body_bytes[half:]):
            if part:
                payload += b"%x\r\n" % len(part) + part + b"\r\n"
        payload += b"0\r\n\r\n"
    else:
        headers.append(f"Content-Length: {len(body_bytes)}")
        payload = body_bytes
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + payload


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    requests = Corpus(out_dir, "fuzz_requests")
    expressions = Corpus(out_dir, "fuzz_expressions")
    number = Corpus(out_dir, "fuzz_number")
    codec = Corpus(out_dir, "fuzz_item_codec")
    http = Corpus(out_dir, "fuzz_http")

    for op, request in STREAM_SEEDS:
        requests.add(bytes([OPERATIONS.index(op)]) + compact(request).encode("utf-8"))

    all_numbers = []
    http_count = 0
    for op, request, extra in cases():
        if op not in OPERATIONS or not isinstance(request, dict):
            continue
        body = compact(rename_tables(request))
        if len(body) <= MAX_SEED_BYTES:
            requests.add(bytes([OPERATIONS.index(op)]) + body.encode("utf-8"))

        # Every object carrying an expression (a request, a transaction's action, a batch's table entry).
        for obj in walk(request):
            names = obj.get("ExpressionAttributeNames")
            values = obj.get("ExpressionAttributeValues")
            for member, kind in EXPRESSION_KINDS.items():
                text = obj.get(member)
                if isinstance(text, str):
                    data = bytes([kind]) + text.encode("utf-8") + b"\0"
                    data += (compact(names).encode("utf-8") if names else b"") + b"\0"
                    data += compact(values).encode("utf-8") if values else b""
                    expressions.add(data)
            for member in ("Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey"):
                item = obj.get(member)
                if isinstance(item, dict):
                    text = compact(item).encode("utf-8")
                    if len(text) > MAX_SEED_BYTES:
                        continue
                    codec.add(b"\x01" + text)
                    if len(text) < 2000:
                        codec.add(b"\x02" + bytes([len(text) % 251, 0x80]) + text)
        for extra_value in extra or []:
            for obj in walk(extra_value):
                if "Item" in obj and isinstance(obj["Item"], dict):
                    text = compact(obj["Item"]).encode("utf-8")
                    if len(text) <= MAX_SEED_BYTES:
                        codec.add(b"\x01" + text)
        all_numbers.extend(numbers(request))
        all_numbers.extend(numbers(extra))

        # HTTP: a sample of the requests, in the shapes clients send them.
        if http_count < 200 and len(body) < 3000:
            variant = http_count % 5
            if variant == 0:
                data = b"\x00" + http_request(op, body)
            elif variant == 1:
                data = bytes([7]) + http_request(op, body, chunked=True)
            elif variant == 2:
                data = b"\x00" + http_request(op, body) + http_request("ListTables", "{}", keep_alive=False)
            elif variant == 3:
                data = bytes([1]) + http_request(op, body, version="1.0", keep_alive=False)
            else:
                data = b"\x00" + http_request(op, body, chunked=True) + http_request(op, body)
            http.add(data)
            http_count += 1

    http.add(b"\x00GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    http.add(b"\x00OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://example.com\r\n"
             b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n")
    http.add(b"\x00POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
             b"Content-Length: 99999999999\r\n\r\n{}")

    unique = sorted(set(all_numbers))
    for i, n in enumerate(unique):
        number.add(n)
        number.add(n + "\0" + unique[(i * 7 + 3) % len(unique)])
        number.add(n + "\0-" + n.lstrip("+-"))
    for a, b in [("1", "1E+1"), ("0.5", "5E-1"), ("99999999999999999999999999999999999999", "1"),
                 ("1E-130", "9.9999999999999999999999999999999999999E+125"), ("-0", "0")]:
        number.add(a + "\0" + b)

    for a, b in [("a", "b"), ("a", "a\0"), ("", "\0"), ("\xff", "\xff\xff")]:
        codec.add(b"\x03" + a.encode("latin-1") + b"\0" + b.encode("latin-1"))

    for corpus in (requests, expressions, number, codec, http):
        print(f"{corpus.dir}: {corpus.count} seeds")


if __name__ == "__main__":
    main()
