"""Replays DynamoDB's recorded answers for the item operations (tests/integration/data/items.jsonl).

Recorded from DynamoDB Local: optional setup requests, one raw request, its answer, and the item(s) read back
afterwards. The server under test must agree, except where DynamoDB Local is known to differ from the real
service (SERVICE_DIFFERS, each with the service's behaviour, which the other suites check).
"""
import json
from pathlib import Path

import pytest

from test_expression_corpus import Raw, canon, error_of

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = [json.loads(line) for line in (DATA / "items.jsonl").read_text().splitlines() if line.strip()]
TABLES = json.loads((DATA / "items_tables.json").read_text())
KEYS = {t["TableName"]: [k["AttributeName"] for k in t["KeySchema"]] for t in TABLES}

IMPLEMENTED = {"PutItem", "GetItem", "UpdateItem", "DeleteItem", "BatchGetItem", "BatchWriteItem", "DescribeTable"}
NEEDS_INDEXES = {"itemsl"}  # a table with a local secondary index

# Where DynamoDB Local differs from the real service, the service wins.
SERVICE_DIFFERS = {
    "Cannot do operations on a non-existent table": "the service says: Requested resource not found",
    "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the "
    "characters a-z, A-Z, 0-9, '_', '-', and '.'": "the service checks names with its constraint list",
    "One of the required keys was not given a value": "the service says: Missing the key <name> in the item",
    "The number of conditions on the keys is invalid": "the service says: The provided key element does not match the schema",
    "One or more parameter values were invalid: Type mismatch for key": "the service names the key and both types",
    "Invalid attribute value type": "the service says: Type mismatch for key <name> expected: <T> actual: <T>",
    "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes":
        "the service reports the partition and sort key limits separately",
    "Item to put in PutItem cannot be null": "the service checks Item with its constraint list (Member must not be null)",
    "Cannot have null key for GetItem, DeleteItem, or UpdateItem": "the service checks Key and ReturnConsumedCapacity "
                                                                   "with its constraint list",
    "Return values set to invalid value": "an unknown ReturnValues fails the enum constraint (also checked here "
                                          "where the value is a known enum member of another operation)",
}


# Cases where DynamoDB Local accepts what the service rejects (loose JSON types, unchecked enums) or answers
# in a way the service does not.
SKIP_CASES = {
    # DynamoDB Local creates the key-only item; the service creates nothing (test_ground.py checks it).
    "upd_upsert_remove_only": "a REMOVE-only update of a missing item creates nothing",
    "upd_upsert_delete_only": "a DELETE-only update of a missing item creates nothing",
    "put_cc_total": "ReturnConsumedCapacity is case-sensitive (enum constraint)",
    "put_ricm_bogus": "ReturnItemCollectionMetrics is checked against its enum",
    "bw_ricm_invalid": "ReturnItemCollectionMetrics is checked against its enum",
    "val_ss_mixed_number": "a number inside SS is a SerializationException",
    "val_null_string": "NULL must be a JSON boolean",
    "val_value_string": "a bare string is not an AttributeValue",
    "val_S_as_number": "S must be a JSON string",
    "val_S_as_bool": "S must be a JSON string",
    "val_N_as_number": "N must be a JSON string",
    "val_pk_S_as_number": "S must be a JSON string",
    "val_BOOL_as_string": "BOOL must be a JSON boolean",
    "val_BOOL_as_number": "BOOL must be a JSON boolean",
    "val_L_with_raw": "list elements must be AttributeValues",
    "val_M_with_raw": "map values must be AttributeValues",
    "get_attributes_to_get_empty": "an empty AttributesToGet fails the length constraint",
    "upd_rv_remove_nested_updated_new": "UPDATED_NEW after removing nested paths: DynamoDB Local's answer is partial",
    "del_missing": "ConsumedCapacity only when ReturnConsumedCapacity asks for it",
    "del_rv_all_old_missing": "ConsumedCapacity only when ReturnConsumedCapacity asks for it",
    "del_cond_notexists_missing": "ConsumedCapacity only when ReturnConsumedCapacity asks for it",
    "del_cc_missing_none": "ConsumedCapacity only when ReturnConsumedCapacity asks for it",
    "bg_duplicate_keys_num_equiv": "1.5 and 1.50 are one number, so one key",
    "bg_empty_request_items": "the service checks RequestItems with its constraint list",
    "bg_no_request_items": "the service checks RequestItems with its constraint list",
    "bg_empty_keys": "the service checks Keys with its constraint list",
    "bg_no_keys": "the service checks Keys with its constraint list",
    "bw_26": "the service reports: Map value must satisfy constraint (checked in test_items.py)",
    "bw_empty_list": "the service reports: Map value must satisfy constraint",
    "bw_empty_request_items": "the service checks RequestItems with its constraint list",
    "bw_no_request_items": "the service checks RequestItems with its constraint list",
    "bw_put_no_item": "the service checks Item with its constraint list",
    "bw_delete_no_key": "the service checks Key with its constraint list",
    "bw_cc_delete_missing": "deleting a missing item costs one write unit",
    "bw_cc_indexes": "deleting a missing item costs one write unit",
}


