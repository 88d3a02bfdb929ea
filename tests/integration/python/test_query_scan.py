"""Query, Scan and secondary indexes through boto3."""
import random
import time
import uuid
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import make_client


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def orders(ddb):
    """A table of 3 customers x 1000 orders, with a GSI by status and an LSI by amount."""
    name = "orders_" + uuid.uuid4().hex[:8]
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                              {"AttributeName": "order", "AttributeType": "N"},
                              {"AttributeName": "status", "AttributeType": "S"},
                              {"AttributeName": "amount", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "byStatus",
                                 "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                               {"AttributeName": "order", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{"IndexName": "byAmount",
                                "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                                              {"AttributeName": "amount", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}])
    rows = []
    for c in ("alice", "bob", "carol"):
        for i in range(1000):
            item = {"customer": {"S": c}, "order": {"N": str(i - 500)}, "amount": {"N": str((i * 37) % 1000 / 10)},
                    "note": {"S": f"n{i}"}, "extra": {"S": "x" * 10}}
            if i % 3:
                item["status"] = {"S": "open" if i % 2 else "shipped"}  # a sparse index: every third has none
            rows.append(item)
    for start in range(0, len(rows), 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": r}} for r in rows[start:start + 25]]})
    yield name
    ddb.delete_table(TableName=name)


def query_all(ddb, **kwargs):
    items, pages, start = [], 0, None
    while True:
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(**kwargs)
        items += page.get("Items", [])
        pages += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            return items, pages


def test_query_pages_through_a_partition_in_both_directions(ddb, orders):
    common = dict(TableName=orders, KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "bob"}})
    items, pages = query_all(ddb, Limit=77, **common)
    assert [int(i["order"]["N"]) for i in items] == list(range(-500, 500))  # numeric order, negatives first
    assert pages == 13  # 12 full pages of 77, then 76 items and no LastEvaluatedKey
    items, _ = query_all(ddb, Limit=100, ScanIndexForward=False, **common)
    assert [int(i["order"]["N"]) for i in items] == list(range(499, -501, -1))


def test_query_with_filter_and_limit_counts_before_the_filter(ddb, orders):
    page = ddb.query(TableName=orders, KeyConditionExpression="customer = :c AND #o BETWEEN :lo AND :hi",
                     FilterExpression="amount > :a", Limit=50,
                     ExpressionAttributeNames={"#o": "order"},
                     ExpressionAttributeValues={":c": {"S": "alice"}, ":lo": {"N": "0"}, ":hi": {"N": "499"},
                                                ":a": {"N": "50"}})
    assert page["ScannedCount"] == 50
    assert page["Count"] == sum(1 for i in range(500, 550) if (i * 37) % 1000 / 10 > 50)
    assert page["LastEvaluatedKey"] == {"customer": {"S": "alice"}, "order": {"N": "49"}}


def test_paging_never_skips_or_repeats_while_items_are_written(ddb, orders):
    common = dict(TableName=orders, KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "carol"}})
    seen, start = [], None
    while True:
        kwargs = dict(common, Limit=90)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(**kwargs)
        seen += [Decimal(i["order"]["N"]) for i in page["Items"]]
        # Writes between pages: new items behind and ahead of the position, updates of returned ones.
        ddb.put_item(TableName=orders, Item={"customer": {"S": "carol"}, "order": {"N": str(seen[-1] + Decimal("0.5"))}})
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    originals = [o for o in seen if o == int(o)]
    assert originals == list(range(-500, 500))
    assert len(seen) == len(set(seen))


def test_sort_key_conditions(ddb, orders):
    def orders_where(cond, **values):
        vals = {":c": {"S": "alice"}, **{k: {"N": str(v)} for k, v in values.items()}}
        items, _ = query_all(ddb, TableName=orders, KeyConditionExpression="customer = :c AND " + cond,
                             ExpressionAttributeNames={"#o": "order"}, ExpressionAttributeValues=vals)
        return [int(i["order"]["N"]) for i in items]
    assert orders_where("#o = :v", **{":v": -3}) == [-3]
    assert orders_where("#o < :v", **{":v": -497}) == [-500, -499, -498]
    assert orders_where("#o <= :v", **{":v": -498}) == [-500, -499, -498]
    assert orders_where("#o > :v", **{":v": 496}) == [497, 498, 499]
    assert orders_where("#o >= :v", **{":v": 497}) == [497, 498, 499]
    assert orders_where("#o BETWEEN :a AND :b", **{":a": -1, ":b": 1}) == [-1, 0, 1]


