"""Item operations through boto3: the service's messages, limits, capacity, and atomicity under concurrency."""
import json
import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import make_client


@pytest.fixture(scope="module")
def tables(ddb):
    suffix = uuid.uuid4().hex[:8]
    names = {"hash": f"items_h_{suffix}", "range": f"items_r_{suffix}", "bin": f"items_b_{suffix}"}
    ddb.create_table(TableName=names["hash"], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ddb.create_table(TableName=names["range"], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    ddb.create_table(TableName=names["bin"], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    yield names
    for n in names.values():
        ddb.delete_table(TableName=n)


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_put_get_update_delete_round_trip(ddb, tables):
    t = tables["hash"]
    item = {"pk": {"S": "rt"}, "s": {"S": "text"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\x01"}, "t": {"BOOL": True},
            "z": {"NULL": True}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["2", "1"]}, "bs": {"BS": [b"\x01"]},
            "l": {"L": [{"S": "x"}, {"N": "1"}]}, "m": {"M": {"k": {"S": "v"}}}, "empty": {"S": ""}}
    assert "Attributes" not in ddb.put_item(TableName=t, Item=item, ReturnValues="ALL_OLD")
    got = ddb.get_item(TableName=t, Key={"pk": {"S": "rt"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}  # stored normalised
    assert got["b"] == {"B": b"\x00\x01"}
    assert sorted(got["ns"]["NS"]) == ["1", "2"]
    assert got["empty"] == {"S": ""}  # empty strings are allowed outside keys

    updated = ddb.update_item(TableName=t, Key={"pk": {"S": "rt"}}, UpdateExpression="SET n = n + :one REMOVE z",
                              ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    assert updated["Attributes"] == {"n": {"N": "2.5"}}
    old = ddb.delete_item(TableName=t, Key={"pk": {"S": "rt"}}, ReturnValues="ALL_OLD")["Attributes"]
    assert old["n"] == {"N": "2.5"} and "z" not in old
    assert "Item" not in ddb.get_item(TableName=t, Key={"pk": {"S": "rt"}})


def test_update_of_a_missing_item_creates_it(ddb, tables):
    t = tables["range"]
    r = ddb.update_item(TableName=t, Key={"pk": {"S": "up"}, "sk": {"N": "1"}}, UpdateExpression="SET a = :a",
                        ExpressionAttributeValues={":a": {"S": "x"}}, ReturnValues="ALL_NEW")
    assert r["Attributes"] == {"pk": {"S": "up"}, "sk": {"N": "1"}, "a": {"S": "x"}}


def test_projection_and_legacy_attributes_to_get(ddb, tables):
    t = tables["hash"]
    ddb.put_item(TableName=t, Item={"pk": {"S": "proj"}, "a": {"M": {"b": {"N": "1"}, "c": {"N": "2"}}}, "d": {"S": "x"}})
    got = ddb.get_item(TableName=t, Key={"pk": {"S": "proj"}}, ProjectionExpression="a.b, #d",
                       ExpressionAttributeNames={"#d": "d"})["Item"]
    assert got == {"a": {"M": {"b": {"N": "1"}}}, "d": {"S": "x"}}
    got = ddb.get_item(TableName=t, Key={"pk": {"S": "proj"}}, AttributesToGet=["d"])["Item"]
    assert got == {"d": {"S": "x"}}


@pytest.mark.service_only
def test_key_rules_with_the_service_messages(raw_ddb, tables):
    t = tables["range"]
    cases = [
        ({"pk": {"S": "k"}}, "One or more parameter values were invalid: Missing the key sk in the item"),
        ({"pk": {"S": "k"}, "sk": {"S": "1"}},
         "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"),
        ({"pk": {"S": ""}, "sk": {"N": "1"}}, "One or more parameter values are not valid. The AttributeValue for a key "
                                             "attribute cannot contain an empty string value. Key: pk"),
        ({"pk": {"S": "x" * 2049}, "sk": {"N": "1"}},
         "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ]
    for item, message in cases:
        with pytest.raises(ClientError) as e:
            raw_ddb.put_item(TableName=t, Item=item)
        assert error(e) == ("ValidationException", message)
    raw_ddb.put_item(TableName=t, Item={"pk": {"S": "x" * 2048}, "sk": {"N": "1"}})  # exactly at the limit
    for key in [{"pk": {"S": "k"}}, {"pk": {"S": "k"}, "sk": {"N": "1"}, "x": {"S": "y"}}, {"pk": {"N": "1"}, "sk": {"N": "1"}}]:
        with pytest.raises(ClientError) as e:
            raw_ddb.get_item(TableName=t, Key=key)
        assert error(e) == ("ValidationException", "The provided key element does not match the schema")
    with pytest.raises(ClientError) as e:
        raw_ddb.put_item(TableName=tables["bin"], Item={"pk": {"B": b""}})
    assert error(e)[1].endswith("cannot contain an empty binary value. Key: pk")


@pytest.mark.service_only
def test_missing_table_for_item_operations(ddb):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="no_such_table", Key={"pk": {"S": "x"}})
    assert error(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_item_size_limit_is_400_kb(ddb, tables):
    t = tables["hash"]
    # DynamoDB's size: attribute names plus values; "pk" + "k" + "v" + 409596 bytes = 409600 = 400 KB.
    ddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "v": {"S": "x" * 409596}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=t, Item={"pk": {"S": "k"}, "v": {"S": "x" * 409597}})
    assert error(e) == ("ValidationException", "Item size has exceeded the maximum allowed size")
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=t, Key={"pk": {"S": "k"}}, UpdateExpression="SET w = :w",
                        ExpressionAttributeValues={":w": {"S": "y"}})
    assert error(e) == ("ValidationException", "Item size to update has exceeded the maximum allowed size")
    # Nothing of the refused writes was stored.
    got = ddb.get_item(TableName=t, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
    assert len(got["v"]["S"]) == 409596 and "w" not in got


def test_consumed_capacity_follows_the_size_rules(ddb, tables):
    t = tables["hash"]
    def put(size):
        # "pk" + "c" (3) + "v" (1) + value: total item size = size
        return ddb.put_item(TableName=t, Item={"pk": {"S": "c"}, "v": {"S": "x" * (size - 4)}},
                            ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"]
    ddb.delete_item(TableName=t, Key={"pk": {"S": "c"}})
    assert put(1024) == 1.0
    assert put(1025) == 2.0   # (an overwrite costs the larger of the two items)
    assert put(1024) == 2.0
    ddb.delete_item(TableName=t, Key={"pk": {"S": "c"}})
    assert put(2049) == 3.0
    get = lambda consistent: ddb.get_item(TableName=t, Key={"pk": {"S": "c"}}, ConsistentRead=consistent,
                                          ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"]
    assert (get(False), get(True)) == (0.5, 1.0)
    put(4097)
    assert (get(False), get(True)) == (1.0, 2.0)
    indexes = ddb.get_item(TableName=t, Key={"pk": {"S": "c"}}, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert indexes["Table"] == {"CapacityUnits": 1.0}


def test_conditional_check_failure_returns_the_old_item(endpoint, ddb, tables):
    import http.client
    t = tables["hash"]
    ddb.put_item(TableName=t, Item={"pk": {"S": "ccf"}, "n": {"N": "5"}})
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    body = {"TableName": t, "Item": {"pk": {"S": "ccf"}}, "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    conn.request("POST", "/", body=json.dumps(body), headers={
        "X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTESTS/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    resp = conn.getresponse()
    doc = json.loads(resp.read())
    assert resp.status == 400
    assert doc["__type"].endswith("#ConditionalCheckFailedException")
    assert doc["Item"] == {"pk": {"S": "ccf"}, "n": {"N": "5"}}


def test_concurrent_adds_never_lose_an_update(endpoint, tables):
    t = tables["hash"]
    threads, per_thread = 8, 50
    make_client(endpoint).put_item(TableName=t, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})

    def work():
        client = make_client(endpoint)
        for _ in range(per_thread):
            client.update_item(TableName=t, Key={"pk": {"S": "counter"}}, UpdateExpression="ADD n :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    got = make_client(endpoint).get_item(TableName=t, Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": str(threads * per_thread)}


def test_concurrent_conditional_creates_have_one_winner(endpoint, tables):
    t = tables["hash"]
    winners = []

    def race(i):
        try:
            make_client(endpoint).put_item(TableName=t, Item={"pk": {"S": "race"}, "who": {"N": str(i)}},
                                           ConditionExpression="attribute_not_exists(pk)")
            winners.append(i)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"

    workers = [threading.Thread(target=race, args=(i,)) for i in range(12)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(winners) == 1


def test_batch_write_and_batch_get(ddb, tables):
    h, r = tables["hash"], tables["range"]
    resp = ddb.batch_write_item(RequestItems={
        h: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "i": {"N": str(i)}}}} for i in range(10)],
        r: [{"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": str(i)}}}} for i in range(5)]},
        ReturnConsumedCapacity="TOTAL")
    assert resp["UnprocessedItems"] == {}
    assert sorted(c["TableName"] for c in resp["ConsumedCapacity"]) == sorted([h, r])
    got = ddb.batch_get_item(RequestItems={
        h: {"Keys": [{"pk": {"S": f"b{i}"}} for i in range(12)], "ProjectionExpression": "i"},
        r: {"Keys": [{"pk": {"S": "b"}, "sk": {"N": "3"}}], "ConsistentRead": True}})
    assert sorted(int(x["i"]["N"]) for x in got["Responses"][h]) == list(range(10))  # b10, b11 do not exist
    assert got["Responses"][r] == [{"pk": {"S": "b"}, "sk": {"N": "3"}}]
    assert got["UnprocessedKeys"] == {}
    ddb.batch_write_item(RequestItems={h: [{"DeleteRequest": {"Key": {"pk": {"S": f"b{i}"}}}} for i in range(10)]})
    assert ddb.batch_get_item(RequestItems={h: {"Keys": [{"pk": {"S": "b1"}}]}})["Responses"][h] == []


@pytest.mark.service_only
def test_batch_limits(raw_ddb, tables):
    h = tables["hash"]
    with pytest.raises(ClientError) as e:
        raw_ddb.batch_get_item(RequestItems={h: {"Keys": [{"pk": {"S": str(i)}} for i in range(101)]}})
    assert error(e) == ("ValidationException", "Too many items requested for the BatchGetItem call")
    with pytest.raises(ClientError) as e:
        raw_ddb.batch_get_item(RequestItems={h: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}})
    assert error(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as e:
        raw_ddb.batch_write_item(RequestItems={h: [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]})
    code, message = error(e)
    assert message.startswith("1 validation error detected: Value '{")
    assert message.endswith("' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
                            "[Member must have length less than or equal to 25, Member must have length greater than "
                            "or equal to 1]")
    with pytest.raises(ClientError) as e:
        raw_ddb.batch_write_item(RequestItems={h: [{"PutRequest": {"Item": {"pk": {"S": "a"}}}},
                                                   {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]})
    assert error(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    # Nothing of a refused batch is written.
    with pytest.raises(ClientError):
        raw_ddb.batch_write_item(RequestItems={h: [{"PutRequest": {"Item": {"pk": {"S": "ok"}}}},
                                                   {"PutRequest": {"Item": {"nokey": {"S": "x"}}}}]})
    assert "Item" not in raw_ddb.get_item(TableName=h, Key={"pk": {"S": "ok"}})


def test_describe_table_counts_items(ddb, tables):
    t = tables["range"]
    before = ddb.describe_table(TableName=t)["Table"]
    ddb.put_item(TableName=t, Item={"pk": {"S": "count"}, "sk": {"N": "1"}, "v": {"S": "abc"}})
    after = ddb.describe_table(TableName=t)["Table"]
    assert after["ItemCount"] == before["ItemCount"] + 1
    # "pk"(2) + "count"(5) + "sk"(2) + 1 (N) ... + "v"(1) + "abc"(3)
    assert after["TableSizeBytes"] - before["TableSizeBytes"] == 2 + 5 + 2 + 2 + 1 + 3


def test_batch_get_over_16_mb_answers_unprocessed_keys_that_can_be_sent_again_as_they_come(ddb, tables):
    # 45 items of about 390 KB: the answer stops at 16 MB and the rest comes back in UnprocessedKeys, with what
    # the request asked for (a projection naming #placeholders needs its ExpressionAttributeNames again).
    h = tables["hash"]
    big = "x" * (390 * 1024)
    for i in range(45):
        ddb.put_item(TableName=h, Item={"pk": {"S": f"big{i}"}, "blob": {"S": big}, "n": {"N": str(i)}})
    request = {h: {"Keys": [{"pk": {"S": f"big{i}"}} for i in range(45)],
                   "ProjectionExpression": "#k, #b, n", "ExpressionAttributeNames": {"#k": "pk", "#b": "blob"}}}
    got, rounds = [], 0
    while request:
        answer = ddb.batch_get_item(RequestItems=request)
        got += answer["Responses"].get(h, [])
        request = answer["UnprocessedKeys"]
        rounds += 1
        if request:
            assert request[h]["ExpressionAttributeNames"] == {"#k": "pk", "#b": "blob"}
            assert request[h]["ProjectionExpression"] == "#k, #b, n"
    assert rounds > 1
    assert sorted(int(x["n"]["N"]) for x in got) == list(range(45))
    ddb.batch_write_item(RequestItems={h: [{"DeleteRequest": {"Key": {"pk": {"S": f"big{i}"}}}} for i in range(20)]})
    ddb.batch_write_item(RequestItems={h: [{"DeleteRequest": {"Key": {"pk": {"S": f"big{i}"}}}} for i in range(20, 45)]})
