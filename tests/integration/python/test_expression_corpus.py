"""Replays DynamoDB's recorded answers for the expression language (tests/integration/data/expressions.jsonl).

Each case was recorded from DynamoDB Local (which runs the service's expression parser): a starting item, one
request sent as raw JSON, the status and body of the answer, and the item read back after a write. Here the
same request goes to the server under test and both must agree. Numbers are compared by value (the service
normalises them, DynamoDB Local does not everywhere), sets as sets.
"""
import http.client
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "expressions.jsonl"
CASES = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]

IMPLEMENTED = {"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query"}

# Where DynamoDB Local answers differently from the real service, the service wins.
SERVICE_DIFFERS = {
    # DynamoDB Local answers 500 InternalFailure for these; the service rejects them as client errors.
    "syn_val_bad_base64": "bad base64 is a SerializationException",
    "exp_bad_conditional_operator": "ConditionalOperator XOR fails the enum constraint (ValidationException)",
    "upd_value_in_path": "an expression value inside a path is a syntax error",
    # DynamoDB Local returns ConsumedCapacity nobody asked for.
    "del_cond_notexists_missing_item": "ConsumedCapacity only when ReturnConsumedCapacity asks for it",
    # The service checks enum members with its constraint list ("1 validation error detected: ...").
    "exp_bad_operator": "ComparisonOperator LIKE fails the enum constraint",
    "au_bad_action": "Action UPSERT fails the enum constraint",
    "rv_bogus": "ReturnValues BOGUS fails the enum constraint",
    "atg_empty": "an empty AttributesToGet fails the length constraint",
    "q_limit0": "Limit 0 fails the range constraint (1 validation error detected: ...)",
    # DynamoDB Local creates the key-only item; the service creates nothing for a REMOVE-only update of a
    # missing item (test_ground.py checks the service's behaviour).
    "upd_noitem_remove": "a REMOVE-only update of a missing item creates nothing",
    "upd_noitem_delete": "a DELETE-only update of a missing item creates nothing",
    "au_noitem_delete": "an AttributeUpdates DELETE of a missing item creates nothing",
}


def canonical_number(text):
    d = Decimal(text)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def canon(v):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "N":
                out[k] = canonical_number(x)
            elif k == "NS":
                out[k] = sorted(canonical_number(n) for n in x)
            elif k in ("SS", "BS"):
                out[k] = sorted(x)
            else:
                out[k] = canon(x)
        return out
    if isinstance(v, list):
        return [canon(x) for x in v]
    return v


class Raw:
    """Raw JSON requests in a namespace of their own (a fresh access key)."""

    def __init__(self, endpoint, key_prefix="AKIDCORPUS"):
        host, port = endpoint.split("//")[1].split(":")
        self.host, self.port = host, int(port.rstrip("/"))
        key = key_prefix + uuid.uuid4().hex[:8].upper()
        self.auth = f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, op, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0",
            "Authorization": self.auth})
        r = self.conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)

    def must(self, op, body):
        status, resp = self.call(op, body)
        assert status == 200, (op, body, resp)
        return resp


@pytest.fixture(scope="module")
def raw(endpoint):
    r = Raw(endpoint)
    r.must("CreateTable", {"TableName": "expr", "BillingMode": "PAY_PER_REQUEST",
                           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
    r.must("CreateTable", {"TableName": "exprsk", "BillingMode": "PAY_PER_REQUEST",
                           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                                    {"AttributeName": "sk", "AttributeType": "N"}],
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "sk", "KeyType": "RANGE"}]})
    for i in range(1, 11):
        r.must("PutItem", {"TableName": "exprsk", "Item": {
            "pk": {"S": "p"}, "sk": {"N": str(i)}, "x": {"N": str(i % 3)}, "tag": {"S": "odd" if i % 2 else "even"}}})
    yield r
    r.call("DeleteTable", {"TableName": "expr"})
    r.call("DeleteTable", {"TableName": "exprsk"})


def key_of(table, request, item):
    src = item if item is not None else request.get("Key") or request.get("Item")
    names = ["pk", "sk"] if table == "exprsk" else ["pk"]
    if not src or not all(n in src for n in names):
        return None
    return {n: src[n] for n in names}


def error_of(body):
    return body.get("__type", "").split("#")[-1], body.get("message", body.get("Message"))


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] in IMPLEMENTED], ids=lambda c: c["id"])
def test_matches_recorded_answer(raw, case):
    if case["id"] in SERVICE_DIFFERS or case["status"] == 500:
        pytest.skip(SERVICE_DIFFERS.get(case["id"], "DynamoDB Local failed internally"))
    table = case["request"].get("TableName", "expr")
    key = key_of(table, case["request"], case["item"])
    writes = case["op"] in ("PutItem", "UpdateItem", "DeleteItem")
    if key is not None and (case["item"] is not None or writes):
        raw.call("DeleteItem", {"TableName": table, "Key": key})
    if case["item"] is not None:
        raw.must("PutItem", {"TableName": table, "Item": case["item"]})
    status, body = raw.call(case["op"], case["request"])
    expected = case["response"]
    if case["status"] != 200:
        assert status == case["status"], body
        assert error_of(body) == error_of(expected)
        if "Item" in expected:
            assert canon(body.get("Item")) == canon(expected["Item"])
    else:
        assert status == 200, body
        body.pop("ConsumedCapacity", None)
        expected = dict(expected)
        expected.pop("ConsumedCapacity", None)
        assert canon(body) == canon(expected)
    if writes and key is not None:
        st, got = raw.call("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        assert canon(got.get("Item") if st == 200 else None) == canon(case["after"])
