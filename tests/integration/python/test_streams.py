"""DynamoDB Streams through boto3's `dynamodbstreams` client: StreamSpecification on CreateTable/UpdateTable,
ListStreams, DescribeStream, GetShardIterator, GetRecords, the records every kind of write makes (and the
writes that make none), a disabled stream that stays readable, and the seed's stream processor as a consumer.

The messages were recorded from Amazon's DynamoDB Local 1.25 (`ddb-oracle`). Where DynamoDB Local is known to
differ from the service (its `ddblocal` region in ARNs and records, a garbage ARN answered as a missing
resource, ShardFilter ignored, a REMOVE-only update of a missing item creating it), the service's behaviour is
tested and marked `service_only`; the sources are the AWS documentation and ScyllaDB's Alternator suite
(test/alternator/test_streams.py), which is checked against the service.

The tests at the end start ddblocal processes of their own (`start_server`) with small bounds, to see shard
lineage, trimming and iterator expiry without waiting hours.
"""
import json
import re
import time
import uuid
from datetime import datetime, timezone

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from conftest import make_client, make_streams_client

VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
V, RNF = "ValidationException", "ResourceNotFoundException"
LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")
SHARD_ID = re.compile(r"^shardId-\d{20}-[0-9a-f]{8}$")
SEQUENCE = re.compile(r"^\d{21,40}$")
LIMIT_AT_LEAST_1 = ("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                    "Member must have value greater than or equal to 1")
TRIMMED = "The operation attempted to read past the oldest stream record in a shard."


# ---------------------------------------------------------------------------------------------------------------
# Helpers (test_ttl.py uses them too)


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def new_name(prefix="st"):
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_table(ddb, name, view=None, sort=None, **extra):
    """A PAY_PER_REQUEST table keyed by pk (S) [and sort (name, type)], with a stream of the view type if given."""
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sort:
        attrs.append({"AttributeName": sort[0], "AttributeType": sort[1]})
        keys.append({"AttributeName": sort[0], "KeyType": "RANGE"})
    args = dict(TableName=name, AttributeDefinitions=attrs, KeySchema=keys, BillingMode="PAY_PER_REQUEST")
    if view:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    for key, value in extra.items():
        if key == "AttributeDefinitions":
            attrs.extend(value)
        else:
            args[key] = value
    return ddb.create_table(**args)["TableDescription"]


def table_maker(ddb):
    """For a fixture: yields a function that creates tables (see create_table) and returns their
    TableDescription; the tables are deleted at the end."""
    made = []

    def make(view="NEW_AND_OLD_IMAGES", name=None, **kw):
        name = name or new_name()
        made.append(name)
        return create_table(ddb, name, view, **kw)

    yield make
    for name in made:
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass


@pytest.fixture
def make_table(ddb):
    yield from table_maker(ddb)


def all_shards(streams, arn, limit=None):
    """Every shard of the stream, following LastEvaluatedShardId."""
    shards, start = [], None
    while True:
        kw = {"StreamArn": arn}
        if limit:
            kw["Limit"] = limit
        if start:
            kw["ExclusiveStartShardId"] = start
        page = streams.describe_stream(**kw)["StreamDescription"]
        if limit:
            assert len(page["Shards"]) <= limit
        shards += page["Shards"]
        start = page.get("LastEvaluatedShardId")
        if not start:
            return shards
        assert start == page["Shards"][-1]["ShardId"]


def iterator(streams, arn, shard_id, kind="TRIM_HORIZON", seq=None):
    kw = dict(StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind)
    if seq is not None:
        kw["SequenceNumber"] = seq
    return streams.get_shard_iterator(**kw)["ShardIterator"]


def drain(streams, it, limit=None):
    """Reads from an iterator until an open shard has nothing more (empty page) or a closed shard ends.
    Returns (records, next iterator or None when the shard is closed and read to its end)."""
    records = []
    while True:
        kw = {"ShardIterator": it}
        if limit:
            kw["Limit"] = limit
        page = streams.get_records(**kw)
        records += page["Records"]
        it = page.get("NextShardIterator")
        if it is None or not page["Records"]:
            return records, it


def read_stream(streams, arn, expect=0, timeout=5.0):
    """All records of the stream, shard after shard from TRIM_HORIZON. Retries for up to `timeout` seconds
    until at least `expect` records are there (the service makes records readable asynchronously)."""
    deadline = time.time() + timeout
    while True:
        records = []
        for shard in all_shards(streams, arn):
            records += drain(streams, iterator(streams, arn, shard["ShardId"]))[0]
        if len(records) >= expect or time.time() > deadline:
            return records
        time.sleep(0.1)


def only_shard(streams, arn):
    shards = all_shards(streams, arn)
    assert len(shards) == 1
    return shards[0]["ShardId"]


def number_size(text):
    digits = text.lower().lstrip("+-").split("e")[0].replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def value_size(value):
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(len(b) for b in v)
    if kind == "L":
        return 3 + sum(value_size(e) + 1 for e in v)
    return 3 + sum(len(k.encode()) + value_size(e) + 1 for k, e in v.items())


def item_size(item):
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def images_for(view, old, new):
    """The images a record of the view type carries for a change from old to new (None: no item)."""
    images = {}
    if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
        images["NewImage"] = new
    if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
        images["OldImage"] = old
    return images


def whole_seconds_between(stamp, start, end):
    """ApproximateCreationDateTime: epoch seconds, rounded down (the docs: to the second; DynamoDB Local rounds
    down to the minute), so somewhere in [start - 60 s, end]."""
    assert isinstance(stamp, datetime) and stamp.tzinfo is not None
    seconds = stamp.timestamp()
    assert seconds == int(seconds)
    assert start - 61 <= seconds <= end + 1


def check_record(record, view, keys, old, new, start=None, service=False):
    """One record of a change of the item with `keys` from old to new (None: no item)."""
    assert record["eventName"] == ("INSERT" if old is None else "REMOVE" if new is None else "MODIFY")
    assert record["eventVersion"] == "1.1"
    assert record["eventSource"] == "aws:dynamodb"
    assert isinstance(record["awsRegion"], str) and record["awsRegion"]
    assert isinstance(record["eventID"], str) and record["eventID"]
    if service:
        assert record["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    else:
        assert "userIdentity" not in record
    d = record["dynamodb"]
    assert d["Keys"] == keys
    assert d["StreamViewType"] == view
    images = {k: d[k] for k in ("NewImage", "OldImage") if k in d}
    assert images == images_for(view, old, new)
    assert d["SizeBytes"] == item_size(keys) + sum(item_size(i) for i in images.values())
    assert SEQUENCE.match(d["SequenceNumber"])
    if start is not None:
        whole_seconds_between(d["ApproximateCreationDateTime"], start, time.time())


def check_sequence(records):
    """Sequence numbers are decimal strings that increase (compared as integers); event ids are unique."""
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len({r["eventID"] for r in records}) == len(records)


def by_key(records):
    """Records grouped per item key (the stream orders one item's records; different items may interleave)."""
    grouped = {}
    for r in records:
        grouped.setdefault(json.dumps(r["dynamodb"]["Keys"], sort_keys=True), []).append(r)
    return grouped


def key_of(**attrs):
    return json.dumps({k: {"S": v} for k, v in attrs.items()}, sort_keys=True)


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def describe_with_shard_filter(streams, arn, shard_id, kind="CHILD_SHARDS"):
    """DescribeStream with a ShardFilter (newer than this botocore's model: added to the request body here)."""
    def inject(request, **_):
        body = json.loads(request.data or b"{}")
        body["ShardFilter"] = {"Type": kind, "ShardId": shard_id}
        request.data = json.dumps(body).encode()

    handler_id = "shard-filter-" + uuid.uuid4().hex
    streams.meta.events.register("before-sign.*.DescribeStream", inject, unique_id=handler_id)
    try:
        return streams.describe_stream(StreamArn=arn)["StreamDescription"]
    finally:
        streams.meta.events.unregister("before-sign.*.DescribeStream", unique_id=handler_id)


# ---------------------------------------------------------------------------------------------------------------
# StreamSpecification on CreateTable and UpdateTable


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_create_table_with_a_stream(ddb, streams, make_table, view):
    before = time.time()
    t = make_table(view)
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view}
    label, arn = t["LatestStreamLabel"], t["LatestStreamArn"]
    assert LABEL.match(label)
    assert arn == f"{t['TableArn']}/stream/{label}"
    created = datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
    assert before - 2 <= created <= time.time() + 2

    described = ddb.describe_table(TableName=t["TableName"])["Table"]
    assert described["StreamSpecification"] == t["StreamSpecification"]
    assert (described["LatestStreamLabel"], described["LatestStreamArn"]) == (label, arn)
    assert streams.list_streams(TableName=t["TableName"])["Streams"] == [
        {"StreamArn": arn, "TableName": t["TableName"], "StreamLabel": label}]

    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamArn"] == arn and d["StreamLabel"] == label and d["TableName"] == t["TableName"]
    assert d["StreamStatus"] in ("ENABLING", "ENABLED")
    assert d["StreamViewType"] == view
    assert d["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert abs(d["CreationRequestDateTime"].timestamp() - created) < 1


@pytest.mark.service_only
def test_stream_arn_and_records_carry_the_request_region(ddb, streams, make_table):
    # DynamoDB Local writes "ddblocal" where the service writes the region of the request.
    t = make_table("KEYS_ONLY")
    assert re.match(rf"^arn:aws:dynamodb:us-east-1:\d{{12}}:table/{t['TableName']}/stream/", t["LatestStreamArn"])
    ddb.put_item(TableName=t["TableName"], Item={"pk": S("a")})
    record, = read_stream(streams, t["LatestStreamArn"], expect=1)
    assert record["awsRegion"] == "us-east-1"


@pytest.mark.parametrize("spec, message", [
    ({"StreamEnabled": True},
     "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."),
    ({"StreamEnabled": False, "StreamViewType": "NEW_IMAGE"},
     "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
], ids=["enabled_without_type", "disabled_with_type"])
def test_create_table_stream_specification_errors(raw_ddb, spec, message):
    with pytest.raises(ClientError) as e:
        raw_ddb.create_table(**table_args(new_name(), spec))
    assert error(e) == (V, message)


def table_args(name, spec):
    return dict(TableName=name, BillingMode="PAY_PER_REQUEST", StreamSpecification=spec,
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


# A member the model requires, or an enum value outside the model's set: the service answers with its constraint
# list; DynamoDB Local with its own words ("Stream StreamEnabled was null", "Invalid StreamViewType: BOGUS").
CONSTRAINT_ERRORS = {
    "type_without_enabled": ({"StreamViewType": "NEW_IMAGE"},
                             "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to "
                             "satisfy constraint: Member must not be null"),
    "empty": ({}, "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy "
                  "constraint: Member must not be null"),
    "bogus_type": ({"StreamEnabled": True, "StreamViewType": "BOGUS"},
                   "1 validation error detected: Value 'BOGUS' at 'streamSpecification.streamViewType' failed to "
                   "satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, "
                   "KEYS_ONLY]"),
}


def constraint_error(raw_ddb, make_table, operation, case):
    spec = CONSTRAINT_ERRORS[case][0]
    with pytest.raises(ClientError) as e:
        if operation == "create":
            raw_ddb.create_table(**table_args(new_name(), spec))
        else:
            raw_ddb.update_table(TableName=make_table(None)["TableName"], StreamSpecification=spec)
    return error(e)


@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("case", list(CONSTRAINT_ERRORS))
def test_stream_specification_constraints(raw_ddb, make_table, operation, case):
    assert constraint_error(raw_ddb, make_table, operation, case)[0] == V


@pytest.mark.service_only
@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("case", list(CONSTRAINT_ERRORS))
def test_stream_specification_constraint_messages(raw_ddb, make_table, operation, case):
    assert constraint_error(raw_ddb, make_table, operation, case) == (V, CONSTRAINT_ERRORS[case][1])


def test_create_table_with_stream_disabled_has_no_stream(ddb, streams, make_table):
    t = make_table(None, StreamSpecification={"StreamEnabled": False})
    described = ddb.describe_table(TableName=t["TableName"])["Table"]
    for d in (t, described):
        assert not {"StreamSpecification", "LatestStreamLabel", "LatestStreamArn"} & set(d)
    assert streams.list_streams(TableName=t["TableName"])["Streams"] == []


def test_enable_disable_and_re_enable_a_stream(ddb, streams, make_table):
    t = make_table(None)
    name = t["TableName"]
    first = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    first = first["TableDescription"]
    assert first["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    arn1, label1 = first["LatestStreamArn"], first["LatestStreamLabel"]
    assert arn1 == f"{t['TableArn']}/stream/{label1}"

    # An enabled stream can be neither enabled again nor changed to another view type.
    for view in ("KEYS_ONLY", "NEW_IMAGE"):
        with pytest.raises(ClientError) as e:
            ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        assert error(e) == (V, "Table already has an enabled stream")

    # Other updates keep the stream and its ARN.
    same = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert (same["LatestStreamArn"], same["StreamSpecification"]["StreamViewType"]) == (arn1, "KEYS_ONLY")

    # Disabling leaves no StreamSpecification, but the latest stream's ARN and label stay.
    off = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})["TableDescription"]
    described = ddb.describe_table(TableName=name)["Table"]
    for d in (off, described):
        assert "StreamSpecification" not in d
        assert (d["LatestStreamArn"], d["LatestStreamLabel"]) == (arn1, label1)
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert error(e) == (V, "Table has no stream to disable")

    time.sleep(0.01)  # labels have millisecond resolution
    second = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    second = second["TableDescription"]
    arn2, label2 = second["LatestStreamArn"], second["LatestStreamLabel"]
    assert second["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert arn2 != arn1 and label2 > label1 and arn2 == f"{t['TableArn']}/stream/{label2}"

    listed = streams.list_streams(TableName=name)["Streams"]
    assert sorted(s["StreamArn"] for s in listed) == sorted([arn1, arn2])
    old = streams.describe_stream(StreamArn=arn1)["StreamDescription"]
    assert old["StreamStatus"] in ("DISABLING", "DISABLED") and old["StreamViewType"] == "KEYS_ONLY"
    new = streams.describe_stream(StreamArn=arn2)["StreamDescription"]
    assert new["StreamStatus"] in ("ENABLING", "ENABLED") and new["StreamViewType"] == "NEW_IMAGE"


@pytest.mark.parametrize("enabled_first, spec, message", [
    (False, {"StreamEnabled": False}, "Table has no stream to disable"),
    (False, {"StreamEnabled": True},
     "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."),
    (True, {"StreamEnabled": True},
     "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."),
    (True, {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
     "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
], ids=["disable_never_enabled", "enable_without_type", "enabled_without_type", "disable_with_type"])
def test_update_table_stream_specification_errors(raw_ddb, make_table, enabled_first, spec, message):
    t = make_table("NEW_IMAGE" if enabled_first else None)
    with pytest.raises(ClientError) as e:
        raw_ddb.update_table(TableName=t["TableName"], StreamSpecification=spec)
    assert error(e) == (V, message)


def test_streams_and_throughput_cannot_change_together(ddb, make_table):
    t = make_table(None, BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=t["TableName"], StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                         ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    assert error(e) == (V, "Cannot change IOPS and Streams at the same time.")
    assert "StreamSpecification" not in ddb.describe_table(TableName=t["TableName"])["Table"]


def test_stream_enabled_with_a_new_index_in_one_update(ddb, make_table):
    t = make_table(None)
    d = ddb.update_table(TableName=t["TableName"], StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                         AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}}])["TableDescription"]
    assert d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert [g["IndexName"] for g in d["GlobalSecondaryIndexes"]] == ["by_g"]


# ---------------------------------------------------------------------------------------------------------------
# ListStreams


def test_list_streams_pages_through_every_stream_once(streams, make_table):
    mine = {make_table("KEYS_ONLY")["LatestStreamArn"] for _ in range(3)}
    page = streams.list_streams(Limit=2)
    assert len(page["Streams"]) <= 2
    seen = []
    while True:
        for s in page["Streams"]:
            assert set(s) == {"StreamArn", "TableName", "StreamLabel"}
            assert s["StreamArn"].endswith(f":table/{s['TableName']}/stream/{s['StreamLabel']}")
            seen.append(s["StreamArn"])
        if "LastEvaluatedStreamArn" not in page:
            break
        page = streams.list_streams(Limit=2, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert all(seen.count(arn) == 1 for arn in mine)


def test_list_streams_of_a_table_pages_through_its_old_and_new_streams(ddb, streams, make_table):
    t = make_table("KEYS_ONLY")
    name = t["TableName"]
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    time.sleep(0.01)
    arn2 = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    arn2 = arn2["TableDescription"]["LatestStreamArn"]
    page = streams.list_streams(TableName=name, Limit=1)
    seen = [s["StreamArn"] for s in page["Streams"]]
    assert len(seen) == 1 and page["LastEvaluatedStreamArn"] == seen[0]
    while "LastEvaluatedStreamArn" in page:
        page = streams.list_streams(TableName=name, Limit=1, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
        seen += [s["StreamArn"] for s in page["Streams"]]
    assert sorted(seen) == sorted([t["LatestStreamArn"], arn2])
    assert streams.list_streams(TableName=name, Limit=2)["Streams"] != []


def test_list_streams_of_a_table_without_a_stream_is_empty(streams, make_table):
    t = make_table(None)
    assert streams.list_streams(TableName=t["TableName"])["Streams"] == []


@pytest.mark.parametrize("limit, message", [
    (0, LIMIT_AT_LEAST_1),
    (101, "One or more parameter values were invalid: Limit cannot be greater than the maximum allowed size: 100"),
])
def test_list_streams_limit_bounds(raw_streams, limit, message):
    with pytest.raises(ClientError) as e:
        raw_streams.list_streams(Limit=limit)
    assert error(e) == (V, message)


@pytest.mark.service_only
def test_list_streams_with_a_malformed_start_arn(raw_streams):
    # DynamoDB Local answers an empty list; the service refuses it (ScyllaDB's suite, checked on the service).
    with pytest.raises(ClientError) as e:
        raw_streams.list_streams(ExclusiveStartStreamArn="kossaapaaasdafsdaasdasdasdasasdasfadfadfasdasdas")
    assert error(e)[0] == V


# ---------------------------------------------------------------------------------------------------------------
# DescribeStream


def test_describe_stream_shape(ddb, streams, make_table):
    t = make_table("NEW_AND_OLD_IMAGES", sort=("sk", "N"))
    ddb.put_item(TableName=t["TableName"], Item={"pk": S("a"), "sk": N(1)})
    d = streams.describe_stream(StreamArn=t["LatestStreamArn"])["StreamDescription"]
    assert set(d) <= {"StreamArn", "StreamLabel", "StreamStatus", "StreamViewType", "CreationRequestDateTime",
                      "TableName", "KeySchema", "Shards", "LastEvaluatedShardId"}
    assert d["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert d["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    shard = d["Shards"][0]
    assert SHARD_ID.match(shard["ShardId"])
    assert "ParentShardId" not in shard
    assert SEQUENCE.match(shard["SequenceNumberRange"]["StartingSequenceNumber"])
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]  # open
    record, = read_stream(streams, t["LatestStreamArn"], expect=1)
    assert int(record["dynamodb"]["SequenceNumber"]) >= int(shard["SequenceNumberRange"]["StartingSequenceNumber"])


def test_describe_stream_paging(streams, make_table):
    arn = make_table("KEYS_ONLY")["LatestStreamArn"]
    shards = all_shards(streams, arn, limit=1)
    everything = streams.describe_stream(StreamArn=arn, Limit=100)["StreamDescription"]["Shards"]
    assert shards == everything
    assert [s["ShardId"] for s in shards] == sorted(s["ShardId"] for s in shards)
    last = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shards[-1]["ShardId"])["StreamDescription"]
    assert last["Shards"] == []


@pytest.mark.service_only
def test_describe_stream_after_an_unknown_shard_id(streams, make_table):
    # DynamoDB Local lists every shard again; the service lists none (ScyllaDB's suite).
    arn = make_table("KEYS_ONLY")["LatestStreamArn"]
    d = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId="zzzzzzzzzzzzzzzzzzzzzzzzsfasdgagadfadfgagkjsdfs")
    assert d["StreamDescription"]["Shards"] == []


@pytest.mark.service_only
def test_shard_filter_child_shards_of_an_open_shard(streams, make_table):
    # DynamoDB Local ignores ShardFilter and lists every shard.
    arn = make_table("KEYS_ONLY")["LatestStreamArn"]
    shard = all_shards(streams, arn)[-1]
    assert describe_with_shard_filter(streams, arn, shard["ShardId"])["Shards"] == []


# ---------------------------------------------------------------------------------------------------------------
# Request errors of the four operations


@pytest.fixture(scope="module")
def one_stream(ddb, streams):
    """A table with a KEYS_ONLY stream holding two records: (name, arn, shard id, [sequence numbers])."""
    name = new_name()
    arn = create_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    for k in ("a", "b"):
        ddb.put_item(TableName=name, Item={"pk": S(k)})
    records = read_stream(streams, arn, expect=2)
    yield name, arn, only_shard(streams, arn), [r["dynamodb"]["SequenceNumber"] for r in records]
    ddb.delete_table(TableName=name)


def missing_stream_arn(arn):
    return arn.rsplit(":table/", 1)[0] + ":table/no_such_table_zz/stream/2020-01-01T00:00:00.000"


UNKNOWN_SHARD = "shardId-00000001000000000000-0123abcd"

REQUEST_ERRORS = {
    # name: (operation, arguments from (arn, shard, seqs), code, message; None: the code is checked alone)
    "describe_limit_0": ("describe_stream", lambda a, s, q: dict(StreamArn=a, Limit=0), V, LIMIT_AT_LEAST_1),
    "describe_limit_101": ("describe_stream", lambda a, s, q: dict(StreamArn=a, Limit=101), V,
                           "One or more parameter values were invalid: Limit cannot be greater than the maximum: 100"),
    "describe_short_start_shard": (
        "describe_stream", lambda a, s, q: dict(StreamArn=a, ExclusiveStartShardId="garbage"), V,
        "1 validation error detected: Value 'garbage' at 'exclusiveStartShardId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 28"),
    "describe_missing_stream": ("describe_stream", lambda a, s, q: dict(StreamArn=missing_stream_arn(a)), RNF,
                                lambda a: f"Requested resource not found: Stream: {missing_stream_arn(a)} not found"),
    "iterator_at_without_sequence": (
        "get_shard_iterator", lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="AT_SEQUENCE_NUMBER"), V,
        "One or more parameter values were invalid: Invalid SequenceNumber"),
    "iterator_after_without_sequence": (
        "get_shard_iterator", lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="AFTER_SEQUENCE_NUMBER"),
        V, "One or more parameter values were invalid: Invalid SequenceNumber"),
    "iterator_trim_horizon_with_sequence": (
        "get_shard_iterator",
        lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="TRIM_HORIZON", SequenceNumber=q[0]), V,
        "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type"),
    "iterator_latest_with_sequence": (
        "get_shard_iterator",
        lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="LATEST", SequenceNumber=q[0]), V,
        "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type"),
    # (DynamoDB Local: "Invalid ShardIteratorType."; test_iterator_type_constraint_message has the service's.)
    "iterator_bad_type": ("get_shard_iterator", lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="BOGUS"),
                          V, None),
    "iterator_short_sequence": (
        "get_shard_iterator",
        lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="garbage"),
        V, "1 validation error detected: Value 'garbage' at 'sequenceNumber' failed to satisfy constraint: "
           "Member must have length greater than or equal to 21"),
    "iterator_sequence_before_the_shard": (
        "get_shard_iterator",
        lambda a, s, q: dict(StreamArn=a, ShardId=s, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="0" * 21),
        V, "Invalid SequenceNumber for the shard"),
    "iterator_unknown_shard": (
        "get_shard_iterator", lambda a, s, q: dict(StreamArn=a, ShardId=UNKNOWN_SHARD, ShardIteratorType="LATEST"),
        RNF, re.compile(r"^(Requested resource not found: )?Shard does not exist$")),
    "iterator_missing_stream": (
        "get_shard_iterator",
        lambda a, s, q: dict(StreamArn=missing_stream_arn(a), ShardId=s, ShardIteratorType="LATEST"), RNF, None),
    "records_limit_0": ("get_records", lambda a, s, q: dict(ShardIterator="x", Limit=0), V, LIMIT_AT_LEAST_1),
    "records_limit_1001": ("get_records", lambda a, s, q: dict(ShardIterator="x", Limit=1001), V,
                           "One or more parameter values were invalid: Limit should be less than or equal to 1000"),
    "records_garbage_iterator": ("get_records", lambda a, s, q: dict(ShardIterator="sdfsdfsgagaddafgagasgasgasdfasd"),
                                 V, "Invalid ShardIterator"),
}