def test_string_and_binary_sort_keys_follow_byte_order(ddb):
    name = "bytes_" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    keys = ["a", "B", "aa", "a b", "\u00e9", "z", "10", "9", "", "a\u0000b"]
    keys = [k for k in keys if k]  # empty strings are not allowed in keys
    for k in keys:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": k}})
    got = [i["sk"]["S"] for i in ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                                             ExpressionAttributeValues={":p": {"S": "p"}})["Items"]]
    assert got == sorted(keys, key=lambda s: s.encode())
    got = [i["sk"]["S"] for i in ddb.query(TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
                                             ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"S": "a"}})["Items"]]
    assert got == ["a", "a\u0000b", "a b", "aa"]
    ddb.delete_table(TableName=name)


def test_parallel_scan_segments_are_disjoint_and_cover_the_table(ddb, orders):
    total = 4
    seen = []
    for segment in range(total):
        start = None
        while True:
            kwargs = dict(TableName=orders, Segment=segment, TotalSegments=total, Limit=500,
                          ProjectionExpression="customer, #o", ExpressionAttributeNames={"#o": "order"})
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = ddb.scan(**kwargs)
            seen += [(i["customer"]["S"], Decimal(i["order"]["N"])) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert len(seen) == len(set(seen))
    whole = ddb.scan(TableName=orders, Select="COUNT")
    assert len(seen) == whole["Count"] == whole["ScannedCount"]


def test_scan_filter_and_count(ddb, orders):
    r = ddb.scan(TableName=orders, FilterExpression="customer = :c AND #o < :o",
                 ExpressionAttributeNames={"#o": "order"},
                 ExpressionAttributeValues={":c": {"S": "bob"}, ":o": {"N": "-490"}}, Select="COUNT")
    assert r["Count"] == 10 and "Items" not in r


def test_gsi_is_sparse_and_keys_only(ddb, orders):
    items, _ = query_all(ddb, TableName=orders, IndexName="byStatus", KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}})
    assert len(items) == 3 * sum(1 for i in range(1000) if i % 3 and i % 2)
    assert set(items[0]) == {"customer", "order", "status"}  # KEYS_ONLY: table and index keys
    page = ddb.query(TableName=orders, IndexName="byStatus", KeyConditionExpression="#s = :s", Limit=2,
                     ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}})
    assert set(page["LastEvaluatedKey"]) == {"customer", "order", "status"}


def test_lsi_orders_by_its_sort_key_and_projects_included_attributes(ddb, orders):
    page = ddb.query(TableName=orders, IndexName="byAmount", KeyConditionExpression="customer = :c AND amount < :a",
                     ExpressionAttributeValues={":c": {"S": "alice"}, ":a": {"N": "1"}})
    amounts = [Decimal(i["amount"]["N"]) for i in page["Items"]]
    assert amounts == sorted(amounts) and amounts
    assert set(page["Items"][0]) == {"customer", "order", "amount", "note"}
    full = ddb.query(TableName=orders, IndexName="byAmount", Select="ALL_ATTRIBUTES", Limit=1,
                     KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "alice"}})
    assert "extra" in full["Items"][0]  # a local index reads the rest from the table


