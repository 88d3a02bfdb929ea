"""Crash test of DynamoDB Streams: kill -9 ddblocal while writers are mid-flight, restart, and check the stream.

A stream record is written in the same RocksDB WriteBatch as the change it describes, so across any crash there
must be no change without its record and no record without its change. Per round (seeded):

- ddblocal on a fresh --data-dir with --shard-max-records 50 (shards roll over during the run); table `t1`
  (hash+range key, a GSI on `g`, stream NEW_AND_OLD_IMAGES, TTL on `exp` in some rounds) and table `t2` (hash
  key, stream KEYS_ONLY);
- one or two cycles of: 4 writer threads (each with its own client, no retries) doing a random mix of PutItem,
  UpdateItem (SET ... ADD c), DeleteItem, BatchWriteItem and TransactWriteItems over 30 + 10 items for 0.3-1.5 s;
  then kill -9 while they are mid-flight (the next request about to be sent triggers the kill, a random
  0-3 ms later), and restart on the same data dir. Every put/update sets a globally
  unique `w`, so a record's NewImage names the write it came from;
- a few sequential writes after the last restart (sequence numbers, shard counts and lineage carry on);
- the whole stream read back with the `dynamodbstreams` client, and checked:
  1. every acknowledged put/update has exactly one record, a failed one none, an in-flight one at most one
     (a transaction: all of its records or none); every REMOVE record is matched to a distinct delete (or is a
     TTL deletion), and every acknowledged delete that removed something (DeleteItem ALL_OLD, conditional
     transaction delete) has its REMOVE; no record or eventID twice;
  2. per item, the records form a chain: OldImage == the previous NewImage (None at first), INSERT only from
     absence, MODIFY from presence, REMOVE to absence; each NewImage is what its write makes of the OldImage;
     ReturnValues of acknowledged writes agree with the records; records are in real-time order of the writes
     (a write acknowledged before another was sent has the smaller sequence number, across the whole table);
     acknowledged no-op deletes and failed conditions fit at a point of the chain in their time window;
  3. every item's final state (GetItem, consistent) is the last record's NewImage (absent after a REMOVE);
  4. sequence numbers strictly increase over the shards in order; lineage: ParentShardId is the previous shard,
     every shard but the last is closed with EndingSequenceNumber == its last record, and holds exactly
     shard-max-records records; the last shard is open;
  5. DescribeTable ItemCount (table and GSI) == what a Scan finds; a GSI Query returns exactly the items with `g`.

DDB_CRASH_ROUNDS=N runs N seeds (default 3); DDB_CRASH_SEED=S starts at seed S. Run with -s for the per-round
summary. A failing round leaves its whole trace (writes and records) in a JSON file named in the message.
"""
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import pytest
from botocore.exceptions import ClientError

from conftest import TARGET, Server, make_client, make_streams_client

pytestmark = pytest.mark.skipif(TARGET != "ddblocal" or bool(os.environ.get("DDB_ENDPOINT")),
                                reason="starts and kills ddblocal processes of its own")

ROUNDS = int(os.environ.get("DDB_CRASH_ROUNDS", "3"))
FIRST_SEED = int(os.environ.get("DDB_CRASH_SEED", "1"))
SHARD_MAX = 50
WRITERS = 4
T1, T2 = "crash_t1", "crash_t2"
T1_KEYS = [(p, s) for p in "abcde" for s in "012345"]  # 30 items
T2_KEYS = [f"k{i}" for i in range(10)]
G_VALUES = ["ga", "gb", "gc"]
EXPECTED_ERRORS = {"ConditionalCheckFailedException", "TransactionCanceledException",
                   "TransactionConflictException"}
INF = float("inf")


# ----------------------------------------------------------------------------------------------------- writes
@dataclass
class Call:
    """One request: its time window and outcome ('ok', 'failed': no effect, 'unknown': in flight at the kill)."""
    api: str
    send: float = 0.0
    ack: float = INF  # INF while the outcome is unknown
    status: str = "unknown"
    error: Optional[str] = None
    ops: list = field(default_factory=list)


@dataclass
class Op:
    """One item-level action of a call."""
    call: Call
    table: str
    key: object  # (pk, sk) for t1, id for t2
    kind: str  # put | update | delete | check
    w: Optional[str] = None
    item: Optional[dict] = None  # put: the whole item
    upd: Optional[dict] = None  # update: {"v": N str or None, "g": "keep" | "remove" | str, "d": int}
    cond: Optional[str] = None  # "exists" | "not_exists"
    return_values: str = "NONE"
    returned: Optional[dict] = None  # the response's Attributes (when asked for and acknowledged)
    unprocessed: bool = False  # a BatchWriteItem request sent back unprocessed: no effect

    @property
    def status(self):
        return "failed" if self.unprocessed else self.call.status


def key1(k):
    return {"pk": {"S": k[0]}, "sk": {"S": k[1]}}