@pytest.mark.parametrize("case", list(REQUEST_ERRORS))
def test_request_errors(raw_streams, streams, one_stream, case):
    operation, arguments, code, message = REQUEST_ERRORS[case]
    _, arn, shard, seqs = one_stream
    kw = arguments(arn, shard, seqs)
    if operation == "get_records" and kw["ShardIterator"] == "x":
        kw["ShardIterator"] = iterator(streams, arn, shard)
    with pytest.raises(ClientError) as e:
        getattr(raw_streams, operation)(**kw)
    got_code, got_message = error(e)
    assert got_code == code
    if callable(message):
        assert got_message == message(arn)
    elif isinstance(message, re.Pattern):
        assert message.match(got_message), got_message
    elif message is not None:
        assert got_message == message


@pytest.mark.service_only
def test_iterator_type_constraint_message(raw_streams, one_stream):
    _, arn, shard, _ = one_stream
    with pytest.raises(ClientError) as e:
        raw_streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="BOGUS")
    assert error(e) == (V, "1 validation error detected: Value 'BOGUS' at 'shardIteratorType' failed to satisfy "
                           "constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, "
                           "AFTER_SEQUENCE_NUMBER]")


@pytest.mark.service_only
def test_unknown_shard_message(streams, one_stream):
    # DynamoDB Local says "Shard does not exist"; the service prefixes it (seen in a client's report from AWS).
    _, arn, _, _ = one_stream
    with pytest.raises(ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId=UNKNOWN_SHARD, ShardIteratorType="LATEST")
    assert error(e) == (RNF, "Requested resource not found: Shard does not exist")