@pytest.fixture(scope="module")
def raw(endpoint):
    r = Raw(endpoint, "AKIDITEMS")
    for t in TABLES:
        if t["TableName"] not in NEEDS_INDEXES:
            status, body = r.call("CreateTable", t)
            assert status == 200, body
    return r


def key_of(table, src):
    names = KEYS.get(table)
    if not names or not isinstance(src, dict) or not all(n in src for n in names):
        return None
    return {n: src[n] for n in names}


def touched_keys(case):
    """(table, key) of every item a write case changes, in request order."""
    req = case["request"]
    if case["op"] == "BatchWriteItem":
        out = []
        for table, writes in req.get("RequestItems", {}).items():
            for w in writes:
                src = (w.get("PutRequest") or {}).get("Item") or (w.get("DeleteRequest") or {}).get("Key")
                out.append((table, key_of(table, src)))
        return out
    if case["op"] in ("PutItem", "UpdateItem", "DeleteItem"):
        return [(req.get("TableName"), key_of(req.get("TableName"), req.get("Item") or req.get("Key")))]
    return []


def uses_indexes(case):
    text = json.dumps(case["request"]) + json.dumps(case.get("setup") or [])
    return any(f'"{t}"' in text for t in NEEDS_INDEXES)


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] in IMPLEMENTED], ids=lambda c: c["id"])
def test_matches_recorded_answer(raw, case):
    if uses_indexes(case):
        pytest.skip("needs local secondary indexes")
    if case["id"] in SKIP_CASES:
        pytest.skip(SKIP_CASES[case["id"]])
    if case["status"] == 500:
        pytest.skip("DynamoDB Local failed internally; the service answers a client error")
    expected = case["response"]
    if case["status"] != 200 and error_of(expected)[1] in SERVICE_DIFFERS:
        pytest.skip(SERVICE_DIFFERS[error_of(expected)[1]])
    for step in case.get("setup") or []:
        status, body = raw.call(step["op"], step["request"])
        assert status == 200, (step, body)
    for table, key in touched_keys(case):
        if key:
            raw.call("DeleteItem", {"TableName": table, "Key": key})
    for step in case.get("setup") or []:  # writes of the setup may have been undone by the deletes above
        if step["op"] != "CreateTable":
            raw.call(step["op"], step["request"])
    status, body = raw.call(case["op"], case["request"])
    if case["status"] != 200:
        assert status == case["status"], body
        assert error_of(body) == error_of(expected)
        if "Item" in expected:
            assert canon(body.get("Item")) == canon(expected["Item"])
        return
    assert status == 200, body
    if case["op"] == "DescribeTable":
        for member in ("ItemCount", "TableSizeBytes"):
            assert body["Table"][member] == expected["Table"][member], member
        return
    assert canon(body) == canon(expected)
    after = case.get("after")
    keys = touched_keys(case)
    if after is None or not keys:
        return
    afters = after if case["op"] == "BatchWriteItem" else [after]
    for (table, key), want in zip(keys, afters):
        if key is None or want is None:
            continue
        st, got = raw.call("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        assert canon(got) == canon(want), (table, key)
