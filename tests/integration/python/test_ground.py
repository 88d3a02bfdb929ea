"""Regression tests for defects found in the write path, the catalog and request decoding.

Each test names the behaviour DynamoDB has and failed on the server before the fix. The answers to null and
empty-object members were recorded from Amazon's DynamoDB Local 2.9.30 (`ddb-oracle`); where DynamoDB Local is
known to answer differently from the service (a 500, its own wording where the service reports its constraint
list, as the corpus suites record), the case says so and is `service_only`.
"""
import copy
import json
import random
import signal
import socket
import threading
import time
import http.client

import pytest

from test_expression_corpus import Raw, error_of

V, S = "ValidationException", "SerializationException"
STRING_KEY = [{"AttributeName": "pk", "AttributeType": "S"}]
HASH_KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def same_namespace(raw, endpoint=None):
    """A second connection (to endpoint, or raw's server) that sees the same tables as `raw` (same access key)."""
    other = Raw(endpoint or f"http://{raw.host}:{raw.port}")
    other.auth = raw.auth
    return other


def scan_all(raw, table, **kw):
    items, body = [], dict(kw, TableName=table)
    while True:
        page = raw.must("Scan", body)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        body["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def size_of(item):
    """DynamoDB's size of an item whose values are all strings: names plus values, in UTF-8 bytes."""
    assert all(set(v) == {"S"} for v in item.values()), item
    return sum(len(k.encode()) + len(v["S"].encode()) for k, v in item.items())


def index_of(table_items, key, projected):
    """The entries a GSI keyed on `key` should hold: the items that have it, projected (as sorted JSON)."""
    return sorted(json.dumps({k: v for k, v in it.items() if k in projected}, sort_keys=True)
                  for it in table_items if key in it)


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.02)


def index_description(raw, table, index):
    t = raw.must("DescribeTable", {"TableName": table})["Table"]
    found = [i for i in t.get("GlobalSecondaryIndexes", []) if i["IndexName"] == index]
    assert found, f"{table} has no index {index}"
    return found[0]