@pytest.mark.service_only
@pytest.mark.parametrize("operation", ["describe_stream", "get_shard_iterator"])
def test_malformed_stream_arn_is_a_validation_error(raw_streams, one_stream, operation):
    # DynamoDB Local answers ResourceNotFoundException; the service ValidationException (ScyllaDB's suite).
    _, _, shard, _ = one_stream
    kw = {"StreamArn": "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"}
    if operation == "get_shard_iterator":
        kw.update(ShardId=shard, ShardIteratorType="LATEST")
    with pytest.raises(ClientError) as e:
        getattr(raw_streams, operation)(**kw)
    assert error(e)[0] == V


@pytest.mark.service_only
def test_non_numeric_sequence_number_is_a_validation_error(raw_streams, one_stream):
    # DynamoDB Local fails with a 500 InternalFailure.
    _, arn, shard, _ = one_stream
    with pytest.raises(ClientError) as e:
        raw_streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                       SequenceNumber="x" * 21)
    assert error(e)[0] == V


# ---------------------------------------------------------------------------------------------------------------
# Records of every kind of write, per view type


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_put_update_delete_records(ddb, streams, make_table, view):
    start = time.time()
    t = make_table(view)
    name, arn = t["TableName"], t["LatestStreamArn"]
    a1 = {"pk": S("a"), "v": N(1), "s": S("text")}
    a2 = {"pk": S("a"), "v": N(2)}
    a3 = {"pk": S("a"), "v": N(2), "w": S("xyz")}
    a4 = {"pk": S("a"), "w": S("xyz")}
    b1 = {"pk": S("b"), "v": N(12345)}
    ddb.put_item(TableName=name, Item=a1)
    ddb.put_item(TableName=name, Item=a2)
    ddb.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="SET w = :w", ExpressionAttributeValues={":w": S("xyz")})
    ddb.update_item(TableName=name, Key={"pk": S("b")}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": N(12345)})
    ddb.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="REMOVE v")
    ddb.delete_item(TableName=name, Key={"pk": S("a")})
    ddb.delete_item(TableName=name, Key={"pk": S("b")})
    expected = [("a", None, a1), ("a", a1, a2), ("a", a2, a3), ("b", None, b1), ("a", a3, a4), ("a", a4, None),
                ("b", b1, None)]
    records = read_stream(streams, arn, expect=len(expected))
    assert len(records) == len(expected)
    for record, (key, old, new) in zip(records, expected):
        check_record(record, view, {"pk": S(key)}, old, new, start)
    check_sequence(records)


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_batch_write_records(ddb, streams, make_table, view):
    start = time.time()
    t = make_table(view, sort=("sk", "N"))
    name, arn = t["TableName"], t["LatestStreamArn"]
    c1 = {"pk": S("c"), "sk": N(1), "v": S("one")}
    c2 = {"pk": S("c"), "sk": N(1), "v": S("two")}
    n1 = {"pk": S("n"), "sk": N(2), "v": S("new")}
    ddb.put_item(TableName=name, Item=c1)
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": n1}}, {"PutRequest": {"Item": c2}}]})
    ddb.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": S("c"), "sk": N(1)}}},
                                              {"DeleteRequest": {"Key": {"pk": S("n"), "sk": N(2)}}}]})
    records = read_stream(streams, arn, expect=5)
    assert len(records) == 5
    grouped = by_key(records)
    ck = {"pk": S("c"), "sk": N(1)}
    nk = {"pk": S("n"), "sk": N(2)}
    assert set(grouped) == {json.dumps(ck, sort_keys=True), json.dumps(nk, sort_keys=True)}
    for record, (old, new) in zip(grouped[json.dumps(ck, sort_keys=True)], [(None, c1), (c1, c2), (c2, None)]):
        check_record(record, view, ck, old, new, start)
    for record, (old, new) in zip(grouped[json.dumps(nk, sort_keys=True)], [(None, n1), (n1, None)]):
        check_record(record, view, nk, old, new, start)
    check_sequence(records)


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_transaction_records(ddb, streams, make_table, view):
    start = time.time()
    t = make_table(view)
    name, arn = t["TableName"], t["LatestStreamArn"]
    u1, d1, c1 = {"pk": S("u"), "n": N(1)}, {"pk": S("d"), "x": S("gone")}, {"pk": S("c")}
    for item in (u1, d1, c1):
        ddb.put_item(TableName=name, Item=item)
    p1 = {"pk": S("p"), "x": S("put")}
    u2 = {"pk": S("u"), "n": N(2)}
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": p1}},
        {"Update": {"TableName": name, "Key": {"pk": S("u")}, "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": N(1)}}},
        {"Delete": {"TableName": name, "Key": {"pk": S("d")}}},
        {"ConditionCheck": {"TableName": name, "Key": {"pk": S("c")}, "ConditionExpression": "attribute_exists(pk)"}},
    ])
    records = read_stream(streams, arn, expect=6)
    assert len(records) == 6
    grouped = by_key(records)
    expected = {"u": [(None, u1), (u1, u2)], "d": [(None, d1), (d1, None)], "c": [(None, c1)], "p": [(None, p1)]}
    assert set(grouped) == {key_of(pk=k) for k in expected}
    for k, changes in expected.items():
        assert len(grouped[key_of(pk=k)]) == len(changes)
        for record, (old, new) in zip(grouped[key_of(pk=k)], changes):
            check_record(record, view, {"pk": S(k)}, old, new, start)
    check_sequence(records)