def test_index_entries_follow_writes(ddb, orders):
    def statuses(s):
        items, _ = query_all(ddb, TableName=orders, IndexName="byStatus", KeyConditionExpression="#s = :s",
                             ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": s}})
        return {(i["customer"]["S"], i["order"]["N"]) for i in items}
    key = {"customer": {"S": "bob"}, "order": {"N": "-499"}}  # i = 1: open
    assert ("bob", "-499") in statuses("open")
    ddb.update_item(TableName=orders, Key=key, UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "lost"}})
    assert ("bob", "-499") not in statuses("open") and statuses("lost") == {("bob", "-499")}
    ddb.update_item(TableName=orders, Key=key, UpdateExpression="REMOVE #s", ExpressionAttributeNames={"#s": "status"})
    assert statuses("lost") == set()
    ddb.put_item(TableName=orders, Item={**key, "status": {"S": "lost"}})
    ddb.delete_item(TableName=orders, Key=key)
    assert statuses("lost") == set()


@pytest.mark.service_only
def test_index_key_of_the_wrong_type_is_refused(raw_ddb, orders):
    with pytest.raises(ClientError) as e:
        raw_ddb.put_item(TableName=orders, Item={"customer": {"S": "x"}, "order": {"N": "1"}, "status": {"N": "1"}})
    assert error(e) == ("ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key "
                        "status Expected: S Actual: N IndexName: byStatus")
    assert "Item" not in raw_ddb.get_item(TableName=orders, Key={"customer": {"S": "x"}, "order": {"N": "1"}})


@pytest.mark.service_only
def test_consistent_reads_are_refused_on_global_indexes(ddb, orders):
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=orders, IndexName="byStatus", ConsistentRead=True, KeyConditionExpression="#s = :s",
                  ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}})
    assert error(e) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")


def test_query_errors(ddb, orders):
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=orders, IndexName="nope", KeyConditionExpression="customer = :c",
                  ExpressionAttributeValues={":c": {"S": "a"}})
    assert error(e) == ("ValidationException", "The table does not have the specified index: nope")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=orders, KeyConditionExpression="customer = :c", FilterExpression="#o > :o",
                  ExpressionAttributeNames={"#o": "order"}, ExpressionAttributeValues={":c": {"S": "a"}, ":o": {"N": "1"}})
    assert error(e) == ("ValidationException",
                        "Filter Expression can only contain non-primary key attributes: Primary key attribute: order")


def test_describe_table_shows_indexes(ddb, orders):
    t = ddb.describe_table(TableName=orders)["Table"]
    gsi = t["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "byStatus" and gsi["IndexStatus"] == "ACTIVE"
    assert gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert gsi["IndexArn"] == t["TableArn"] + "/index/byStatus"
    lsi = t["LocalSecondaryIndexes"][0]
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}
    with_amount = ddb.scan(TableName=orders, Select="COUNT", FilterExpression="attribute_exists(amount)")["Count"]
    assert lsi["ItemCount"] == with_amount