def request_bytes(raw, op, body):
    data = json.dumps(body).encode()
    return (f"POST / HTTP/1.1\r\nHost: {raw.host}\r\nX-Amz-Target: DynamoDB_20120810.{op}\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {raw.auth}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


class Pipeline:
    """Sends many requests on one keep-alive connection without waiting (HTTP pipelining), so that the server
    runs them back to back, and collects the answers in order as (status, body)."""

    def __init__(self, raw, requests, start=True):
        self.count, self.answers = len(requests), []
        self.sock = socket.create_connection((raw.host, raw.port), timeout=60)
        payload = b"".join(request_bytes(raw, op, body) for op, body in requests)
        self.threads = [threading.Thread(target=self.sock.sendall, args=(payload,)),
                        threading.Thread(target=self._read)]
        if start:
            self.start()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def _read(self):
        buf = b""
        while len(self.answers) < self.count:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return
            buf += chunk
            while (end := buf.find(b"\r\n\r\n")) >= 0:
                head = buf[:end].decode().split("\r\n")
                length = next(int(h.split(":")[1]) for h in head if h.lower().startswith("content-length:"))
                if len(buf) < end + 4 + length:
                    break
                body = buf[end + 4:end + 4 + length]
                self.answers.append((int(head[0].split()[1]), json.loads(body) if body else None))
                buf = buf[end + 4 + length:]

    def join(self):
        for t in self.threads:
            t.join()
        self.sock.close()
        assert len(self.answers) == self.count, "the server dropped the connection"
        return self.answers


def health(endpoint):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def kill9(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------------------
# 2. A rejected BatchWriteItem writes nothing.


@pytest.fixture
def raw(endpoint):
    return Raw(endpoint, "AKIDGROUND")


def gsi_table(raw, name, projection=None):
    raw.must("CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": STRING_KEY + [{"AttributeName": "g", "AttributeType": "S"}], "KeySchema": HASH_KEY,
        "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                    "Projection": projection or {"ProjectionType": "ALL"}}]})


def put(item):
    return {"PutRequest": {"Item": item}}


@pytest.mark.parametrize("bad", [{"N": "1"}, {"S": ""}], ids=["number_for_string_key", "empty_string_key"])
@pytest.mark.parametrize("valid_before", [1, 10])
def test_batch_write_refused_for_a_bad_gsi_key_writes_none_of_its_items(raw, bad, valid_before):
    gsi_table(raw, "batch_gsi")
    writes = [put({"pk": {"S": f"ok{i}"}, "g": {"S": "x"}}) for i in range(valid_before)]
    writes.append(put({"pk": {"S": "bad"}, "g": bad}))
    status, body = raw.call("BatchWriteItem", {"RequestItems": {"batch_gsi": writes}})
    assert (status, error_of(body)[0]) == (400, V), body
    assert scan_all(raw, "batch_gsi") == []
    assert scan_all(raw, "batch_gsi", IndexName="by_g") == []
    table = raw.must("DescribeTable", {"TableName": "batch_gsi"})["Table"]
    assert (table["ItemCount"], table["TableSizeBytes"]) == (0, 0)


def test_batch_write_refused_for_a_bad_lsi_key_writes_none_of_its_items(raw):
    raw.must("CreateTable", {
        "TableName": "batch_lsi", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": STRING_KEY + [{"AttributeName": "sk", "AttributeType": "S"},
                                              {"AttributeName": "l", "AttributeType": "S"}],
        "KeySchema": HASH_KEY + [{"AttributeName": "sk", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{"IndexName": "by_l", "Projection": {"ProjectionType": "ALL"},
                                   "KeySchema": HASH_KEY + [{"AttributeName": "l", "KeyType": "RANGE"}]}]})
    writes = [put({"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"S": "x"}}) for i in range(5)]
    writes.append(put({"pk": {"S": "p"}, "sk": {"S": "bad"}, "l": {"B": "AQ=="}}))
    status, body = raw.call("BatchWriteItem", {"RequestItems": {"batch_lsi": writes}})
    assert (status, error_of(body)[0]) == (400, V), body
    assert scan_all(raw, "batch_lsi") == []


def test_batch_write_refused_in_one_table_writes_nothing_in_the_other(raw):
    gsi_table(raw, "batch_one")
    gsi_table(raw, "batch_two")
    status, body = raw.call("BatchWriteItem", {"RequestItems": {
        "batch_one": [put({"pk": {"S": "a"}, "g": {"S": "x"}})],
        "batch_two": [put({"pk": {"S": "b"}, "g": {"N": "1"}})]}})
    assert (status, error_of(body)[0]) == (400, V), body
    assert scan_all(raw, "batch_one") == [] and scan_all(raw, "batch_two") == []


# ---------------------------------------------------------------------------------------------------------------
# 3. Every write path charges what PutItem charges: one unit per KB for the table and for each index it
#    writes, twice that in a transaction, and the same breakdown with ReturnConsumedCapacity INDEXES.


def charged(consumed):
    """ConsumedCapacity without the optional Read/WriteCapacityUnits members."""
    out = {"TableName": consumed["TableName"], "CapacityUnits": consumed["CapacityUnits"]}
    if "Table" in consumed:
        out["Table"] = consumed["Table"]["CapacityUnits"]
    if "GlobalSecondaryIndexes" in consumed:
        out["GlobalSecondaryIndexes"] = {k: v["CapacityUnits"] for k, v in consumed["GlobalSecondaryIndexes"].items()}
    return out


def expected_charge(units_per_item, items, mode):
    total = 2.0 * units_per_item * items  # the table's write and the index's write
    if mode == "TOTAL":
        return {"TableName": "charged", "CapacityUnits": total}
    return {"TableName": "charged", "CapacityUnits": total, "Table": total / 2,
            "GlobalSecondaryIndexes": {"by_g": total / 2}}


def fresh_writes(path, n, mode):
    """(units per KB, operation, request) writing n new indexed items k0..k{n-1} on one path."""
    items = [{"pk": {"S": f"k{i}"}, "g": {"S": "x"}} for i in range(n)]
    if path == "PutItem":
        return 1, "PutItem", {"TableName": "charged", "Item": items[0], "ReturnConsumedCapacity": mode}
    if path == "UpdateItem":
        return 1, "UpdateItem", {"TableName": "charged", "Key": {"pk": items[0]["pk"]}, "UpdateExpression": "SET g = :g",
                                 "ExpressionAttributeValues": {":g": {"S": "x"}}, "ReturnConsumedCapacity": mode}
    if path == "BatchWriteItem":
        return 1, "BatchWriteItem", {"RequestItems": {"charged": [put(it) for it in items]},
                                     "ReturnConsumedCapacity": mode}
    return 2, "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "charged", "Item": it}} for it in items],
                                     "ReturnConsumedCapacity": mode}


@pytest.mark.service_only  # DynamoDB Local's accounting is its own (TransactWriteItems TOTAL 8 for one item)
@pytest.mark.parametrize("mode", ["TOTAL", "INDEXES"])
@pytest.mark.parametrize("path", ["PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems"])
def test_writes_charge_the_index_they_write_on_every_path(raw, path, mode):
    gsi_table(raw, "charged")
    n = 1 if path in ("PutItem", "UpdateItem") else 3
    units, op, body = fresh_writes(path, n, mode)
    consumed = raw.must(op, body)["ConsumedCapacity"]
    if isinstance(consumed, list):
        assert len(consumed) == 1, consumed
        consumed = consumed[0]
    assert charged(consumed) == expected_charge(units, n, mode), consumed


@pytest.mark.service_only
@pytest.mark.parametrize("mode", ["TOTAL", "INDEXES"])
def test_deleting_an_indexed_item_charges_the_index_as_put_item_does(raw, mode):
    gsi_table(raw, "charged")
    raw.must("PutItem", {"TableName": "charged", "Item": {"pk": {"S": "k0"}, "g": {"S": "x"}}})
    answer = raw.must("DeleteItem", {"TableName": "charged", "Key": {"pk": {"S": "k0"}}, "ReturnConsumedCapacity": mode})
    assert charged(answer["ConsumedCapacity"]) == expected_charge(1, 1, mode)
    raw.must("PutItem", {"TableName": "charged", "Item": {"pk": {"S": "k1"}, "g": {"S": "x"}}})
    answer = raw.must("BatchWriteItem", {"RequestItems": {"charged": [{"DeleteRequest": {"Key": {"pk": {"S": "k1"}}}}]},
                                         "ReturnConsumedCapacity": mode})
    assert charged(answer["ConsumedCapacity"][0]) == expected_charge(1, 1, mode)


# ---------------------------------------------------------------------------------------------------------------
# 4. Statistics survive a crash: DescribeTable's ItemCount and sizes (exact in ddblocal) after kill -9.


def stats(raw, table):
    t = raw.must("DescribeTable", {"TableName": table})["Table"]
    (g,) = t["GlobalSecondaryIndexes"]
    return {"ItemCount": t["ItemCount"], "TableSizeBytes": t["TableSizeBytes"],
            "IndexItemCount": g["ItemCount"], "IndexSizeBytes": g["IndexSizeBytes"]}


def recomputed_stats(raw, table):
    items = scan_all(raw, table)
    indexed = [it for it in items if "g" in it]
    return {"ItemCount": len(items), "TableSizeBytes": sum(map(size_of, items)),
            "IndexItemCount": len(indexed), "IndexSizeBytes": sum(map(size_of, indexed))}


def test_table_and_index_statistics_survive_kill_9(start_server, tmp_path):
    server = start_server("--data-dir", str(tmp_path / "data"))
    raw = Raw(server.endpoint, "AKIDSTATS")
    gsi_table(raw, "counted")
    for i in range(20):
        raw.must("PutItem", {"TableName": "counted", "Item": {"pk": {"S": f"k{i:02}"}, "g": {"S": "x"},
                                                              "v": {"S": "v" * i}}})
    before = stats(raw, "counted")
    assert before == recomputed_stats(raw, "counted")
    assert before["ItemCount"] == 20
    kill9(server)

    server = start_server("--data-dir", str(tmp_path / "data"))
    raw = same_namespace(raw, server.endpoint)
    assert stats(raw, "counted") == before

    # Deletes, overwrites (growing, shrinking, leaving and entering the index) through every writer.
    for i in range(4):
        raw.must("DeleteItem", {"TableName": "counted", "Key": {"pk": {"S": f"k{i:02}"}}})
    raw.must("PutItem", {"TableName": "counted", "Item": {"pk": {"S": "k04"}, "v": {"S": "w" * 50}}})
    raw.must("PutItem", {"TableName": "counted", "Item": {"pk": {"S": "k05"}, "g": {"S": "y"}}})
    raw.must("UpdateItem", {"TableName": "counted", "Key": {"pk": {"S": "k06"}}, "UpdateExpression": "REMOVE g"})
    raw.must("UpdateItem", {"TableName": "counted", "Key": {"pk": {"S": "k07"}},
                            "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "u" * 99}}})
    raw.must("BatchWriteItem", {"RequestItems": {"counted": [
        {"DeleteRequest": {"Key": {"pk": {"S": "k08"}}}},
        put({"pk": {"S": "k09"}, "g": {"S": "z"}, "v": {"S": "short"}}),
        put({"pk": {"S": "new1"}, "g": {"S": "x"}})]}})
    raw.must("TransactWriteItems", {"TransactItems": [
        {"Delete": {"TableName": "counted", "Key": {"pk": {"S": "k10"}}}},
        {"Put": {"TableName": "counted", "Item": {"pk": {"S": "k11"}, "g": {"S": "x"}}}},
        {"Update": {"TableName": "counted", "Key": {"pk": {"S": "new2"}}, "UpdateExpression": "SET g = :g",
                    "ExpressionAttributeValues": {":g": {"S": "q"}}}}]})
    before = stats(raw, "counted")
    assert before == recomputed_stats(raw, "counted")
    kill9(server)

    server = start_server("--data-dir", str(tmp_path / "data"))
    raw = same_namespace(raw, server.endpoint)
    assert stats(raw, "counted") == before
    assert recomputed_stats(raw, "counted") == before


# ---------------------------------------------------------------------------------------------------------------
# 5. An update that only removes attributes from a missing item creates nothing (DynamoDB Local creates an
#    item holding just the key; ScyllaDB's Alternator suite, checked against the service, records this).


def hash_table(raw, name="upd"):
    raw.must("CreateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                             "AttributeDefinitions": STRING_KEY, "KeySchema": HASH_KEY})


REMOVE_ONLY = {
    "remove": {"UpdateExpression": "REMOVE a, b"},
    "delete_from_set": {"UpdateExpression": "DELETE s :v", "ExpressionAttributeValues": {":v": {"SS": ["x"]}}},
    "remove_and_delete": {"UpdateExpression": "REMOVE a DELETE s :v", "ExpressionAttributeValues": {":v": {"NS": ["1"]}}},
    "attribute_updates_delete": {"AttributeUpdates": {"a": {"Action": "DELETE"}}},
}


@pytest.mark.service_only
@pytest.mark.parametrize("return_values", ["NONE", "ALL_NEW", "UPDATED_NEW", "ALL_OLD", "UPDATED_OLD"])
@pytest.mark.parametrize("update", list(REMOVE_ONLY))
def test_update_that_only_removes_creates_no_item(raw, update, return_values):
    hash_table(raw)
    key = {"pk": {"S": "missing"}}
    answer = raw.must("UpdateItem", dict(REMOVE_ONLY[update], TableName="upd", Key=key, ReturnValues=return_values))
    assert "Attributes" not in answer
    assert "Item" not in raw.must("GetItem", {"TableName": "upd", "Key": key, "ConsistentRead": True})
    assert raw.must("DescribeTable", {"TableName": "upd"})["Table"]["ItemCount"] == 0
    assert scan_all(raw, "upd") == []


@pytest.mark.parametrize("update", [
    {"UpdateExpression": "SET b = :v REMOVE a", "ExpressionAttributeValues": {":v": {"S": "1"}}},
    {"UpdateExpression": "ADD n :one DELETE s :v", "ExpressionAttributeValues": {":one": {"N": "1"}, ":v": {"SS": ["x"]}}},
    {"AttributeUpdates": {"b": {"Action": "PUT", "Value": {"S": "1"}}, "a": {"Action": "DELETE"}}},
    {},
], ids=["set_and_remove", "add_and_delete", "attribute_updates_put_and_delete", "no_update_at_all"])
def test_update_that_sets_something_creates_the_item(raw, update):
    hash_table(raw)
    key = {"pk": {"S": "missing"}}
    answer = raw.must("UpdateItem", dict(update, TableName="upd", Key=key, ReturnValues="ALL_NEW"))
    stored = raw.must("GetItem", {"TableName": "upd", "Key": key, "ConsistentRead": True})["Item"]
    assert stored["pk"] == key["pk"]
    assert answer["Attributes"] == stored


# ---------------------------------------------------------------------------------------------------------------
# 6. The catalog loses no change: concurrent UpdateTable, TagResource, UntagResource and writes on one table
#    all land, and a deleted table stays deleted.

# Big tags make the server's read-modify-write of the table definition slow enough for races to show.
def tag_key(owner, i, m):
    return f"t{owner}_{i}_{m}_".ljust(128, "x")


def shortened(tag_keys):
    return sorted(k.rstrip("x") for k in tag_keys)


@pytest.mark.service_only  # DynamoDB Local has no tagging
def test_concurrent_table_updates_tags_and_writes_lose_nothing(raw):
    n = 400
    created = raw.must("CreateTable", {"TableName": "busy", "BillingMode": "PROVISIONED", "AttributeDefinitions": STRING_KEY,
                                       "KeySchema": HASH_KEY,
                                       "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})
    arn = created["TableDescription"]["TableArn"]
    classes = ["STANDARD_INFREQUENT_ACCESS", "STANDARD"]
    streams = [
        [("UpdateTable", {"TableName": "busy", "ProvisionedThroughput": {"ReadCapacityUnits": i,
                                                                       "WriteCapacityUnits": i}})
         for i in range(2, n + 2)],
        [("UpdateTable", {"TableName": "busy", "TableClass": classes[i % 2]}) for i in range(n)],
        [("PutItem", {"TableName": "busy", "Item": {"pk": {"S": f"k{i}"}}}) for i in range(n)],
    ]
    for owner in range(3):  # each tags its next 7 keys, then untags its previous ones: at most 42 tags at once
        stream = []
        for i in range(n):
            stream.append(("TagResource", {"ResourceArn": arn, "Tags": [{"Key": tag_key(owner, i, m), "Value": "v" * 256}
                                                                        for m in range(7)]}))
            if i:
                stream.append(("UntagResource", {"ResourceArn": arn,
                                                 "TagKeys": [tag_key(owner, i - 1, m) for m in range(7)]}))
        streams.append(stream)
    pipelines = [Pipeline(raw, s) for s in streams]
    answers = [p.join() for p in pipelines]

    tags = {t["Key"] for t in raw.must("ListTagsOfResource", {"ResourceArn": arn})["Tags"]}
    want = {tag_key(owner, n - 1, m) for owner in range(3) for m in range(7)}
    assert (shortened(tags - want), shortened(want - tags)) == ([], []), "(tags brought back, tags lost)"
    table = raw.must("DescribeTable", {"TableName": "busy"})["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == n + 1
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == n + 1
    assert table.get("TableClassSummary", {}).get("TableClass", "STANDARD") == classes[(n - 1) % 2]
    assert table["ItemCount"] == n
    refused = [(op, a) for s, ans in zip(streams, answers) for (op, _), a in zip(s, ans) if a[0] != 200]
    assert refused == []


@pytest.mark.service_only  # DynamoDB Local has no tagging
def test_deleted_table_stays_deleted_while_it_is_being_tagged(raw):
    brought_back = []
    for round_ in range(60):
        name = f"doomed{round_}"
        created = raw.must("CreateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                                           "AttributeDefinitions": STRING_KEY, "KeySchema": HASH_KEY})
        arn = created["TableDescription"]["TableArn"]
        taggers = [Pipeline(raw, [("TagResource", {"ResourceArn": arn, "Tags": [
            {"Key": tag_key(owner, 0, m), "Value": "v" * 256} for m in range(16)]})] * 100) for owner in range(3)]
        time.sleep(0.003)
        raw.must("DeleteTable", {"TableName": name})
        for t in taggers:
            for status, body in t.join():
                assert status == 200 or error_of(body)[0] == "ResourceNotFoundException", body
        status, body = raw.call("DescribeTable", {"TableName": name})
        if status == 200:
            brought_back.append(name)
            raw.call("DeleteTable", {"TableName": name})
        else:
            assert error_of(body)[0] == "ResourceNotFoundException"
    assert brought_back == []
    assert not [t for t in raw.must("ListTables", {})["TableNames"] if t.startswith("doomed")]


# ---------------------------------------------------------------------------------------------------------------
# 7. A GSI created on a populated table while items change holds exactly the entries of the items, and
#    DescribeTable counts them exactly.


def load(raw, table, items):
    requests = [("BatchWriteItem", {"RequestItems": {table: [put(it) for it in items[i:i + 25]]}})
                for i in range(0, len(items), 25)]
    for status, body in Pipeline(raw, requests).join():
        assert status == 200 and not body.get("UnprocessedItems"), body


def random_item(rnd, i):
    item = {"pk": {"S": f"k{i:05}"}, "v": {"S": "v" * rnd.randrange(8)}, "w": {"S": "unprojected"}}
    if rnd.random() < 0.8:
        item["g"] = {"S": f"g{rnd.randrange(30)}"}
    return item


def random_write(rnd, table, n):
    i = rnd.randrange(n)
    key = {"pk": {"S": f"k{i:05}"}}
    r = rnd.random()
    if r < 0.45:
        return "PutItem", {"TableName": table, "Item": random_item(rnd, i)}
    if r < 0.75:
        return "UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET g = :g, v = :v",
                              "ExpressionAttributeValues": {":g": {"S": f"g{rnd.randrange(30)}"}, ":v": {"S": "u"}}}
    if r < 0.85:
        return "UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET w = :w REMOVE g",
                              "ExpressionAttributeValues": {":w": {"S": "x"}}}
    if r < 0.95:
        return "DeleteItem", {"TableName": table, "Key": key}
    return "BatchWriteItem", {"RequestItems": {table: [put(random_item(rnd, i)),
                                                       {"DeleteRequest": {"Key": {"pk": {"S": f"k{(i + 1) % n:05}"}}}}]}}


CREATE_BY_G = {"AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
               "GlobalSecondaryIndexUpdates": [{"Create": {
                   "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                   "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}}]}


def assert_index_matches_table(raw, table):
    items = scan_all(raw, table)
    entries = scan_all(raw, table, IndexName="by_g")
    assert sorted(json.dumps(e, sort_keys=True) for e in entries) == index_of(items, "g", {"pk", "g", "v"})
    described = index_description(raw, table, "by_g")
    assert (described["ItemCount"], described["IndexSizeBytes"]) == (len(entries), sum(map(size_of, entries)))


@pytest.mark.service_only  # DynamoDB Local answers InternalFailure to writes while it builds an index
def test_index_built_while_items_change_holds_exactly_their_entries(raw):
    n, rnd = 10000, random.Random(7)
    hash_table(raw, "moving")
    load(raw, "moving", [random_item(rnd, i) for i in range(n)])
    writers = [Pipeline(raw, [random_write(random.Random(seed), "moving", n) for _ in range(1500)], start=False)
               for seed in range(3)]
    raw.must("UpdateTable", dict(CREATE_BY_G, TableName="moving"))
    for w in writers:
        w.start()
    for w in writers:
        for status, body in w.join():
            assert status == 200, body
    wait_until(lambda: index_description(raw, "moving", "by_g")["IndexStatus"] == "ACTIVE", 30, "index ACTIVE")
    assert_index_matches_table(raw, "moving")


# ---------------------------------------------------------------------------------------------------------------
# 8. A GSI whose backfill a crash interrupted is built when the server starts again.


def test_index_left_creating_by_a_crash_is_built_after_restart(start_server, tmp_path):
    server = start_server("--data-dir", str(tmp_path / "data"))
    raw = Raw(server.endpoint, "AKIDRESUME")
    hash_table(raw, "resumed")
    load(raw, "resumed", [random_item(random.Random(3), i) for i in range(20000)])
    raw.must("UpdateTable", dict(CREATE_BY_G, TableName="resumed"))
    kill9(server)  # at once: the backfill of 20000 items is under way

    server = start_server("--data-dir", str(tmp_path / "data"))
    raw = same_namespace(raw, server.endpoint)
    assert index_description(raw, "resumed", "by_g")["IndexStatus"] in ("CREATING", "ACTIVE")
    wait_until(lambda: index_description(raw, "resumed", "by_g")["IndexStatus"] == "ACTIVE", 20,
               "the interrupted index becomes ACTIVE after the restart")
    assert_index_matches_table(raw, "resumed")


# ---------------------------------------------------------------------------------------------------------------
# 1. Null and {} where the request has a structure, a list element or a map value: the service's 400s, never a
#    crash. First the recorded answers, then every path of a valid request of every operation.

NULLS_TABLE = "ground_nulls"
K = {"pk": {"S": "a"}}
ITEM = {"pk": {"S": "a"}, "x": {"L": [{"S": "1"}]}, "m": {"M": {"y": {"N": "1"}}}}
COND = {"ConditionExpression": "attribute_not_exists(#p) OR #p <> :v", "ExpressionAttributeNames": {"#p": "pk"},
        "ExpressionAttributeValues": {":v": {"S": "zz"}}}
NEW_TABLE = {
    "TableName": "ground_new", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                             {"AttributeName": "g", "AttributeType": "S"}],
    "KeySchema": HASH_KEY + [{"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "ALL"}}],
    "LocalSecondaryIndexes": [{"IndexName": "lsi_g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                               "KeySchema": HASH_KEY + [{"AttributeName": "g", "KeyType": "RANGE"}]}]}
NULL_BASES = {
    "BatchWriteItem": {"RequestItems": {NULLS_TABLE: [put(ITEM), {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}}]}},
    "BatchGetItem": {"RequestItems": {NULLS_TABLE: {"Keys": [K], "ProjectionExpression": "#p",
                                                    "ExpressionAttributeNames": {"#p": "pk"}}}},
    "TransactWriteItems": {"TransactItems": [{"Put": dict(COND, TableName=NULLS_TABLE, Item=ITEM)}]},
    "TransactGetItems": {"TransactItems": [{"Get": {"TableName": NULLS_TABLE, "Key": K, "ProjectionExpression": "#p",
                                                    "ExpressionAttributeNames": {"#p": "pk"}}}]},
    "CreateTable": NEW_TABLE,
    "PutItem": dict(COND, TableName=NULLS_TABLE, Item=ITEM),
    "PutItem/Expected": {"TableName": NULLS_TABLE, "Item": ITEM, "Expected": {"x": {"Exists": False}}},
    "GetItem": {"TableName": NULLS_TABLE, "Key": K, "ProjectionExpression": "#p", "ExpressionAttributeNames": {"#p": "pk"}},
    "UpdateItem": dict(COND, TableName=NULLS_TABLE, Key=K, UpdateExpression="SET y = :v"),
    "UpdateItem/AttributeUpdates": {"TableName": NULLS_TABLE, "Key": K,
                                    "AttributeUpdates": {"y": {"Action": "PUT", "Value": {"S": "1"}}}},
    "DeleteItem": dict(COND, TableName=NULLS_TABLE, Key=K),
    "Query": {"TableName": NULLS_TABLE, "KeyConditionExpression": "#p = :v", "ExpressionAttributeNames": {"#p": "pk"},
              "ExpressionAttributeValues": {":v": {"S": "a"}}, "ExclusiveStartKey": K},
    "Query/KeyConditions": {"TableName": NULLS_TABLE, "KeyConditions": {
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}},
    "Scan": {"TableName": NULLS_TABLE, "ScanFilter": {"x": {"ComparisonOperator": "NOT_NULL"}},
             "AttributesToGet": ["pk"], "ExclusiveStartKey": K},
    "UpdateTable": {"TableName": NULLS_TABLE, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "no_such_index"}}]},
    "UpdateTable/Create": {"TableName": NULLS_TABLE, "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
                           "GlobalSecondaryIndexUpdates": [{"Create": {
                               "IndexName": "gsi_new", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                               "Projection": {"ProjectionType": "ALL"}}}]},
}

NULL_AV = "The supplied Item contains a null AttributeValue"
EMPTY_AV = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MULTI_AV = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
STRUCTURE = "Start of structure or map found where not expected"
KEY_SCHEMA = "The provided key element does not match the schema"
MISSING_PK = "One or more parameter values were invalid: Missing the key pk in the item"
ELEMENT = "Key schema element is invalid."


def not_null(*paths):
    n = len(paths)
    listed = "; ".join(f"Value null at '{p}' failed to satisfy constraint: Member must not be null" for p in paths)
    return f"{n} validation error{'s' if n > 1 else ''} detected: {listed}"


# Why an expected answer is not DynamoDB Local's (those cases are service_only):
INTERNAL = "DynamoDB Local answers 500 InternalFailure; the service refuses the request"
JAVA = "DynamoDB Local's message is a Java NullPointerException's text"
LIST = "the service checks required members with its constraint list (as the corpus suites record)"
WORDING = "DynamoDB Local's own wording (the corpus suites record the service's)"
TYPE = "a JSON object where the model has a string or a list is the service's SerializationException"
ITEMS_OF = f"requestItems.{NULLS_TABLE}.member"
T, N = NULLS_TABLE, "no_such_table"

# (request, path, value, status, __type, message or None for any, why it differs from DynamoDB Local or None)
NULL_CASES = [
    ("BatchWriteItem", ("RequestItems", T), None, 400, V,
     f"The batch write request list for a table cannot be null or empty: {T}", None),
    ("BatchWriteItem", ("RequestItems", N), None, 400, V,
     f"The batch write request list for a table cannot be null or empty: {N}", None),
    ("BatchWriteItem", ("RequestItems", T), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("BatchWriteItem", ("RequestItems", N), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("BatchWriteItem", ("RequestItems", T, 0), None, 400, V,
     "The batch write request list for a table cannot be null or empty", None),
    ("BatchWriteItem", ("RequestItems", T, 0), {}, 400, V, MULTI_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest"), None, 400, V, MULTI_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest"), {}, 400, V,
     not_null(f"{ITEMS_OF}.1.member.putRequest.item"), LIST),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item"), None, 400, V,
     not_null(f"{ITEMS_OF}.1.member.putRequest.item"), LIST),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item"), {}, 400, V, MISSING_PK, WORDING),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "pk"), {}, 400, V, EMPTY_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "x"), None, 400, V, NULL_AV + ": x is null", None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "x"), {}, 400, V, EMPTY_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "x", "L", 0), None, 400, V, NULL_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 0, "PutRequest", "Item", "x", "L", 0), {}, 400, V, EMPTY_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest"), None, 400, V, MULTI_AV, None),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest"), {}, 400, V,
     not_null(f"{ITEMS_OF}.2.member.deleteRequest.key"), LIST),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest", "Key"), None, 400, V,
     not_null(f"{ITEMS_OF}.2.member.deleteRequest.key"), LIST),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest", "Key"), {}, 400, V, KEY_SCHEMA, WORDING),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest", "Key", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("BatchWriteItem", ("RequestItems", T, 1, "DeleteRequest", "Key", "pk"), {}, 400, V, EMPTY_AV, None),

    ("BatchGetItem", ("RequestItems", T), None, 400, V,
     f"The list of keys in RequestItems for BatchGetItem is required: {T} has empty list", None),
    ("BatchGetItem", ("RequestItems", N), None, 400, V,
     f"The list of keys in RequestItems for BatchGetItem is required: {N} has empty list", None),
    ("BatchGetItem", ("RequestItems", T), {}, 400, V, not_null(f"{ITEMS_OF}.keys"), LIST),
    ("BatchGetItem", ("RequestItems", N), {}, 400, V, not_null(f"requestItems.{N}.member.keys"), LIST),
    ("BatchGetItem", ("RequestItems", T, "Keys"), None, 400, V, not_null(f"{ITEMS_OF}.keys"), LIST),
    ("BatchGetItem", ("RequestItems", T, "Keys"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("BatchGetItem", ("RequestItems", T, "Keys", 0), None, 400, V, "The list of keys in RequestItems for BatchGetItem "
     f"may not contain null or empty values: {T} has one or more empty keys", None),
    ("BatchGetItem", ("RequestItems", T, "Keys", 0), {}, 400, V, KEY_SCHEMA, WORDING),
    ("BatchGetItem", ("RequestItems", T, "Keys", 0, "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("BatchGetItem", ("RequestItems", T, "Keys", 0, "pk"), {}, 400, V, EMPTY_AV, None),
    ("BatchGetItem", ("RequestItems", T, "ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("BatchGetItem", ("RequestItems", T, "ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),

    ("TransactWriteItems", ("TransactItems", 0), None, 400, V, None, INTERNAL),
    ("TransactWriteItems", ("TransactItems", 0), {}, 400, V,
     "TransactItems can only contain one of Check, Put, Update or Delete", WORDING),
    ("TransactWriteItems", ("TransactItems", 0, "Put"), None, 400, V,
     "TransactItems can only contain one of Check, Put, Update or Delete", WORDING),
    ("TransactWriteItems", ("TransactItems", 0, "Put"), {}, 400, V,
     not_null("transactItems.1.member.put.item", "transactItems.1.member.put.tableName"), LIST),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item"), None, 400, V,
     not_null("transactItems.1.member.put.item"), "DynamoDB Local leaves out '1 validation error detected: '"),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item"), {}, 400, V, MISSING_PK, WORDING),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item", "pk"), {}, 400, V, EMPTY_AV, None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item", "x"), None, 400, V, NULL_AV + ": x is null", None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "Item", "x"), {}, 400, V, EMPTY_AV, None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "ExpressionAttributeValues", ":v"), None, 400, V,
     "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v", None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "ExpressionAttributeValues", ":v"), {}, 400, V,
     f"ExpressionAttributeValues contains invalid value: {EMPTY_AV} for key :v", None),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("TransactWriteItems", ("TransactItems", 0, "Put", "ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE,
     INTERNAL + "; " + TYPE),

    ("TransactGetItems", ("TransactItems", 0), None, 400, V, None,
     "DynamoDB Local reports the path 'transactItems' for [null], [{}] and [{Get: null}] alike"),
    ("TransactGetItems", ("TransactItems", 0), {}, 400, V, not_null("transactItems.1.member.get"), LIST),
    ("TransactGetItems", ("TransactItems", 0, "Get"), None, 400, V, not_null("transactItems.1.member.get"), LIST),
    ("TransactGetItems", ("TransactItems", 0, "Get"), {}, 400, V,
     not_null("transactItems.1.member.get.key", "transactItems.1.member.get.tableName"), LIST),
    ("TransactGetItems", ("TransactItems", 0, "Get", "Key"), None, 400, V, not_null("transactItems.1.member.get.key"),
     LIST),
    ("TransactGetItems", ("TransactItems", 0, "Get", "Key"), {}, 400, V, KEY_SCHEMA,
     "DynamoDB Local answers TransactionCanceledException: The number of conditions on the keys is invalid"),
    ("TransactGetItems", ("TransactItems", 0, "Get", "Key", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("TransactGetItems", ("TransactItems", 0, "Get", "Key", "pk"), {}, 400, V, EMPTY_AV, None),
    ("TransactGetItems", ("TransactItems", 0, "Get", "ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("TransactGetItems", ("TransactItems", 0, "Get", "ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE,
     INTERNAL + "; " + TYPE),

    ("CreateTable", ("AttributeDefinitions", 0), None, 400, V, None, INTERNAL),
    ("CreateTable", ("AttributeDefinitions", 0), {}, 400, V,
     not_null("attributeDefinitions.1.member.attributeName", "attributeDefinitions.1.member.attributeType"), LIST),
    ("CreateTable", ("KeySchema", 0), None, 400, V, ELEMENT, None),
    ("CreateTable", ("KeySchema", 0), {}, 400, V,
     not_null("keySchema.1.member.attributeName", "keySchema.1.member.keyType"), LIST),
    ("CreateTable", ("GlobalSecondaryIndexes", 0), None, 400, V, None, INTERNAL),
    ("CreateTable", ("GlobalSecondaryIndexes", 0), {}, 400, V,
     not_null("globalSecondaryIndexes.1.member.indexName", "globalSecondaryIndexes.1.member.keySchema",
              "globalSecondaryIndexes.1.member.projection"), LIST),
    ("CreateTable", ("GlobalSecondaryIndexes", 0, "KeySchema", 0), None, 400, V, ELEMENT, None),
    ("CreateTable", ("GlobalSecondaryIndexes", 0, "KeySchema", 0), {}, 400, V,
     not_null("globalSecondaryIndexes.1.member.keySchema.1.member.attributeName",
              "globalSecondaryIndexes.1.member.keySchema.1.member.keyType"), LIST),
    ("CreateTable", ("GlobalSecondaryIndexes", 0, "Projection"), None, 400, V,
     not_null("globalSecondaryIndexes.1.member.projection"), LIST),
    ("CreateTable", ("LocalSecondaryIndexes", 0), None, 400, V, None, INTERNAL),
    ("CreateTable", ("LocalSecondaryIndexes", 0), {}, 400, V,
     not_null("localSecondaryIndexes.1.member.indexName", "localSecondaryIndexes.1.member.keySchema",
              "localSecondaryIndexes.1.member.projection"), LIST),
    ("CreateTable", ("LocalSecondaryIndexes", 0, "KeySchema", 0), None, 400, V, ELEMENT, None),
    ("CreateTable", ("LocalSecondaryIndexes", 0, "KeySchema", 0), {}, 400, V,
     not_null("localSecondaryIndexes.1.member.keySchema.1.member.attributeName",
              "localSecondaryIndexes.1.member.keySchema.1.member.keyType"), LIST),

    ("PutItem", ("Item",), None, 400, V, not_null("item"), LIST),
    ("PutItem", ("Item",), {}, 400, V, MISSING_PK, WORDING),
    ("PutItem", ("Item", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("PutItem", ("Item", "pk"), {}, 400, V, EMPTY_AV, None),
    ("PutItem", ("Item", "x"), None, 400, V, NULL_AV + ": x is null", None),
    ("PutItem", ("Item", "x"), {}, 400, V, EMPTY_AV, None),
    ("PutItem", ("Item", "x", "L", 0), None, 400, V, NULL_AV, None),
    ("PutItem", ("Item", "x", "L", 0), {}, 400, V, EMPTY_AV, None),
    ("PutItem", ("Item", "m", "M", "y"), None, 400, V, NULL_AV + ": y is null", None),
    ("PutItem", ("Item", "m", "M", "y"), {}, 400, V, EMPTY_AV, None),
    ("PutItem", ("ExpressionAttributeValues", ":v"), None, 400, V,
     "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v", None),
    ("PutItem", ("ExpressionAttributeValues", ":v"), {}, 400, V,
     f"ExpressionAttributeValues contains invalid value: {EMPTY_AV} for key :v", None),
    ("PutItem", ("ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("PutItem", ("ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("PutItem/Expected", ("Expected", "x"), None, 400, V,
     "One or more parameter values were invalid: ExpectedAttributeValue must not be null for Attribute: x", None),
    ("PutItem/Expected", ("Expected", "x"), {}, 400, V,
     "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: x", None),

    ("GetItem", ("Key",), None, 400, V, not_null("key"), LIST),
    ("GetItem", ("Key",), {}, 400, V, KEY_SCHEMA, WORDING),
    ("GetItem", ("Key", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("GetItem", ("Key", "pk"), {}, 400, V, EMPTY_AV, None),
    ("GetItem", ("ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("GetItem", ("ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),

    ("UpdateItem", ("Key", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("UpdateItem", ("Key", "pk"), {}, 400, V, EMPTY_AV, None),
    ("UpdateItem", ("ExpressionAttributeValues", ":v"), None, 400, V,
     "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v", None),
    ("UpdateItem", ("ExpressionAttributeValues", ":v"), {}, 400, V,
     f"ExpressionAttributeValues contains invalid value: {EMPTY_AV} for key :v", None),
    ("UpdateItem", ("ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("UpdateItem", ("ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("UpdateItem/AttributeUpdates", ("AttributeUpdates", "y"), None, 400, V, None, INTERNAL),
    ("UpdateItem/AttributeUpdates", ("AttributeUpdates", "y"), {}, 400, V,
     "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified", None),
    ("UpdateItem/AttributeUpdates", ("AttributeUpdates", "y", "Value"), None, 400, V,
     "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified", None),
    ("UpdateItem/AttributeUpdates", ("AttributeUpdates", "y", "Value"), {}, 400, V, EMPTY_AV, None),

    ("DeleteItem", ("Key", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("DeleteItem", ("Key", "pk"), {}, 400, V, EMPTY_AV, None),
    ("DeleteItem", ("ExpressionAttributeValues", ":v"), None, 400, V,
     "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v", None),
    ("DeleteItem", ("ExpressionAttributeValues", ":v"), {}, 400, V,
     f"ExpressionAttributeValues contains invalid value: {EMPTY_AV} for key :v", None),

    ("Query", ("ExpressionAttributeValues", ":v"), None, 400, V,
     "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v", None),
    ("Query", ("ExpressionAttributeValues", ":v"), {}, 400, V,
     f"ExpressionAttributeValues contains invalid value: {EMPTY_AV} for key :v", None),
    ("Query", ("ExpressionAttributeNames", "#p"), None, 400, V, None, JAVA),
    ("Query", ("ExpressionAttributeNames", "#p"), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("Query", ("ExclusiveStartKey", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("Query", ("ExclusiveStartKey", "pk"), {}, 400, V, EMPTY_AV, None),
    ("Query/KeyConditions", ("KeyConditions", "pk"), None, 400, V,
     "The filter condition for an attribute cannot be null: pk", None),
    ("Query/KeyConditions", ("KeyConditions", "pk"), {}, 400, V,
     not_null("keyConditions.pk.member.comparisonOperator"), LIST),
    ("Query/KeyConditions", ("KeyConditions", "pk", "AttributeValueList", 0), None, 400, V, NULL_AV, None),
    ("Query/KeyConditions", ("KeyConditions", "pk", "AttributeValueList", 0), {}, 400, V, EMPTY_AV, None),

    ("Scan", ("ScanFilter", "x"), None, 400, V, "The filter condition for an attribute cannot be null: x", None),
    ("Scan", ("ScanFilter", "x"), {}, 400, V, not_null("scanFilter.x.member.comparisonOperator"), LIST),
    ("Scan", ("AttributesToGet", 0), None, 400, V, "Empty attribute name", None),
    ("Scan", ("AttributesToGet", 0), {}, 400, S, STRUCTURE, INTERNAL + "; " + TYPE),
    ("Scan", ("ExclusiveStartKey", "pk"), None, 400, V, NULL_AV + ": pk is null", None),
    ("Scan", ("ExclusiveStartKey", "pk"), {}, 400, V, EMPTY_AV, None),

    ("UpdateTable", ("GlobalSecondaryIndexUpdates", 0), None, 400, V, None, INTERNAL),
    ("UpdateTable", ("GlobalSecondaryIndexUpdates", 0), {}, 400, V,
     "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete "
     "must not be null", "ddblocal's wording; DynamoDB Local: Update global secondary index action is null"),
    ("UpdateTable", ("GlobalSecondaryIndexUpdates", 0, "Delete"), None, 400, V,
     "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete "
     "must not be null", "ddblocal's wording; DynamoDB Local: Update global secondary index action is null"),
    ("UpdateTable", ("GlobalSecondaryIndexUpdates", 0, "Delete"), {}, 400, V,
     not_null("globalSecondaryIndexUpdates.1.member.delete.indexName"), LIST),
    ("UpdateTable/Create", ("AttributeDefinitions", 0), None, 400, V, None, INTERNAL),
    ("UpdateTable/Create", ("AttributeDefinitions", 0), {}, 400, V,
     not_null("attributeDefinitions.1.member.attributeName", "attributeDefinitions.1.member.attributeType"), LIST),
    ("UpdateTable/Create", ("GlobalSecondaryIndexUpdates", 0, "Create", "KeySchema", 0), None, 400, V, ELEMENT, None),
    ("UpdateTable/Create", ("GlobalSecondaryIndexUpdates", 0, "Create", "KeySchema", 0), {}, 400, V,
     not_null("globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.attributeName",
              "globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.keyType"), LIST),
]


def replaced(body, path, value):
    """A copy of body with the value at path (keys and list indexes) replaced; an empty path is the body."""
    if not path:
        return value
    body = copy.deepcopy(body)
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return body


def null_case_param(case):
    base, path, value, status, type_, message, why = case
    case_id = f"{base}:{'.'.join(map(str, path))}={json.dumps(value)}"
    return pytest.param(case, id=case_id, marks=[pytest.mark.service_only] if why else [])


@pytest.fixture(scope="module")
def nulls(endpoint):
    r = Raw(endpoint, "AKIDNULLS")
    r.must("CreateTable", {"TableName": NULLS_TABLE, "BillingMode": "PAY_PER_REQUEST",
                           "AttributeDefinitions": STRING_KEY, "KeySchema": HASH_KEY})
    return r


@pytest.mark.parametrize("case", [null_case_param(c) for c in NULL_CASES])
def test_null_or_empty_object_inside_a_request_is_refused_as_dynamodb_does(nulls, case):
    base, path, value, status, type_, message, why = case
    got_status, body = nulls.call(base.split("/")[0], replaced(NULL_BASES[base], path, value))
    if got_status == 200 and base == "CreateTable":
        nulls.call("DeleteTable", {"TableName": NEW_TABLE["TableName"]})
    got_type, got_message = error_of(body or {})
    assert (got_status, got_type) == (status, type_), body
    if message is not None:
        assert got_message == message


# Every operation, with a valid request touching most of its members (every AttributeValue type included).
FUZZ_TABLE, FUZZ_UPDATED, FUZZ_DELETED = "fuzz_items", "fuzz_updated", "fuzz_deleted"
FK = {"pk": {"S": "p1"}, "sk": {"N": "1"}}
FK2 = {"pk": {"S": "p1"}, "sk": {"N": "2"}}
EVERY_TYPE = {
    "s": {"S": "text"}, "n": {"N": "1.5"}, "b": {"B": "AQID"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
    "bs": {"BS": ["AQ==", "Ag=="]}, "m": {"M": {"a": {"S": "x"}, "l": {"L": [{"N": "1"}, {"BOOL": True}]}}},
    "l": {"L": [{"S": "x"}, {"M": {"y": {"NULL": True}}}, {"SS": ["c"]}]}, "nul": {"NULL": True}, "bool": {"BOOL": False},
}
FUZZ_ITEM = dict(FK, g={"S": "g1"}, lk={"S": "l1"}, **EVERY_TYPE)
EAN = {"#s": "s", "#m": "m", "#a": "a"}


def fuzz_bases(arn):
    """(operation, valid request) pairs, in an order where no request undoes what a later one needs."""
    return [
        ("ListTables", {"ExclusiveStartTableName": "aaa", "Limit": 10}),
        ("DescribeTable", {"TableName": FUZZ_TABLE}),
        ("DescribeLimits", {}),
        ("DescribeEndpoints", {}),
        ("ListTagsOfResource", {"ResourceArn": arn}),
        ("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": ""}]}),
        ("UntagResource", {"ResourceArn": arn, "TagKeys": ["k", "k3"]}),
        ("PutItem", {"TableName": FUZZ_TABLE, "Item": FUZZ_ITEM,
                     "ConditionExpression": "attribute_not_exists(#m.#a) OR (#s <> :s AND size(ss) < :n)",
                     "ExpressionAttributeNames": EAN, "ExpressionAttributeValues": {":s": {"S": "z"}, ":n": {"N": "9"}},
                     "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "INDEXES",
                     "ReturnItemCollectionMetrics": "SIZE", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("PutItem", {"TableName": FUZZ_TABLE, "Item": dict(FK2, s={"S": "v"}, ss={"SS": ["a"]}),
                     "Expected": {"s": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "zz"}]},
                                  "zz": {"Exists": False}, "ss": {"Value": {"SS": ["a"]}, "Exists": True}},
                     "ConditionalOperator": "OR"}),
        ("GetItem", {"TableName": FUZZ_TABLE, "Key": FK, "ProjectionExpression": "#m.#a, l[1].y, #s, ss",
                     "ExpressionAttributeNames": EAN, "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"}),
        ("GetItem", {"TableName": FUZZ_TABLE, "Key": FK, "AttributesToGet": ["s", "n"]}),
        ("UpdateItem", {"TableName": FUZZ_TABLE, "Key": FK,
                        "UpdateExpression": "SET #s = :s, #m.#a = if_not_exists(#m.#a, :s), l2 = list_append(:l, :l) "
                                            "REMOVE nul ADD ns :ns, cnt :one DELETE bs :bs",
                        "ConditionExpression": "attribute_exists(pk) AND (begins_with(#s, :t) OR contains(ss, :t))",
                        "ExpressionAttributeNames": EAN,
                        "ExpressionAttributeValues": dict({":s": {"S": "text"}, ":t": {"S": "t"}, ":one": {"N": "1"},
                                                           ":ns": {"NS": ["3"]}, ":bs": {"BS": ["AQ=="]},
                                                           ":l": {"L": [{"M": {"q": {"B": "AQ=="}}}]}}),
                        "ReturnValues": "UPDATED_NEW", "ReturnConsumedCapacity": "INDEXES",
                        "ReturnItemCollectionMetrics": "SIZE", "ReturnValuesOnConditionCheckFailure": "NONE"}),
        ("UpdateItem", {"TableName": FUZZ_TABLE, "Key": FK2,
                        "AttributeUpdates": {"s": {"Action": "PUT", "Value": {"S": "v"}},
                                             "c": {"Action": "ADD", "Value": {"N": "1"}},
                                             "ss": {"Action": "DELETE", "Value": {"SS": ["q"]}}, "x": {"Action": "DELETE"}},
                        "Expected": {"zz": {"Exists": False}}, "ReturnValues": "ALL_NEW"}),
        ("DeleteItem", {"TableName": FUZZ_TABLE, "Key": {"pk": {"S": "gone"}, "sk": {"N": "0"}},
                        "ConditionExpression": "attribute_not_exists(pk) OR #s IN (:s, :t)", "ExpressionAttributeNames": {"#s": "s"},
                        "ExpressionAttributeValues": {":s": {"S": "a"}, ":t": {"NULL": True}}, "ReturnValues": "ALL_OLD",
                        "ReturnConsumedCapacity": "TOTAL", "ReturnItemCollectionMetrics": "SIZE"}),
        ("DeleteItem", {"TableName": FUZZ_TABLE, "Key": {"pk": {"S": "gone"}, "sk": {"N": "0"}},
                        "Expected": {"s": {"ComparisonOperator": "NULL"}}}),
        ("BatchGetItem", {"RequestItems": {
            FUZZ_TABLE: {"Keys": [FK, FK2], "ProjectionExpression": "#s, sk", "ExpressionAttributeNames": {"#s": "s"},
                         "ConsistentRead": True},
            FUZZ_UPDATED: {"Keys": [{"pk": {"S": "a"}}], "ProjectionExpression": "pk, h"}},
            "ReturnConsumedCapacity": "TOTAL"}),
        ("BatchWriteItem", {"RequestItems": {
            FUZZ_TABLE: [put(dict(FUZZ_ITEM, sk={"N": "3"})), {"DeleteRequest": {"Key": {"pk": {"S": "gone"}, "sk": {"N": "0"}}}}],
            FUZZ_UPDATED: [put({"pk": {"S": "a"}, "h": {"S": "h"}})]},
            "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}),
        ("Query", {"TableName": FUZZ_TABLE, "IndexName": "by_lk", "KeyConditionExpression": "pk = :p AND begins_with(lk, :l)",
                   "FilterExpression": "attribute_type(#s, :type) AND NOT #s = :s", "ProjectionExpression": "pk, sk, lk, #s",
                   "ExpressionAttributeNames": {"#s": "s"}, "ExpressionAttributeValues": {
                       ":p": {"S": "p1"}, ":l": {"S": "l"}, ":type": {"S": "S"}, ":s": {"S": "zz"}},
                   "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"N": "0"}, "lk": {"S": "l0"}}, "Limit": 5,
                   "ScanIndexForward": False, "Select": "SPECIFIC_ATTRIBUTES", "ConsistentRead": True,
                   "ReturnConsumedCapacity": "INDEXES"}),
        ("Query", {"TableName": FUZZ_TABLE, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
            "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "0"}, {"N": "9"}]}},
            "QueryFilter": {"s": {"ComparisonOperator": "NOT_NULL"},
                            "n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1.5"}, {"N": "2"}]}},
            "ConditionalOperator": "OR", "AttributesToGet": ["pk", "s"], "Select": "SPECIFIC_ATTRIBUTES"}),
        ("Scan", {"TableName": FUZZ_TABLE, "IndexName": "by_g", "FilterExpression": "#s BETWEEN :a AND :b OR size(l) > :n",
                  "ProjectionExpression": "pk, sk, #s, l[0]", "ExpressionAttributeNames": {"#s": "s"},
                  "ExpressionAttributeValues": {":a": {"S": "a"}, ":b": {"S": "z"}, ":n": {"N": "0"}},
                  "Segment": 1, "TotalSegments": 2, "Limit": 10, "ReturnConsumedCapacity": "TOTAL"}),
        ("Scan", {"TableName": FUZZ_TABLE, "ScanFilter": {
            "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "t"}]},
            "ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "a"}]}},
            "ConditionalOperator": "AND", "AttributesToGet": ["pk", "sk"], "ExclusiveStartKey": FK, "Select": "SPECIFIC_ATTRIBUTES"}),
        ("TransactWriteItems", {"TransactItems": [
            {"ConditionCheck": {"TableName": FUZZ_TABLE, "Key": FK, "ConditionExpression": "attribute_exists(#s)",
                                "ExpressionAttributeNames": {"#s": "s"}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Put": {"TableName": FUZZ_TABLE, "Item": dict(FUZZ_ITEM, sk={"N": "4"}), "ConditionExpression": "#s <> :s",
                     "ExpressionAttributeNames": {"#s": "s"}, "ExpressionAttributeValues": {":s": {"BS": ["AQ=="]}}}},
            {"Update": {"TableName": FUZZ_TABLE, "Key": {"pk": {"S": "p1"}, "sk": {"N": "5"}},
                        "UpdateExpression": "SET a = :a ADD c :one", "ExpressionAttributeValues": {
                            ":a": {"M": {"k": {"L": [{"NS": ["1"]}]}}}, ":one": {"N": "1"}}}},
            {"Delete": {"TableName": FUZZ_UPDATED, "Key": {"pk": {"S": "b"}}, "ConditionExpression": "attribute_not_exists(x)"}}],
            "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}),
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": FUZZ_UPDATED, "Item": {"pk": {"S": "t"}}}}],
                                "ClientRequestToken": "ground-token"}),
        ("TransactGetItems", {"TransactItems": [
            {"Get": {"TableName": FUZZ_TABLE, "Key": FK, "ProjectionExpression": "#s, m.l[1]",
                     "ExpressionAttributeNames": {"#s": "s"}}},
            {"Get": {"TableName": FUZZ_UPDATED, "Key": {"pk": {"S": "a"}}}}], "ReturnConsumedCapacity": "TOTAL"}),
        ("CreateTable", {"TableName": "fuzz_new", "BillingMode": "PROVISIONED",
                         "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "N"},
                                                  {"AttributeName": "g", "AttributeType": "B"}],
                         "KeySchema": HASH_KEY + [{"AttributeName": "sk", "KeyType": "RANGE"}],
                         "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                     "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]},
                                                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
                         "LocalSecondaryIndexes": [{"IndexName": "by_g_local", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                                    "KeySchema": HASH_KEY + [{"AttributeName": "g", "KeyType": "RANGE"}]}],
                         "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                         "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/k"},
                         "TableClass": "STANDARD", "Tags": [{"Key": "k", "Value": "v"}]}),
        ("UpdateTable", {"TableName": FUZZ_UPDATED, "BillingMode": "PROVISIONED",
                         "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 7},
                         "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "by_h", "ProvisionedThroughput": {
                             "ReadCapacityUnits": 7, "WriteCapacityUnits": 7}}}]}),
        ("UpdateTable", {"TableName": FUZZ_UPDATED, "TableClass": "STANDARD_INFREQUENT_ACCESS",
                         "SSESpecification": {"Enabled": True, "SSEType": "KMS"}}),
        ("UpdateTable", {"TableName": FUZZ_UPDATED, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_h"}}]}),
        ("UpdateTable", {"TableName": FUZZ_UPDATED, "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "N"}],
                         "GlobalSecondaryIndexUpdates": [{"Create": {
                             "IndexName": "by_k", "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["h"]},
                             "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}),
        ("DeleteTable", {"TableName": FUZZ_DELETED}),
    ]


def every_path(value, path=()):
    """The path of value itself, then of every member, list element and map value below it."""
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from every_path(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from every_path(v, path + (i,))


REPLACEMENTS = [None, {}, [], "", 0, True]


@pytest.fixture(scope="module")
def fuzz(endpoint):
    r = Raw(endpoint, "AKIDFUZZ")
    r.must("CreateTable", {
        "TableName": FUZZ_TABLE, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                 {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "lk", "AttributeType": "S"}],
        "KeySchema": HASH_KEY + [{"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                                    "Projection": {"ProjectionType": "ALL"}}],
        "LocalSecondaryIndexes": [{"IndexName": "by_lk", "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["s"]},
                                   "KeySchema": HASH_KEY + [{"AttributeName": "lk", "KeyType": "RANGE"}]}]})
    arn = r.must("CreateTable", {
        "TableName": FUZZ_UPDATED, "BillingMode": "PROVISIONED", "AttributeDefinitions": STRING_KEY + [
            {"AttributeName": "h", "AttributeType": "S"}], "KeySchema": HASH_KEY,
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        "GlobalSecondaryIndexes": [{"IndexName": "by_h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}]})
    r.must("CreateTable", {"TableName": FUZZ_DELETED, "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": STRING_KEY,
                           "KeySchema": HASH_KEY})
    r.must("PutItem", {"TableName": FUZZ_TABLE, "Item": FUZZ_ITEM})
    r.must("PutItem", {"TableName": FUZZ_TABLE, "Item": dict(FK2, s={"S": "v"}, ss={"SS": ["a"]})})
    return r, arn["TableDescription"]["TableArn"]


@pytest.mark.service_only  # DynamoDB Local answers 500 InternalFailure to many of these
def test_any_json_value_anywhere_in_a_request_is_answered_without_a_server_error(fuzz, endpoint):
    raw, arn = fuzz
    failures, sent = [], 0
    for op, body in fuzz_bases(arn):
        if op != "DeleteTable":  # each request is valid as it stands (DeleteTable's is checked last)
            check_valid(raw, op, body)
        for path in every_path(body):
            for value in REPLACEMENTS:
                request = replaced(body, path, value)
                sent += 1
                try:
                    status, answer = raw.call(op, request)
                except (OSError, http.client.HTTPException, ValueError) as e:
                    raw.conn.close()
                    failures.append((op, path, value, repr(e)))
                    if health(endpoint) != 200:
                        pytest.fail(f"the server died on {op} with {json.dumps(value)} at {path}: {failures}")
                    continue
                if status >= 500 or not isinstance(answer, dict) or (status >= 400 and "__type" not in answer):
                    failures.append((op, path, value, status, answer))
                if status == 200 and op == "CreateTable":
                    raw.call("DeleteTable", {"TableName": body["TableName"]})
    assert failures == []
    assert sent > 2000
    assert health(endpoint) == 200
    check_valid(raw, "DeleteTable", {"TableName": FUZZ_DELETED})


def check_valid(raw, op, body):
    deadline = time.time() + 10
    while True:
        status, answer = raw.call(op, body)
        # An index that an earlier UpdateTable creates or deletes may still be on its way.
        if status == 200 or error_of(answer)[0] not in ("LimitExceededException", "ResourceInUseException"):
            break
        assert time.time() < deadline, (op, body, answer)
        time.sleep(0.05)
    assert status == 200, (op, body, answer)
    if op == "CreateTable":
        raw.must("DeleteTable", {"TableName": body["TableName"]})


# ---------------------------------------------------------------------------------------------------------------
# Found by fuzz_requests: a number beyond the range of a long in an integer member (a plain conversion of 1e30
# is undefined behaviour) is a constraint violation like any other out-of-range value. (DynamoDB Local answers
# 500 InternalFailure for any Limit beyond an int.)

@pytest.mark.service_only
@pytest.mark.parametrize("limit,constraint", [(1e30, "less than or equal to 100"), (-1e30, "greater than or equal to 1")])
def test_an_integer_member_far_out_of_range_is_a_constraint_violation(raw, limit, constraint):
    status, body = raw.call("ListTables", {"Limit": limit})
    assert status == 400, body
    assert body["__type"].endswith("#ValidationException")
    message = body.get("message") or body.get("Message")
    assert "at 'limit' failed to satisfy constraint: Member must have value " + constraint in message


@pytest.mark.parametrize("names", [[""], ["a", ""]], ids=["empty", "empty_after_a_name"])
def test_an_empty_name_in_attributes_to_get_is_refused(raw, names):
    hash_table(raw)
    status, body = raw.call("GetItem", {"TableName": "upd", "Key": {"pk": {"S": "x"}}, "AttributesToGet": names})
    assert status == 400, body
    assert (body.get("message") or body.get("Message")) == "Empty attribute name"