def test_keys_of_a_table_with_a_sort_key(ddb, streams, make_table):
    t = make_table("KEYS_ONLY", sort=("sk", "N"))
    ddb.put_item(TableName=t["TableName"], Item={"pk": S("k"), "sk": N("10.50"), "m": {"M": {"x": {"L": [N(1), S("a")]}}}})
    record, = read_stream(streams, t["LatestStreamArn"], expect=1)
    assert record["dynamodb"]["Keys"] == {"pk": S("k"), "sk": N("10.5")}  # numbers as stored
    assert record["dynamodb"]["SizeBytes"] == item_size(record["dynamodb"]["Keys"])
    assert not {"NewImage", "OldImage"} & set(record["dynamodb"])


def test_keys_of_an_indexed_table_are_its_primary_key(ddb, streams, make_table):
    t = make_table("NEW_AND_OLD_IMAGES", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    item = {"pk": S("a"), "g": S("G"), "v": N(1)}
    ddb.put_item(TableName=t["TableName"], Item=item)
    ddb.update_item(TableName=t["TableName"], Key={"pk": S("a")}, UpdateExpression="SET g = :g",
                    ExpressionAttributeValues={":g": S("H")})
    ddb.delete_item(TableName=t["TableName"], Key={"pk": S("a")})
    moved = dict(item, g=S("H"))
    records = read_stream(streams, t["LatestStreamArn"], expect=3)
    for record, (old, new) in zip(records, [(None, item), (item, moved), (moved, None)]):
        check_record(record, "NEW_AND_OLD_IMAGES", {"pk": S("a")}, old, new)


def test_size_bytes_of_the_lambda_sample_event(ddb, streams, make_table):
    # The AWS Lambda sample DynamoDB event (INSERT/MODIFY/REMOVE of Id 101) carries SizeBytes 26, 59 and 38:
    # the sizes of Keys plus the images present, by DynamoDB's item size rules.
    name = new_name()
    arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "N"}],
                           KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = arn["TableDescription"]["LatestStreamArn"]
    try:
        ddb.put_item(TableName=name, Item={"Id": N(101), "Message": S("New item!")})
        ddb.put_item(TableName=name, Item={"Id": N(101), "Message": S("This item has changed")})
        ddb.delete_item(TableName=name, Key={"Id": N(101)})
        records = read_stream(streams, arn, expect=3)
        assert [(r["eventName"], r["dynamodb"]["SizeBytes"]) for r in records] == [
            ("INSERT", 26), ("MODIFY", 59), ("REMOVE", 38)]
    finally:
        ddb.delete_table(TableName=name)