def key2(k):
    return {"id": {"S": k}}


def key_of(table, k):
    return key1(k) if table == T1 else key2(k)


def norm(item):
    """An item in a comparable form: numbers as Decimals (so 1 == 1.0)."""
    if item is None:
        return None
    out = {}
    for name, v in item.items():
        (t, x), = v.items()
        out[name] = (t, Decimal(x)) if t == "N" else (t, x)
    return out


def apply_update(old, op):
    """The item an UpdateItem (SET w [, v] [, g] | REMOVE g, ADD c) makes of `old` (None: absent)."""
    new = dict(old) if old is not None else dict(norm(key_of(op.table, op.key)))
    new["w"] = ("S", op.w)
    if op.table == T1:
        u = op.upd
        if u["v"] is not None:
            new["v"] = ("N", Decimal(u["v"]))
        if u["g"] == "remove":
            new.pop("g", None)
        elif u["g"] != "keep":
            new["g"] = ("S", u["g"])
        new["c"] = ("N", (old["c"][1] if old and "c" in old else Decimal(0)) + u["d"])
    return new


class Writer:
    """Generates random writes (its own seeded random) and runs them, recording every call."""

    def __init__(self, name, rng, ttl, calls):
        self.name, self.rng, self.ttl, self.calls, self.n = name, rng, ttl, calls, 0

    def next_w(self):
        self.n += 1
        return f"{self.name}-{self.n}"

    def pick(self, table):
        return self.rng.choice(T1_KEYS if table == T1 else T2_KEYS)

    def table(self):
        return T2 if self.rng.random() < 0.25 else T1

    # -- item-level actions
    def put_op(self, call, table, k):
        r = self.rng
        op = Op(call, table, k, "put", w=self.next_w())
        item = dict(key_of(table, k), w={"S": op.w})
        if table == T1:
            item["v"] = {"N": r.choice([str(r.randint(-1000, 1000)), "1.50", "0", "12345678901234567890"])}
            if r.random() < 0.6:
                item["g"] = {"S": r.choice(G_VALUES)}
            if r.random() < 0.3:
                item["pad"] = {"S": "x" * r.randint(1, 300)}
            if self.ttl and r.random() < 0.12:
                now = int(time.time())
                item["exp"] = {"N": str(now - 100 if r.random() < 0.7 else now + 36000)}
        op.item = item
        if r.random() < 0.15:
            op.cond = "not_exists"
        return op

    def update_op(self, call, table, k):
        r = self.rng
        op = Op(call, table, k, "update", w=self.next_w())
        if table == T1:
            op.upd = {"v": str(r.randint(0, 99)) if r.random() < 0.5 else None,
                      "g": r.choice(["keep", "keep", "remove"] + G_VALUES), "d": r.randint(1, 5)}
        if r.random() < 0.15:
            op.cond = "exists"
        return op

    def delete_op(self, call, table, k, cond=None):
        return Op(call, table, k, "delete", cond=cond)

    @staticmethod
    def cond_expr(op):
        name = "pk" if op.table == T1 else "id"
        if op.cond == "exists":
            return {"ConditionExpression": "attribute_exists(#k)", "ExpressionAttributeNames": {"#k": name}}
        if op.cond == "not_exists":
            return {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": name}}
        return {}

    @staticmethod
    def update_params(op):
        names, values = {"#w": "w"}, {":w": {"S": op.w}}
        sets, tail = ["#w = :w"], ""
        if op.table == T1:
            u = op.upd
            if u["v"] is not None:
                sets.append("v = :v")
                values[":v"] = {"N": u["v"]}
            if u["g"] == "remove":
                tail += " REMOVE g"
            elif u["g"] != "keep":
                sets.append("g = :g")
                values[":g"] = {"S": u["g"]}
            tail += " ADD c :d"
            values[":d"] = {"N": str(u["d"])}
        p = {"UpdateExpression": "SET " + ", ".join(sets) + tail, "ExpressionAttributeNames": names,
             "ExpressionAttributeValues": values}
        c = Writer.cond_expr(op)
        if c:
            p["ConditionExpression"] = c["ConditionExpression"]
            names.update(c["ExpressionAttributeNames"])
        return p

    # -- requests
    def one(self, client):
        r = self.rng
        kind = r.choices(["put", "update", "delete", "batch", "transact"], [25, 25, 15, 15, 20])[0]
        if kind == "batch":
            return self.batch(client)
        if kind == "transact":
            return self.transact(client)
        table = self.table()
        k = self.pick(table)
        if kind == "put":
            call = Call("PutItem")
            op = self.put_op(call, table, k)
            op.return_values = r.choice(["NONE", "ALL_OLD"])
            params = dict(TableName=table, Item=op.item, ReturnValues=op.return_values, **self.cond_expr(op))
            fn = client.put_item
        elif kind == "update":
            call = Call("UpdateItem")
            op = self.update_op(call, table, k)
            op.return_values = r.choice(["NONE", "ALL_NEW", "ALL_OLD"])
            params = dict(TableName=table, Key=key_of(table, k), ReturnValues=op.return_values,
                          **self.update_params(op))
            fn = client.update_item
        else:
            call = Call("DeleteItem")
            op = self.delete_op(call, table, k)
            op.return_values = "ALL_OLD" if r.random() < 0.7 else "NONE"
            params = dict(TableName=table, Key=key_of(table, k), ReturnValues=op.return_values)
            fn = client.delete_item
        call.ops.append(op)
        resp = self.run(call, fn, params)
        if resp is not None:
            op.returned = resp.get("Attributes")

    def batch(self, client):
        r = self.rng
        call = Call("BatchWriteItem")
        requests = {}
        used = set()
        for _ in range(r.randint(2, 6)):
            table = self.table()
            k = self.pick(table)
            if (table, k) in used:
                continue
            used.add((table, k))
            if r.random() < 0.6:
                op = self.put_op(call, table, k)
                op.cond = None
                req = {"PutRequest": {"Item": op.item}}
            else:
                op = self.delete_op(call, table, k)
                req = {"DeleteRequest": {"Key": key_of(table, k)}}
            call.ops.append(op)
            requests.setdefault(table, []).append(req)
        resp = self.run(call, client.batch_write_item, dict(RequestItems=requests))
        if resp is not None:
            for table, reqs in resp.get("UnprocessedItems", {}).items():
                for req in reqs:
                    key = req["PutRequest"]["Item"] if "PutRequest" in req else req["DeleteRequest"]["Key"]
                    for op in call.ops:
                        if op.table == table and all(key.get(a) == v for a, v in key_of(table, op.key).items()):
                            op.unprocessed = True

    def transact(self, client):
        r = self.rng
        call = Call("TransactWriteItems")
        items, used, n = [], set(), r.randint(2, 3)
        while len(items) < n:
            table = self.table()
            k = self.pick(table)
            if (table, k) in used:
                continue
            used.add((table, k))
            kind = r.choices(["put", "update", "delete", "check"], [35, 35, 20, 10])[0]
            if kind == "put":
                op = self.put_op(call, table, k)
                items.append({"Put": dict(TableName=table, Item=op.item, **self.cond_expr(op))})
            elif kind == "update":
                op = self.update_op(call, table, k)
                items.append({"Update": dict(TableName=table, Key=key_of(table, k), **self.update_params(op))})
            elif kind == "delete":
                op = self.delete_op(call, table, k, cond="exists")  # acknowledged => it removed the item
                items.append({"Delete": dict(TableName=table, Key=key_of(table, k), **self.cond_expr(op))})
            else:
                op = Op(call, table, k, "check", cond="exists")
                items.append({"ConditionCheck": dict(TableName=table, Key=key_of(table, k), **self.cond_expr(op))})
            call.ops.append(op)
        self.run(call, client.transact_write_items, dict(TransactItems=items))

    def run(self, call, fn, params):
        self.calls.append(call)
        call.send = time.monotonic()
        try:
            resp = fn(**params)
        except ClientError as e:
            http = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            call.error = e.response.get("Error", {}).get("Code")
            if http >= 500:
                call.error = f"HTTP {http} {call.error}"  # the service's "unknown outcome"; never expected here
                return None
            call.ack, call.status = time.monotonic(), "failed"
            return None
        except Exception as e:  # the connection went away: the kill
            call.error = type(e).__name__
            return None
        call.ack, call.status = time.monotonic(), "ok"
        return resp


# ------------------------------------------------------------------------------------------------- the server
def writer_client(endpoint):
    """A client that sends each request once (conftest's make_client: total_max_attempts=1): a write retried
    after its connection dropped could be applied twice, or be answered by its own first attempt."""
    return make_client(endpoint)


def create_tables(client, ttl):
    client.create_table(
        TableName=T1, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.create_table(
        TableName=T2, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    if ttl:
        client.update_time_to_live(TableName=T1, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    for t in (T1, T2):
        d = client.describe_table(TableName=t)["Table"]
        assert d["TableStatus"] == "ACTIVE" and all(g["IndexStatus"] == "ACTIVE"
                                                    for g in d.get("GlobalSecondaryIndexes", []))


def start(data, ttl):
    args = ["--data-dir", str(data), "--shard-max-records", str(SHARD_MAX)]
    if ttl:
        args += ["--ttl-interval", "0.2"]
    return Server(*args)


def read_stream(streams, arn):
    """Every shard (DescribeStream, paged) and its records from TRIM_HORIZON to a closed shard's end / an open
    shard's empty answer."""
    shards, start_id = [], None
    while True:
        kw = {"ExclusiveStartShardId": start_id} if start_id else {}
        d = streams.describe_stream(StreamArn=arn, Limit=3, **kw)["StreamDescription"]
        shards += d["Shards"]
        start_id = d.get("LastEvaluatedShardId")
        if not start_id:
            break
    out = []
    for s in shards:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=s["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records, ended = [], False
        for _ in range(10000):
            resp = streams.get_records(ShardIterator=it, Limit=37)
            records += resp["Records"]
            it = resp.get("NextShardIterator")
            if it is None:
                ended = True
                break
            if not resp["Records"]:
                break
        out.append((s, records, ended))
    return d, out


def scan_all(client, table, **kw):
    items, start_key = [], None
    while True:
        extra = {"ExclusiveStartKey": start_key} if start_key else {}
        resp = client.scan(TableName=table, ConsistentRead=True, Limit=7, **kw, **extra)
        items += resp["Items"]
        start_key = resp.get("LastEvaluatedKey")
        if not start_key:
            return items


def check_table_state(client, problems, when):
    """(5) ItemCount == Scan; the GSI has exactly the items with `g` (Query per value, and its ItemCount)."""
    t1_items = scan_all(client, T1)
    for t, items in ((T1, t1_items), (T2, scan_all(client, T2))):
        d = client.describe_table(TableName=t)["Table"]
        if d["ItemCount"] != len(items):
            problems.append(f"{when}: {t} ItemCount {d['ItemCount']} but Scan finds {len(items)} items")
    with_g = {}
    for it in t1_items:
        if "g" in it:
            with_g.setdefault(it["g"]["S"], {})[(it["pk"]["S"], it["sk"]["S"])] = norm(it)
    for g in G_VALUES:
        got, start_key = {}, None
        while True:
            extra = {"ExclusiveStartKey": start_key} if start_key else {}
            resp = client.query(TableName=T1, IndexName="gsi", KeyConditionExpression="g = :g",
                                ExpressionAttributeValues={":g": {"S": g}}, Limit=5, **extra)
            for it in resp["Items"]:
                got[(it["pk"]["S"], it["sk"]["S"])] = norm(it)
            start_key = resp.get("LastEvaluatedKey")
            if not start_key:
                break
        if got != with_g.get(g, {}):
            problems.append(f"{when}: GSI Query g={g} returns {sorted(got)}, the table has "
                            f"{sorted(with_g.get(g, {}))} (or the projected items differ)")
    gsi = client.describe_table(TableName=T1)["Table"]["GlobalSecondaryIndexes"][0]
    n = sum(len(v) for v in with_g.values())
    if gsi.get("ItemCount", n) != n:
        problems.append(f"{when}: GSI ItemCount {gsi['ItemCount']} but {n} items have g")
    return t1_items


def wait_swept(client, problems):
    """With TTL: waits until no expired item is left, so nothing more is deleted while the test reads."""
    deadline = time.time() + 10
    while True:
        now = time.time()
        left = [it for it in scan_all(client, T1) if "exp" in it and Decimal(it["exp"]["N"]) <= now]
        if not left:
            return
        if time.time() > deadline:
            problems.append(f"TTL: {len(left)} expired items still there 10 s later: {left[:3]}")
            return
        time.sleep(0.1)


# -------------------------------------------------------------------------------------------------- checking
def match_bipartite(left, edges):
    """Kuhn's algorithm: left -> list of right; answers {left: right} of a maximum matching."""
    match_r = {}

    def augment(u, seen):
        for v in edges.get(u, []):
            if v in seen:
                continue
            seen.add(v)
            if v not in match_r or augment(match_r[v], seen):
                match_r[v] = u
                return True
        return False

    for u in left:
        augment(u, set())
    return {u: v for v, u in match_r.items()}


def fits_at(chain, gap, call):
    """Whether a write with this call's time window can be placed at `gap` (0..len) of an item's chain of
    (record, op or None): after every write it did not finish before, before every write it did not start after.
    """
    for j, (_, other) in enumerate(chain):
        if other is None:
            continue
        if j < gap and call.ack < other.call.send:
            return False
        if j >= gap and other.call.ack < call.send:
            return False
    return True


def check(calls, t1_records, t2_records, final1, final2, ttl, problems):
    ops = [op for c in calls for op in c.ops]
    by_w = {op.w: op for op in ops if op.w is not None}

    # ---- t1 (NEW_AND_OLD_IMAGES): map records to writes
    chains = {k: [] for k in T1_KEYS}  # key -> [(record, op or None)]
    seen_w, ttl_removes = {}, 0
    for rec in t1_records:
        d = rec["dynamodb"]
        k = (d["Keys"]["pk"]["S"], d["Keys"]["sk"]["S"])
        new, old = d.get("NewImage"), d.get("OldImage")
        op = None
        if "userIdentity" in rec:
            if rec["userIdentity"] != {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"} or \
                    rec["eventName"] != "REMOVE" or not ttl:
                problems.append(f"t1 record {d['SequenceNumber']}: unexpected userIdentity {rec['userIdentity']}")
            else:
                ttl_removes += 1
                exp = (old or {}).get("exp", {}).get("N")
                if exp is None or Decimal(exp) > Decimal(d["ApproximateCreationDateTime"].timestamp()) + 2:
                    problems.append(f"t1 record {d['SequenceNumber']}: TTL removal of an item not expired: {old}")
        if new is not None:
            w = new.get("w", {}).get("S")
            op = by_w.get(w)
            if op is None or op.table != T1:
                problems.append(f"t1 record {d['SequenceNumber']} of no write: NewImage {new}")
            elif op.key != k:
                problems.append(f"t1 record {d['SequenceNumber']} of key {k} has w={w}, a write of {op.key}")
                op = None
            elif w in seen_w:
                problems.append(f"write w={w} ({op.call.api}, {op.status}) has two records: "
                                f"{seen_w[w]} and {d['SequenceNumber']}")
            else:
                seen_w[w] = d["SequenceNumber"]
                if op.status == "failed":
                    problems.append(f"failed write w={w} ({op.call.api}: {op.call.error or 'unprocessed'}) has "
                                    f"record {d['SequenceNumber']}")
        chains[k].append((rec, op))

    # (1) acknowledged puts/updates have their record; an in-flight transaction all or none of them
    for op in ops:
        if op.table == T1 and op.w is not None and op.status == "ok" and op.w not in seen_w:
            problems.append(f"LOST: acknowledged {op.call.api} {op.kind} w={op.w} of {op.key} has no record")
    for c in calls:
        if c.api == "TransactWriteItems" and c.status == "unknown":
            has = [op.w in seen_w for op in c.ops if op.table == T1 and op.w is not None]
            if any(has) and not all(has):
                problems.append(f"in-flight transaction {[(o.kind, o.key, o.w) for o in c.ops]}: only some of its "
                                f"writes have records: {has}")

    # (2) per item: the chain, each record against its write, ReturnValues, deletes
    for k, chain in chains.items():
        prev = None
        for rec, op in chain:
            d = rec["dynamodb"]
            new, old = norm(d.get("NewImage")), norm(d.get("OldImage"))
            seq, ev = d["SequenceNumber"], rec["eventName"]
            want_ev = "REMOVE" if new is None else ("INSERT" if prev is None else "MODIFY")
            if ev != want_ev or (ev == "REMOVE" and prev is None):
                problems.append(f"{k} record {seq}: {ev}, expected {want_ev} (item {'absent' if prev is None else 'present'})")
            if old != prev:
                problems.append(f"{k} record {seq} ({ev}): OldImage {old} != previous NewImage {prev}")
            if norm(d["Keys"]) != norm(key1(k)):
                problems.append(f"{k} record {seq}: Keys {d['Keys']}")
            if op is not None:
                want = norm(op.item) if op.kind == "put" else apply_update(old, op)
                if new != want:
                    problems.append(f"{k} record {seq} of {op.call.api} w={op.w}: NewImage {new}, the write makes {want}")
                if op.status == "ok":
                    if op.return_values == "ALL_OLD" and norm(op.returned) != old:
                        problems.append(f"{k} record {seq} of w={op.w}: OldImage {old}, the response said {op.returned}")
                    if op.return_values == "ALL_NEW" and norm(op.returned) != new:
                        problems.append(f"{k} record {seq} of w={op.w}: NewImage {new}, the response said {op.returned}")
                if op.cond == "not_exists" and old is not None or op.cond == "exists" and old is None:
                    problems.append(f"{k} record {seq} of w={op.w}: condition {op.cond} but OldImage {old}")
            prev = new
        # REMOVE records (not TTL's) <-> deletes of this item
        removes = [i for i, (rec, _) in enumerate(chain) if rec["eventName"] == "REMOVE" and "userIdentity" not in rec]
        deletes = [op for op in ops if op.table == T1 and op.key == k and op.kind == "delete"]
        must, candidates = [], []
        for op in deletes:
            if op.status == "failed":
                continue
            if op.status == "ok" and op.call.api == "DeleteItem" and op.return_values == "ALL_OLD":
                if op.returned is None:
                    # removed nothing: the item was absent at a point of its time window
                    if not any(fits_at(chain, g, op.call) and (g == 0 or chain[g - 1][0]["dynamodb"].get("NewImage") is None)
                               for g in range(len(chain) + 1)):
                        problems.append(f"{k}: DeleteItem [{op.call.send:.4f}, {op.call.ack:.4f}] answered 'no item' "
                                        f"but the item existed throughout its time window")
                    continue
                must.append(op)
            elif op.status == "ok" and op.cond == "exists":  # a transaction's delete, acknowledged
                must.append(op)
            elif op.call.api == "TransactWriteItems":
                sib = [o.w in seen_w for o in op.call.ops if o.table == T1 and o.w is not None]
                if sib and not sib[0]:
                    continue  # the in-flight transaction did not happen
                if sib:
                    must.append(op)
            candidates.append(op)
        edges = {}
        for i in removes:
            old = norm(chain[i][0]["dynamodb"].get("OldImage"))
            edges[i] = [j for j, op in enumerate(candidates)
                        if fits_at(chain, i, op.call)  # (record i itself has no write: i and i + 1 agree)
                        and (op.returned is None or norm(op.returned) == old)]
        m = match_bipartite(removes, edges)
        for i in removes:
            if i not in m:
                rec = chain[i][0]
                problems.append(f"{k}: REMOVE record {rec['dynamodb']['SequenceNumber']} (OldImage w="
                                f"{rec['dynamodb'].get('OldImage', {}).get('w')}) matches no delete of the item")
        # every delete that must have removed something has its REMOVE (a matching saturating them)
        must_idx = [candidates.index(op) for op in must]
        redges = {}
        for i, js in edges.items():
            for j in js:
                redges.setdefault(j, []).append(i)
        mm = match_bipartite(must_idx, redges)
        for j in must_idx:
            if j not in mm:
                op = candidates[j]
                problems.append(f"LOST: {k}: {op.call.api} delete ({op.status}, returned {op.returned}) "
                                f"[{op.call.send:.4f}, {op.call.ack:.4f}] has no REMOVE record")
        # failed conditions fit at a point where the condition was false
        for op in ops:
            if op.table != T1 or op.key != k or op.status != "failed" or op.call.api not in ("PutItem", "UpdateItem"):
                continue
            if op.call.error != "ConditionalCheckFailedException":
                continue
            ok = False
            for g in range(len(chain) + 1):
                state = None if g == 0 else chain[g - 1][0]["dynamodb"].get("NewImage")
                if (state is None) == (op.cond == "exists") and fits_at(chain, g, op.call):
                    ok = True
                    break
            if not ok:
                problems.append(f"{k}: {op.call.api} w={op.w} failed its condition {op.cond}, but no point of its "
                                f"time window had the item {'absent' if op.cond == 'exists' else 'present'}")
        # (3) the final state
        last = norm(chain[-1][0]["dynamodb"].get("NewImage")) if chain else None
        if norm(final1.get(k)) != last:
            problems.append(f"{k}: final item {final1.get(k)} != last record's NewImage {last}")

    # real-time order over the whole table: a write acknowledged before another was sent comes first
    timed = sorted(((int(r["dynamodb"]["SequenceNumber"]), op) for k in chains for r, op in chains[k] if op),
                   key=lambda x: x[0])
    max_send, max_op = -INF, None
    for seq, op in timed:
        if op.call.ack < max_send:
            problems.append(f"real-time order: w={op.w} (acknowledged at {op.call.ack:.4f}) has sequence number {seq}, "
                            f"after w={max_op.w} which was sent only at {max_send:.4f}")
        if op.call.send > max_send:
            max_send, max_op = op.call.send, op

    # ---- t2 (KEYS_ONLY): event chains and counts
    per = {k: [] for k in T2_KEYS}
    for rec in t2_records:
        d = rec["dynamodb"]
        if "NewImage" in d or "OldImage" in d or d.get("StreamViewType") != "KEYS_ONLY":
            problems.append(f"t2 record {d['SequenceNumber']} is not KEYS_ONLY: {d}")
        per[d["Keys"]["id"]["S"]].append(rec["eventName"])
    for k, events in per.items():
        present = False
        for ev in events:
            want = ("MODIFY" if present else "INSERT") if ev != "REMOVE" else "REMOVE"
            if ev != want or (ev == "REMOVE" and not present):
                problems.append(f"t2 {k}: events {events} are not a chain")
                break
            present = ev != "REMOVE"
        if present != (k in final2):
            problems.append(f"t2 {k}: events {events} but the item is {'present' if k in final2 else 'absent'}")
        mine = [op for op in ops if op.table == T2 and op.key == k and op.status != "failed"]
        puts_lo = sum(1 for op in mine if op.w and op.status == "ok")
        puts_hi = sum(1 for op in mine if op.w)
        del_lo = sum(1 for op in mine if op.kind == "delete" and op.status == "ok" and
                     (op.returned is not None or op.cond == "exists"))
        del_hi = sum(1 for op in mine if op.kind == "delete" and not (
            op.status == "ok" and op.call.api == "DeleteItem" and op.return_values == "ALL_OLD" and op.returned is None))
        n_put = sum(1 for e in events if e != "REMOVE")
        n_del = len(events) - n_put
        if not puts_lo <= n_put <= puts_hi:
            problems.append(f"t2 {k}: {n_put} INSERT/MODIFY records for {puts_lo} acknowledged puts/updates "
                            f"(+{puts_hi - puts_lo} in flight)")
        if not del_lo <= n_del <= del_hi:
            problems.append(f"t2 {k}: {n_del} REMOVE records, expected {del_lo}..{del_hi}")
    return ttl_removes, seen_w


def check_shards(name, shards, view, problems):
    """(4) lineage, sequence numbers, closed shards' ends and sizes; answers the records in order."""
    records, prev_seq, seen_ids = [], -1, set()
    for i, (s, recs, ended) in enumerate(shards):
        sid = s["ShardId"]
        rng = s["SequenceNumberRange"]
        last = i == len(shards) - 1
        if i == 0 and "ParentShardId" in s:
            problems.append(f"{name}: first shard {sid} has parent {s['ParentShardId']}")
        if i > 0 and s.get("ParentShardId") != shards[i - 1][0]["ShardId"]:
            problems.append(f"{name}: shard {i} {sid} has parent {s.get('ParentShardId')}, "
                            f"expected {shards[i - 1][0]['ShardId']}")
        closed = "EndingSequenceNumber" in rng
        if closed == last:
            problems.append(f"{name}: shard {i}/{len(shards)} {sid} is {'closed' if closed else 'open'}")
        if closed != ended:
            problems.append(f"{name}: shard {sid}: closed={closed} but reading it ended={ended}")
        if closed and len(recs) != SHARD_MAX:
            problems.append(f"{name}: closed shard {i} {sid} holds {len(recs)} records, not {SHARD_MAX}")
        if len(recs) > SHARD_MAX:
            problems.append(f"{name}: shard {i} {sid} holds {len(recs)} records > {SHARD_MAX}")
        start = int(rng["StartingSequenceNumber"])
        for r in recs:
            seq = int(r["dynamodb"]["SequenceNumber"])
            if seq <= prev_seq:
                problems.append(f"{name}: sequence number {seq} in shard {i} after {prev_seq}")
            if seq < start or closed and seq > int(rng["EndingSequenceNumber"]):
                problems.append(f"{name}: record {seq} outside shard {i}'s range {rng}")
            prev_seq = seq
            if r["eventID"] in seen_ids:
                problems.append(f"{name}: eventID {r['eventID']} twice")
            seen_ids.add(r["eventID"])
            if (r.get("eventSource"), r.get("eventVersion"), r.get("awsRegion"),
                    r["dynamodb"].get("StreamViewType")) != ("aws:dynamodb", "1.1", "us-east-1", view):
                problems.append(f"{name}: record {seq}: {r['eventSource']} {r['eventVersion']} {r['awsRegion']} "
                                f"{r['dynamodb'].get('StreamViewType')}")
        if closed and recs and int(rng["EndingSequenceNumber"]) != int(recs[-1]["dynamodb"]["SequenceNumber"]):
            problems.append(f"{name}: shard {i} ends at {rng['EndingSequenceNumber']}, its last record is "
                            f"{recs[-1]['dynamodb']['SequenceNumber']}")
        records += recs
    return records


# ------------------------------------------------------------------------------------------------------ a round
def trace(calls, shards1, shards2):
    def op_json(op):
        return {"table": op.table, "key": op.key, "kind": op.kind, "w": op.w, "item": op.item, "upd": op.upd,
                "cond": op.cond, "return_values": op.return_values, "returned": op.returned, "status": op.status}
    return {"calls": [{"api": c.api, "send": c.send, "ack": None if c.ack == INF else c.ack, "status": c.status,
                       "error": c.error, "ops": [op_json(o) for o in c.ops]} for c in calls],
            "t1_shards": [{"shard": s, "records": r} for s, r, _ in shards1],
            "t2_shards": [{"shard": s, "records": r} for s, r, _ in shards2]}


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + ROUNDS))
def test_streams_survive_kill_9(seed, tmp_path):
    rng = random.Random(seed)
    ttl = rng.random() < 0.67
    cycles = rng.choice([1, 2])
    data = tmp_path / "data"
    problems, calls, kills, mid_flight = [], [], [], 0
    server = start(data, ttl)
    try:
        client = make_client(server.endpoint)
        create_tables(client, ttl)
        arns = {t: client.describe_table(TableName=t)["Table"]["LatestStreamArn"] for t in (T1, T2)}
        for cycle in range(cycles):
            clients = [writer_client(server.endpoint) for _ in range(WRITERS)]
            stop, armed, fire = threading.Event(), threading.Event(), threading.Event()
            per_thread = [[] for _ in range(WRITERS)]

            def before_send(**kw):
                # Once armed, the next request about to go out fires the killer, which kills the server a
                # random moment later: while that request (and others) are on their way or being committed.
                if armed.is_set():
                    fire.set()

            for c in clients:
                c.meta.events.register("before-send", before_send)
            delay = rng.choice([0.0, rng.uniform(0, 0.0003), rng.uniform(0, 0.001), rng.uniform(0, 0.003)])
            proc = server.proc

            def killer():
                if fire.wait(timeout=30):
                    if delay:
                        time.sleep(delay)
                    proc.kill()  # kill -9

            def work(t):
                wr = Writer(f"c{cycle}t{t}", random.Random(f"{seed}/{cycle}/{t}"), ttl, per_thread[t])
                try:
                    while not stop.is_set():
                        wr.one(clients[t])
                        if per_thread[t][-1].status == "unknown":
                            break  # the server is gone
                except Exception as e:  # a bug of the test itself
                    problems.append(f"writer {t} crashed: {e!r}")

            threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(WRITERS)]
            kt = threading.Thread(target=killer, daemon=True)
            kt.start()
            for th in threads:
                th.start()
            time.sleep(rng.uniform(0.3, 1.5))
            armed.set()
            try:
                proc.wait(timeout=5)
            except Exception:
                proc.kill()
                proc.wait(timeout=10)
            fire.set()
            kt.join()
            stop.set()
            for th in threads:
                th.join(timeout=30)
                assert not th.is_alive(), "a writer hangs after the kill"
            cycle_calls = [c for pt in per_thread for c in pt]
            calls += cycle_calls
            kills.append(sum(1 for c in cycle_calls if c.status == "unknown"))
            mid_flight += sum(1 for c in cycle_calls if c.error == "ConnectionClosedError")
            server = start(data, ttl)
            client = make_client(server.endpoint)
            for t in (T1, T2):
                if client.describe_table(TableName=t)["Table"]["LatestStreamArn"] != arns[t]:
                    problems.append(f"{t}: LatestStreamArn changed across the restart")
            if ttl:
                wait_swept(client, problems)
            check_table_state(client, problems, f"after restart {cycle + 1}")

        # sequential writes after the last restart: the log carries on (numbers, shard counts, lineage)
        post, post_client = Writer("post", random.Random(f"{seed}/post"), ttl, calls), writer_client(server.endpoint)
        for _ in range(rng.randint(20, 80)):
            post.one(post_client)
        if ttl:
            wait_swept(client, problems)
        final1 = {(it["pk"]["S"], it["sk"]["S"]): it for it in check_table_state(client, problems, "at the end")}
        for k in T1_KEYS:  # GetItem agrees with Scan
            got = client.get_item(TableName=T1, Key=key1(k), ConsistentRead=True).get("Item")
            if norm(got) != norm(final1.get(k)):
                problems.append(f"{k}: GetItem {got} but Scan {final1.get(k)}")
        final2 = {it["id"]["S"]: it for it in scan_all(client, T2)}

        streams = make_streams_client(server.endpoint)
        descs, shards = {}, {}
        for t in (T1, T2):
            descs[t], shards[t] = read_stream(streams, arns[t])
            if descs[t]["StreamStatus"] != "ENABLED":
                problems.append(f"{t}: StreamStatus {descs[t]['StreamStatus']}")
        t1_records = check_shards(T1, shards[T1], "NEW_AND_OLD_IMAGES", problems)
        t2_records = check_shards(T2, shards[T2], "KEYS_ONLY", problems)
        ttl_removes, seen_w = check(calls, t1_records, t2_records, final1, final2, ttl, problems)

        errors = {}
        for c in calls:
            if c.error:
                errors[c.error] = errors.get(c.error, 0) + 1
        unexpected = {e: n for e, n in errors.items() if e not in EXPECTED_ERRORS and (
                      e.startswith("HTTP") or not any(c.error == e and c.status == "unknown" for c in calls))}
        if unexpected:
            problems.append(f"unexpected errors: {unexpected}")
        acked = sum(1 for c in calls if c.status == "ok")
        unknown = [c for c in calls if c.status == "unknown"]
        applied = sum(1 for c in unknown if any(op.w in seen_w for op in c.ops))
        if acked < 30:
            problems.append(f"only {acked} writes were acknowledged")
        if len(shards[T1]) < 2:
            problems.append(f"t1's stream has {len(shards[T1])} shard(s): no rollover happened")
        print(f"\nseed {seed}: ttl={ttl} cycles={cycles} calls={len(calls)} acknowledged={acked} "
              f"failed={sum(1 for c in calls if c.status == 'failed')} in-flight-at-kill={kills} "
              f"(sent before the kill: {mid_flight}, applied: {applied}) "
              f"t1 records={len(t1_records)} ({len(shards[T1])} shards, {ttl_removes} by TTL) "
              f"t2 records={len(t2_records)} ({len(shards[T2])} shards) errors={errors}")
        if problems:
            path = tmp_path / f"crash_trace_seed{seed}.json"
            path.write_text(json.dumps(trace(calls, shards[T1], shards[T2]), default=str, indent=1))
            shown = "\n  ".join(problems[:40])
            pytest.fail(f"seed {seed}: {len(problems)} problems (trace: {path}):\n  {shown}", pytrace=False)
        assert server.stop() == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