def test_gsi_created_on_a_populated_table(ddb, orders):
    ddb.update_table(TableName=orders,
                     AttributeDefinitions=[{"AttributeName": "note", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "byNote", "KeySchema": [{"AttributeName": "note", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "ALL"}}}])
    for _ in range(100):  # the backfill runs in the background: CREATING, then ACTIVE
        t = ddb.describe_table(TableName=orders)["Table"]
        gsi = {g["IndexName"]: g for g in t["GlobalSecondaryIndexes"]}["byNote"]
        if gsi["IndexStatus"] == "ACTIVE":
            break
        assert gsi["IndexStatus"] == "CREATING"
        time.sleep(0.05)
    with_note = ddb.scan(TableName=orders, Select="COUNT", FilterExpression="attribute_exists(note)")["Count"]
    assert gsi["IndexStatus"] == "ACTIVE" and gsi["ItemCount"] == with_note
    r = ddb.query(TableName=orders, IndexName="byNote", KeyConditionExpression="note = :n",
                  ExpressionAttributeValues={":n": {"S": "n7"}})
    assert sorted(i["customer"]["S"] for i in r["Items"]) == ["alice", "bob", "carol"]
    ddb.update_table(TableName=orders, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byNote"}}])
    for _ in range(100):  # the service shows DELETING for a while; ddblocal removes the index at once
        gsis = ddb.describe_table(TableName=orders)["Table"]["GlobalSecondaryIndexes"]
        if [g["IndexName"] for g in gsis] == ["byStatus"]:
            break
        assert {g["IndexName"]: g["IndexStatus"] for g in gsis}["byNote"] == "DELETING"
        time.sleep(0.05)
    assert [g["IndexName"] for g in gsis] == ["byStatus"]


def test_index_contents_equal_a_recomputation_after_a_random_workload(ddb):
    name = "inv_" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"},
                                           {"AttributeName": "r", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     GlobalSecondaryIndexes=[{"IndexName": "byG",
                                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                            {"AttributeName": "r", "KeyType": "RANGE"}],
                                              "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}])
    rng = random.Random(7)
    for _ in range(600):
        pk = {"S": f"k{rng.randrange(60)}"}
        op = rng.random()
        if op < 0.4:
            item = {"pk": pk, "v": {"N": str(rng.randrange(100))}}
            if rng.random() < 0.8:
                item["g"] = {"S": rng.choice("abc")}
            if rng.random() < 0.8:
                item["r"] = {"N": str(rng.randrange(10))}
            ddb.put_item(TableName=name, Item=item)
        elif op < 0.7:
            ddb.update_item(TableName=name, Key={"pk": pk}, UpdateExpression="SET g = :g, v = :v",
                            ExpressionAttributeValues={":g": {"S": rng.choice("abcd")}, ":v": {"N": "1"}})
        elif op < 0.85:
            ddb.update_item(TableName=name, Key={"pk": pk}, UpdateExpression="REMOVE r")
        else:
            ddb.delete_item(TableName=name, Key={"pk": pk})
    table = ddb.scan(TableName=name)["Items"]
    expected = sorted((i["g"]["S"], i["r"]["N"], i["pk"]["S"], i["v"]["N"]) for i in table if "g" in i and "r" in i)
    index = ddb.scan(TableName=name, IndexName="byG")["Items"]
    got = sorted((i["g"]["S"], i["r"]["N"], i["pk"]["S"], i["v"]["N"]) for i in index)
    assert got == expected
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == len(expected)
    ddb.delete_table(TableName=name)


@pytest.mark.service_only
def test_item_collection_metrics_on_a_table_with_a_local_index(ddb, orders):
    key = {"customer": {"S": "dave"}, "order": {"N": "1"}}
    r = ddb.put_item(TableName=orders, Item={**key, "amount": {"N": "5"}}, ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == {"ItemCollectionKey": {"customer": {"S": "dave"}},
                                          "SizeEstimateRangeGB": [0.0, 1.0]}
    r = ddb.transact_write_items(TransactItems=[{"Update": {
        "TableName": orders, "Key": key, "UpdateExpression": "SET amount = :a",
        "ExpressionAttributeValues": {":a": {"N": "6"}}}}], ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"][orders][0]["ItemCollectionKey"] == {"customer": {"S": "dave"}}
    assert "ItemCollectionMetrics" not in ddb.get_item(TableName=orders, Key=key)


def test_writes_charge_the_indexes_they_change(ddb, orders):
    key = {"customer": {"S": "erin"}, "order": {"N": "1"}}
    r = ddb.put_item(TableName=orders, Item={**key, "status": {"S": "open"}, "amount": {"N": "5"}},
                     ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert r["CapacityUnits"] == 3.0
    assert r["Table"] == {"CapacityUnits": 1.0}
    assert r["GlobalSecondaryIndexes"] == {"byStatus": {"CapacityUnits": 1.0}}
    assert r["LocalSecondaryIndexes"] == {"byAmount": {"CapacityUnits": 1.0}}
    # Moving an index key deletes one entry and writes another: two units for that index.
    r = ddb.update_item(TableName=orders, Key=key, UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":s": {"S": "shipped"}}, ReturnConsumedCapacity="INDEXES")
    assert r["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"byStatus": {"CapacityUnits": 2.0}}
    assert "LocalSecondaryIndexes" not in r["ConsumedCapacity"]  # the local index's entry did not change
    total = ddb.delete_item(TableName=orders, Key=key, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert total["CapacityUnits"] == 3.0