# ---------------------------------------------------------------------------------------------------------------
# Writes that change nothing make no record


BASE = {"pk": S("a"), "v": N(1), "s": S("x"), "ss": {"SS": ["a", "b"]}}


def _update(ddb, name, expression, values=None, **kw):
    args = dict(TableName=name, Key={"pk": S("a")}, UpdateExpression=expression, **kw)
    if values:
        args["ExpressionAttributeValues"] = values
    ddb.update_item(**args)


def _expect_failure(call):
    with pytest.raises(ClientError):
        call()


NO_OPS = {
    "put_identical": lambda d, n: d.put_item(TableName=n, Item=BASE),
    "put_equal_number": lambda d, n: d.put_item(TableName=n, Item=dict(BASE, v=N("1.0"))),
    "put_set_in_another_order": lambda d, n: d.put_item(TableName=n, Item=dict(BASE, ss={"SS": ["b", "a"]})),
    "update_set_equal_value": lambda d, n: _update(d, n, "SET v = :v, s = :s", {":v": N(1), ":s": S("x")}),
    "update_add_zero": lambda d, n: _update(d, n, "ADD v :z", {":z": N(0)}),
    "update_remove_missing_attribute": lambda d, n: _update(d, n, "REMOVE nothere"),
    "update_delete_missing_set_element": lambda d, n: _update(d, n, "DELETE ss :c", {":c": {"SS": ["c"]}}),
    "update_without_changes": lambda d, n: d.update_item(TableName=n, Key={"pk": S("a")}),
    "delete_missing_item": lambda d, n: d.delete_item(TableName=n, Key={"pk": S("zz")}),
    "failed_condition_put": lambda d, n: _expect_failure(lambda: d.put_item(
        TableName=n, Item={"pk": S("a")}, ConditionExpression="attribute_not_exists(pk)")),
    "failed_condition_update": lambda d, n: _expect_failure(lambda: _update(
        d, n, "SET v = :v", {":v": N(5), ":old": N(7)}, ConditionExpression="v = :old")),
    "failed_condition_delete": lambda d, n: _expect_failure(lambda: d.delete_item(
        TableName=n, Key={"pk": S("a")}, ConditionExpression="attribute_not_exists(pk)")),
    "batch_put_identical": lambda d, n: d.batch_write_item(RequestItems={n: [{"PutRequest": {"Item": BASE}}]}),
    "batch_delete_missing": lambda d, n: d.batch_write_item(
        RequestItems={n: [{"DeleteRequest": {"Key": {"pk": S("zz")}}}]}),
    "transact_put_identical": lambda d, n: d.transact_write_items(
        TransactItems=[{"Put": {"TableName": n, "Item": BASE}}]),
    "transact_update_equal": lambda d, n: d.transact_write_items(TransactItems=[{"Update": {
        "TableName": n, "Key": {"pk": S("a")}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": N(1)}}}]),
    "transact_delete_missing": lambda d, n: d.transact_write_items(
        TransactItems=[{"Delete": {"TableName": n, "Key": {"pk": S("zz")}}}]),
    "transact_condition_check_only": lambda d, n: d.transact_write_items(TransactItems=[{"ConditionCheck": {
        "TableName": n, "Key": {"pk": S("a")}, "ConditionExpression": "attribute_exists(pk)"}}]),
    "transact_cancelled": lambda d, n: _expect_failure(lambda: d.transact_write_items(TransactItems=[
        {"Put": {"TableName": n, "Item": {"pk": S("new")}}},
        {"ConditionCheck": {"TableName": n, "Key": {"pk": S("a")}, "ConditionExpression": "attribute_not_exists(pk)"}}])),
}


@pytest.mark.parametrize("case", list(NO_OPS))
def test_a_write_that_changes_nothing_makes_no_record(ddb, streams, make_table, case):
    t = make_table("NEW_AND_OLD_IMAGES")
    name, arn = t["TableName"], t["LatestStreamArn"]
    ddb.put_item(TableName=name, Item=BASE)
    NO_OPS[case](ddb, name)
    ddb.put_item(TableName=name, Item={"pk": S("sentinel")})  # a real change after it, to see the stream moved on
    records = read_stream(streams, arn, expect=2)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [("INSERT", "a"), ("INSERT", "sentinel")]


@pytest.mark.service_only
def test_a_remove_only_update_of_a_missing_item_makes_no_record(ddb, streams, make_table):
    # DynamoDB Local creates a key-only item (and an INSERT record); the service creates nothing.
    t = make_table("NEW_AND_OLD_IMAGES")
    ddb.update_item(TableName=t["TableName"], Key={"pk": S("ghost")}, UpdateExpression="REMOVE a")
    ddb.put_item(TableName=t["TableName"], Item={"pk": S("sentinel")})
    records = read_stream(streams, t["LatestStreamArn"], expect=1)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["sentinel"]


def test_a_batch_mixing_no_ops_and_changes_records_only_the_changes(ddb, streams, make_table):
    t = make_table("NEW_AND_OLD_IMAGES")
    name, arn = t["TableName"], t["LatestStreamArn"]
    a, b = {"pk": S("a"), "v": N(1)}, {"pk": S("b"), "v": N(2)}
    ddb.put_item(TableName=name, Item=a)
    ddb.put_item(TableName=name, Item=b)
    c = {"pk": S("c"), "v": N(3)}
    ddb.batch_write_item(RequestItems={name: [
        {"PutRequest": {"Item": a}},                          # identical: nothing
        {"PutRequest": {"Item": c}},                          # INSERT
        {"DeleteRequest": {"Key": {"pk": S("missing")}}},     # nothing
        {"DeleteRequest": {"Key": {"pk": S("b")}}},           # REMOVE
    ]})
    records = read_stream(streams, arn, expect=4)[2:]
    assert sorted((r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records) == [("INSERT", "c"), ("REMOVE", "b")]
    for r in records:
        key = r["dynamodb"]["Keys"]["pk"]["S"]
        check_record(r, "NEW_AND_OLD_IMAGES", {"pk": S(key)}, b if key == "b" else None, c if key == "c" else None)


# ---------------------------------------------------------------------------------------------------------------
# Order, sequence numbers, iterators and paging


def test_records_of_one_item_come_in_write_order(ddb, streams, make_table):
    t = make_table("NEW_IMAGE")
    name, arn = t["TableName"], t["LatestStreamArn"]
    for i in range(1, 16):
        ddb.update_item(TableName=name, Key={"pk": S("o")}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": N(i)})
        ddb.put_item(TableName=name, Item={"pk": S(f"other{i % 4}"), "n": N(i)})
    records = read_stream(streams, arn, expect=30)
    assert len(records) == 30
    mine = by_key(records)[key_of(pk="o")]
    assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in mine] == [str(i) for i in range(1, 16)]
    assert [r["eventName"] for r in mine] == ["INSERT"] + ["MODIFY"] * 14
    check_sequence(records)


def test_iterator_types(ddb, streams, make_table):
    t = make_table("KEYS_ONLY")
    name, arn = t["TableName"], t["LatestStreamArn"]
    for k in ("r1", "r2", "r3"):
        ddb.put_item(TableName=name, Item={"pk": S(k)})
    records = read_stream(streams, arn, expect=3)
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
    shard = only_shard(streams, arn)

    def keys(it):
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in drain(streams, it)[0]]

    assert keys(iterator(streams, arn, shard)) == ["r1", "r2", "r3"]
    at = iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", seqs[1])
    assert keys(at) == ["r2", "r3"]
    assert keys(at) == ["r2", "r3"]  # an iterator can be read again
    assert keys(iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER", seqs[1])) == ["r3"]
    assert keys(iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER", seqs[2])) == []
    shard_start = all_shards(streams, arn)[0]["SequenceNumberRange"]["StartingSequenceNumber"]
    assert keys(iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", shard_start)) == ["r1", "r2", "r3"]

    latest = iterator(streams, arn, shard, "LATEST")
    page = streams.get_records(ShardIterator=latest)
    assert page["Records"] == [] and page["NextShardIterator"]
    ddb.put_item(TableName=name, Item={"pk": S("r4")})
    assert keys(latest) == ["r4"]
    # The iterator an empty page hands back sees what is written later.
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["r4"]
    after = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert after["Records"] == [] and after["NextShardIterator"]


def test_get_records_pages_with_limit(ddb, streams, make_table):
    t = make_table("KEYS_ONLY")
    name, arn = t["TableName"], t["LatestStreamArn"]
    for i in range(7):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}")})
    everything = read_stream(streams, arn, expect=7)
    it = iterator(streams, arn, only_shard(streams, arn))
    sizes, paged = [], []
    while True:
        page = streams.get_records(ShardIterator=it, Limit=3)
        if not page["Records"]:
            break
        sizes.append(len(page["Records"]))
        paged += page["Records"]
        it = page["NextShardIterator"]
    assert sizes == [3, 3, 1]
    assert paged == everything
    it = iterator(streams, arn, only_shard(streams, arn))
    assert len(streams.get_records(ShardIterator=it, Limit=1)["Records"]) == 1
    assert len(streams.get_records(ShardIterator=it, Limit=1000)["Records"]) == 7


# ---------------------------------------------------------------------------------------------------------------
# A disabled stream stays readable; a deleted table's stream too


def test_a_disabled_stream_stays_readable_with_its_shard_closed(ddb, streams, make_table):
    t = make_table("KEYS_ONLY")
    name, arn = t["TableName"], t["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": S("before")})
    read_stream(streams, arn, expect=1)
    shard = only_shard(streams, arn)
    early = iterator(streams, arn, shard)  # taken while the stream was enabled
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": S("while_disabled")})

    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] in ("DISABLING", "DISABLED") and d["StreamViewType"] == "KEYS_ONLY"
    for _ in range(50):
        if streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED":
            break
        time.sleep(0.1)
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "DISABLED"
    shard_range = d["Shards"][0]["SequenceNumberRange"]
    assert SEQUENCE.match(shard_range["EndingSequenceNumber"])
    assert int(shard_range["EndingSequenceNumber"]) >= int(shard_range["StartingSequenceNumber"])

    for it in (early, iterator(streams, arn, shard)):
        page = streams.get_records(ShardIterator=it)
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["before"]
        if "NextShardIterator" in page:  # a closed shard read to its end has no next iterator
            last = streams.get_records(ShardIterator=page["NextShardIterator"])
            assert last["Records"] == [] and "NextShardIterator" not in last

    time.sleep(0.01)
    arn2 = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    arn2 = arn2["TableDescription"]["LatestStreamArn"]
    assert arn2 != arn
    ddb.put_item(TableName=name, Item={"pk": S("after")})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn2, expect=1)] == ["after"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn)] == ["before"]
    with pytest.raises(ClientError) as e:  # the old shard is not a shard of the new stream
        streams.get_shard_iterator(StreamArn=arn2, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    assert error(e)[0] == RNF


def test_a_deleted_tables_stream_stays_readable(ddb, streams):
    name = new_name()
    arn = create_table(ddb, name, "OLD_IMAGE")["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": S("a"), "x": N(1)})
    ddb.delete_item(TableName=name, Key={"pk": S("a")})
    ddb.delete_table(TableName=name)
    assert arn in [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]]
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["TableName"] == name and d["StreamStatus"] in ("DISABLING", "DISABLED")
    records = read_stream(streams, arn, expect=2)
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"] == {"pk": S("a"), "x": N(1)}


# ---------------------------------------------------------------------------------------------------------------
# The seed's stream processor (how-to-use-dynamodb-with-lambda.md, "DynamoDB Streams with Lambda") as a consumer


class OrderProcessor:
    """The seed's handler: INSERT/MODIFY/REMOVE switch on unmarshalled images."""

    def __init__(self):
        self.actions = []
        self.deserializer = TypeDeserializer()

    def unmarshall(self, image):
        return {k: self.deserializer.deserialize(v) for k, v in image.items()} if image else None

    def handler(self, event):
        for record in event["Records"]:
            new = self.unmarshall(record["dynamodb"].get("NewImage"))
            old = self.unmarshall(record["dynamodb"].get("OldImage"))
            if record["eventName"] == "INSERT":
                self.handle_insert(new)
            elif record["eventName"] == "MODIFY":
                self.handle_modify(new, old)
            elif record["eventName"] == "REMOVE":
                self.handle_remove(old)
        return {"processed": len(event["Records"])}

    def handle_insert(self, item):
        if item.get("entityType") == "Order":
            self.actions.append(("confirmation", item["orderId"]))
            self.actions.append(("inventory", "decrease", item["items"]))

    def handle_modify(self, new, old):
        if new.get("entityType") == "Order" and new["status"] != old["status"]:
            self.actions.append(("status", new["orderId"], new["status"]))

    def handle_remove(self, item):
        if item.get("entityType") == "Order" and item["status"] == "cancelled":
            self.actions.append(("inventory", "increase", item["items"]))


def test_the_seeds_stream_processor_consumes_get_records(ddb, streams, make_table):
    t = make_table("NEW_AND_OLD_IMAGES", sort=("sk", "S"))
    name, arn = t["TableName"], t["LatestStreamArn"]
    shard = only_shard(streams, arn)
    it = iterator(streams, arn, shard, "TRIM_HORIZON")

    def order(order_id, status):
        return {"pk": S(f"ORDER#{order_id}"), "sk": S("META"), "entityType": S("Order"), "orderId": S(order_id),
                "status": S(status), "items": {"L": [{"M": {"sku": S("A-1"), "qty": N(2)}}]}}

    ddb.put_item(TableName=name, Item=order("o1", "pending"))
    ddb.put_item(TableName=name, Item={"pk": S("USER#u1"), "sk": S("PROFILE"), "entityType": S("User")})
    ddb.update_item(TableName=name, Key={"pk": S("ORDER#o1"), "sk": S("META")}, UpdateExpression="SET #s = :s",
                    ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("shipped")})
    ddb.update_item(TableName=name, Key={"pk": S("ORDER#o1"), "sk": S("META")}, UpdateExpression="SET note = :n",
                    ExpressionAttributeValues={":n": S("left the warehouse")})
    ddb.put_item(TableName=name, Item=order("o2", "cancelled"))
    ddb.delete_item(TableName=name, Key={"pk": S("ORDER#o2"), "sk": S("META")})
    ddb.delete_item(TableName=name, Key={"pk": S("USER#u1"), "sk": S("PROFILE")})

    processor, processed = OrderProcessor(), 0
    deadline = time.time() + 5
    while processed < 7 and time.time() < deadline:
        page = streams.get_records(ShardIterator=it, Limit=2)  # small batches, as a poller would
        processed += processor.handler({"Records": page["Records"]})["processed"]
        it = page["NextShardIterator"]
    assert processed == 7
    items = [{"sku": "A-1", "qty": 2}]
    assert processor.actions == [
        ("confirmation", "o1"), ("inventory", "decrease", items),
        ("status", "o1", "shipped"),
        ("confirmation", "o2"), ("inventory", "decrease", items),
        ("inventory", "increase", items),
    ]


# ---------------------------------------------------------------------------------------------------------------
# ddblocal with small bounds: shard lineage, trimming, iterator expiry


def clients(server):
    return make_client(server.endpoint), make_streams_client(server.endpoint)


def test_shards_roll_over_into_children(start_server):
    server = start_server("--in-memory", "--shard-max-records", "3")
    ddb, streams = clients(server)
    name = new_name()
    arn = create_table(ddb, name, "NEW_IMAGE")["LatestStreamArn"]
    for i in range(10):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "n": N(i)})

    shards = all_shards(streams, arn, limit=1)  # one shard a page, following LastEvaluatedShardId
    assert 3 <= len(shards) <= 4
    assert shards == streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert [s["ShardId"] for s in shards] == sorted(s["ShardId"] for s in shards)
    assert len({s["ShardId"] for s in shards}) == len(shards)
    assert "ParentShardId" not in shards[0]
    for parent, child in zip(shards, shards[1:]):
        assert child["ParentShardId"] == parent["ShardId"]
        assert SHARD_ID.match(child["ShardId"])
    for closed in shards[:-1]:
        r = closed["SequenceNumberRange"]
        assert int(r["StartingSequenceNumber"]) <= int(r["EndingSequenceNumber"])
    assert "EndingSequenceNumber" not in shards[-1]["SequenceNumberRange"]
    for parent, child in zip(shards, shards[1:]):
        assert int(parent["SequenceNumberRange"]["EndingSequenceNumber"]) < \
            int(child["SequenceNumberRange"]["StartingSequenceNumber"])

    values = []
    for shard in shards:
        records, next_it = drain(streams, iterator(streams, arn, shard["ShardId"]))
        assert 1 <= len(records) <= 3
        r = shard["SequenceNumberRange"]
        for rec in records:
            seq = int(rec["dynamodb"]["SequenceNumber"])
            assert seq >= int(r["StartingSequenceNumber"])
            if "EndingSequenceNumber" in r:
                assert seq <= int(r["EndingSequenceNumber"])
        if shard is shards[-1]:
            assert next_it is not None
        else:
            assert next_it is None  # a closed shard read to its end
            assert records[-1]["dynamodb"]["SequenceNumber"] == r["EndingSequenceNumber"]
        values += [rec["dynamodb"]["NewImage"]["n"]["N"] for rec in records]
    assert values == [str(i) for i in range(10)]

    for parent, child in zip(shards, shards[1:]):
        assert describe_with_shard_filter(streams, arn, parent["ShardId"])["Shards"] == [child]
    assert describe_with_shard_filter(streams, arn, shards[-1]["ShardId"])["Shards"] == []


def test_a_consumer_follows_the_lineage(start_server):
    """As the KCL and Lambda's poller do: read a shard to its end, then its child (found by CHILD_SHARDS)."""
    server = start_server("--in-memory", "--shard-max-records", "3")
    ddb, streams = clients(server)
    name = new_name()
    arn = create_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    shard = all_shards(streams, arn)[0]["ShardId"]
    it = iterator(streams, arn, shard, "LATEST")
    for i in range(8):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}")})
    seen, hops = [], 0
    while len(seen) < 8 and hops < 20:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        seen += [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]]
        if "NextShardIterator" in page:
            it = page["NextShardIterator"]
            continue
        children = describe_with_shard_filter(streams, arn, shard)["Shards"]
        assert len(children) == 1 and children[0]["ParentShardId"] == shard
        shard = children[0]["ShardId"]
        it = iterator(streams, arn, shard, "TRIM_HORIZON")
        hops += 1
    assert seen == [f"k{i}" for i in range(8)]
    assert hops >= 2


def test_a_disabled_stream_closes_its_open_shard_after_rollovers(start_server):
    server = start_server("--in-memory", "--shard-max-records", "2")
    ddb, streams = clients(server)
    name = new_name()
    arn = create_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}")})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in d["Shards"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn)] == [f"k{i}" for i in range(5)]


def test_trimmed_records(start_server):
    server = start_server("--in-memory", "--stream-retention-seconds", "1")
    ddb, streams = clients(server)
    name = new_name()
    arn = create_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": S("old")})
    shard = only_shard(streams, arn)
    record, = drain(streams, iterator(streams, arn, shard))[0]
    seq = record["dynamodb"]["SequenceNumber"]
    at = iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", seq)

    time.sleep(1.2)
    deadline = time.time() + 5
    while True:
        try:
            page = streams.get_records(ShardIterator=at)
        except ClientError as e:
            assert (e.response["Error"]["Code"], e.response["Error"]["Message"]) == ("TrimmedDataAccessException", TRIMMED)
            break
        assert [r["dynamodb"]["SequenceNumber"] for r in page["Records"]] == [seq]
        assert time.time() < deadline, "the record was not trimmed"
        time.sleep(0.2)

    # A new iterator at the trimmed record is refused, at once or when read.
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", seq))
    assert error(e) == ("TrimmedDataAccessException", TRIMMED)
    # TRIM_HORIZON starts after the trimmed records; the shard keeps taking records.
    ddb.put_item(TableName=name, Item={"pk": S("new")})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams, arn, expect=1)] == ["new"]


def test_expired_iterator(start_server):
    server = start_server("--in-memory", "--iterator-expiry-seconds", "1")
    ddb, streams = clients(server)
    name = new_name()
    arn = create_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": S("a")})
    shard = only_shard(streams, arn)
    it = iterator(streams, arn, shard)
    assert len(streams.get_records(ShardIterator=it)["Records"]) == 1
    time.sleep(1.3)
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=it)
    assert error(e)[0] == "ExpiredIteratorException"
    assert len(streams.get_records(ShardIterator=iterator(streams, arn, shard))["Records"]) == 1


def test_arns_and_records_carry_the_request_region(start_server):
    """Records and ARNs carry the region of the request (DynamoDB Local writes `ddblocal`)."""
    server = start_server("--in-memory")
    ddb = make_client(server.endpoint, region="eu-west-1")
    streams = make_streams_client(server.endpoint, region="eu-west-1")
    name = new_name()
    t = create_table(ddb, name, "KEYS_ONLY")
    assert t["LatestStreamArn"].startswith("arn:aws:dynamodb:eu-west-1:")
    ddb.put_item(TableName=name, Item={"pk": S("a")})
    record, = read_stream(streams, t["LatestStreamArn"], expect=1)
    assert record["awsRegion"] == "eu-west-1"
