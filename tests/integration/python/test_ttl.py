"""Time to live: UpdateTimeToLive / DescribeTimeToLive with DynamoDB's rules and messages, and the sweeper that
deletes expired items, takes them out of the indexes and writes REMOVE records in the service's name.

The API facts are the ones issue 11 lists as checked on the service; the exact messages were recorded from
Amazon's DynamoDB Local 1.25 (`ddb-oracle`), which agrees with them except where a test is `service_only`.
The service limits TTL changes of a table to about one an hour ("Time to live has been modified multiple times
within a fixed interval"); neither DynamoDB Local nor ddblocal does, so the tests below change it freely.

DynamoDB Local sweeps within a few seconds, so the expiry tests that use the shared endpoint poll for up to
30 s. The tests at the end start ddblocal with `--ttl-interval 0.2` and expect expiry within about two intervals.
"""
import time
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, make_streams_client
from test_streams import (N, S, V, VIEW_TYPES, check_record, check_sequence, create_table, error, new_name,
                          read_stream, table_maker)

SERVICE = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
YEAR = 365 * 86400


def spec(name, enabled):
    return {"AttributeName": name, "Enabled": enabled}


@pytest.fixture
def make_table(ddb):
    yield from table_maker(ddb)


def ttl_of(ddb, table):
    return ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]


# ---------------------------------------------------------------------------------------------------------------
# The API


def test_ttl_is_disabled_on_a_new_table(ddb, make_table):
    t = make_table(None)
    response = ddb.describe_time_to_live(TableName=t["TableName"])
    response.pop("ResponseMetadata")
    assert response == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}


def test_enable_and_disable_ttl(ddb, make_table):
    t = make_table(None)
    name = t["TableName"]
    r = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("expires", True))
    r.pop("ResponseMetadata")
    assert r == {"TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True}}
    assert ttl_of(ddb, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    # TTL is not part of the table's description.
    assert not [k for k in ddb.describe_table(TableName=name)["Table"] if "TimeToLive" in k]

    r = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("expires", False))
    r.pop("ResponseMetadata")
    assert r == {"TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": False}}
    assert ttl_of(ddb, name) == {"TimeToLiveStatus": "DISABLED"}

    # Once disabled, it may be enabled on another attribute.
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("other", True))
    assert ttl_of(ddb, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "other"}


@pytest.mark.parametrize("attribute", ["x" * 255, "a.b#c d", "pk", "ttl"])
def test_any_attribute_name_of_1_to_255_characters(ddb, make_table, attribute):
    t = make_table(None)
    ddb.update_time_to_live(TableName=t["TableName"], TimeToLiveSpecification=spec(attribute, True))
    assert ttl_of(ddb, t["TableName"]) == {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}


def test_state_errors(ddb, make_table):
    t = make_table(None)
    name = t["TableName"]

    def refused(attribute, enabled):
        with pytest.raises(ClientError) as e:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(attribute, enabled))
        return error(e)

    assert refused("x", False) == (V, "TimeToLive is already disabled")  # never enabled
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("x", True))
    assert refused("x", True) == (V, "TimeToLive is already enabled")
    assert refused("y", True) == (V, "TimeToLive is active on a different AttributeName")
    code, message = refused("y", False)
    assert code == V and "different" in message
    assert ttl_of(ddb, name) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "x"}
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("x", False))
    assert refused("x", False) == (V, "TimeToLive is already disabled")
    assert refused("y", False) == (V, "TimeToLive is already disabled")


def test_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.describe_time_to_live(TableName="no_such_table_ttl")
    assert error(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.update_time_to_live(TableName="no_such_table_ttl", TimeToLiveSpecification=spec("x", True))
    assert error(e)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("operation", ["describe", "update"])
def test_invalid_table_name(raw_ddb, operation):
    with pytest.raises(ClientError) as e:
        if operation == "describe":
            raw_ddb.describe_time_to_live(TableName="a")
        else:
            raw_ddb.update_time_to_live(TableName="a", TimeToLiveSpecification=spec("x", True))
    # (DynamoDB Local: "Invalid table/index name.  Table/index names must be between 3 and 255 characters long,
    # and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'", a wording the service does not use.)
    assert error(e)[0] == V


@pytest.mark.parametrize("attribute", ["", "x" * 256], ids=["empty", "256"])
def test_attribute_name_length(raw_ddb, make_table, attribute):
    t = make_table(None)
    with pytest.raises(ClientError) as e:
        raw_ddb.update_time_to_live(TableName=t["TableName"], TimeToLiveSpecification=spec(attribute, True))
    assert error(e)[0] == V


@pytest.mark.service_only
@pytest.mark.parametrize("attribute", ["", "x" * 256], ids=["empty", "256"])
def test_attribute_name_length_message(raw_ddb, make_table, attribute):
    # DynamoDB Local: "Names of key attributes and attributes projected into an index must be between 1 and 255
    # characters, inclusive"; the service names the length constraint.
    t = make_table(None)
    with pytest.raises(ClientError) as e:
        raw_ddb.update_time_to_live(TableName=t["TableName"], TimeToLiveSpecification=spec(attribute, True))
    assert "length" in error(e)[1]


@pytest.mark.parametrize("specification, pattern", [
    ({"Enabled": True}, "ttributename"),
    ({"Enabled": False}, "ttributename"),
    ({"AttributeName": "x"}, "nabled"),
    (None, "timetolivespecification"),
], ids=["no_attribute_name", "no_attribute_name_disabling", "no_enabled", "no_specification"])
def test_missing_members(raw_ddb, make_table, specification, pattern):
    t = make_table(None)
    kw = {"TableName": t["TableName"]}
    if specification is not None:
        kw["TimeToLiveSpecification"] = specification
    with pytest.raises(ClientError) as e:
        raw_ddb.update_time_to_live(**kw)
    code, message = error(e)
    assert code == V and pattern in message.lower()


@pytest.mark.service_only
@pytest.mark.parametrize("specification", [{"AttributeName": "x", "Enabled": "dog"}, {"AttributeName": 3, "Enabled": True}],
                         ids=["enabled_string", "attribute_name_number"])
def test_wrong_json_types(raw_ddb, make_table, specification):
    # DynamoDB Local: a 500 for "dog", and 3 taken as "3".
    t = make_table(None)
    with pytest.raises(ClientError) as e:
        raw_ddb.update_time_to_live(TableName=t["TableName"], TimeToLiveSpecification=specification)
    assert error(e)[0] == "SerializationException"


@pytest.mark.service_only
def test_ttl_is_not_a_tag(ddb, make_table):
    # DynamoDB Local has no tagging at all.
    t = make_table(None)
    ddb.tag_resource(ResourceArn=t["TableArn"], Tags=[{"Key": "team", "Value": "orders"}])
    ddb.update_time_to_live(TableName=t["TableName"], TimeToLiveSpecification=spec("expires", True))
    assert ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"] == [{"Key": "team", "Value": "orders"}]


# ---------------------------------------------------------------------------------------------------------------
# Expiry


def expiring_items(now):
    """(items that expire, items that never do), keyed pk/sk, each with g (GSI key) and l (LSI key)."""
    def item(pk, exp):
        it = {"pk": S(pk), "sk": S("s"), "g": S("G"), "l": S(pk), "v": S("payload")}
        if exp is not None:
            it["exp"] = exp
        return it

    expire = [
        item("past", N(now - 100)),
        item("fraction", N(f"{now - 100}.5")),
        item("exponent", N(f"{(now - 100) // 10}e1")),
        item("four_years_ago", N(now - 4 * YEAR)),
    ]
    keep = [
        item("six_years_ago", N(now - 6 * YEAR)),        # more than five years in the past: never
        item("year_2009", N("1234567e3")),
        item("future", N(now + 3600)),
        item("far_future", N(now + 100 * YEAR)),
        item("string", S(str(now - 100))),
        item("number_set", {"NS": [str(now - 100)]}),
        item("list", {"L": [N(now - 100)]}),
        item("missing", None),
    ]
    return expire, keep


def canonical(value):
    """A value as DynamoDB stores and returns it (numbers without exponent, leading or trailing zeros)."""
    (kind, v), = value.items()
    if kind == "N":
        return {"N": format(Decimal(v).normalize(), "f")}
    if kind == "NS":
        return {"NS": [format(Decimal(n).normalize(), "f") for n in v]}
    if kind == "L":
        return {"L": [canonical(e) for e in v]}
    return value


def stored(item):
    return {k: canonical(v) for k, v in item.items()}


def indexed_table(ddb, name, view):
    return create_table(
        ddb, name, view, sort=("sk", "S"),
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexes=[{"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                   {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}])


def keys_in_table(ddb, name):
    return sorted(i["pk"]["S"] for i in ddb.scan(TableName=name, ConsistentRead=True)["Items"])


def keys_in_gsi(ddb, name):
    return sorted(i["pk"]["S"] for i in ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                                                  ExpressionAttributeValues={":g": S("G")})["Items"])


def keys_in_lsi(ddb, name, pks):
    found = []
    for pk in pks:
        found += [i["pk"]["S"] for i in ddb.query(TableName=name, IndexName="by_l", KeyConditionExpression="pk = :p",
                                                  ExpressionAttributeValues={":p": S(pk)})["Items"]]
    return sorted(found)


def wait_until_gone(ddb, name, expected_left, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if keys_in_table(ddb, name) == expected_left:
            return time.time()
        time.sleep(0.05)
    assert keys_in_table(ddb, name) == expected_left


def check_expiry_records(streams, arn, view, order, expire, started):
    """The records of the writes (in `order`) and one REMOVE in the service's name per expired item, after that
    item's INSERT, carrying the item's primary key only (pk, sk) and the images the view type asks for."""
    records = read_stream(streams, arn, expect=len(order) + len(expire))
    assert len(records) == len(order) + len(expire)
    writes = [r for r in records if "userIdentity" not in r]
    removes = [r for r in records if "userIdentity" in r]
    assert len(writes) == len(order)
    for record, item in zip(writes, order):
        check_record(record, view, {"pk": item["pk"], "sk": item["sk"]}, None, stored(item), started)
    by_pk = {i["pk"]["S"]: stored(i) for i in expire}
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removes) == sorted(by_pk)
    position = {r["eventID"]: n for n, r in enumerate(records)}
    inserted = {r["dynamodb"]["Keys"]["pk"]["S"]: position[r["eventID"]] for r in writes}
    for record in removes:
        pk = record["dynamodb"]["Keys"]["pk"]["S"]
        assert position[record["eventID"]] > inserted[pk]
        check_record(record, view, {"pk": by_pk[pk]["pk"], "sk": by_pk[pk]["sk"]}, by_pk[pk], None, started, service=True)
    check_sequence(records)


def check_indexes(ddb, name, expire, keep):
    left = sorted(i["pk"]["S"] for i in keep)
    assert keys_in_table(ddb, name) == left
    assert keys_in_gsi(ddb, name) == left
    assert keys_in_lsi(ddb, name, [i["pk"]["S"] for i in expire + keep]) == left


def sweep(ddb, name, expire, keep, timeout, settle):
    """Writes the items (before TTL is enabled: they count too), enables TTL on `exp`, waits for the sweep."""
    for item in expire + keep:
        ddb.put_item(TableName=name, Item=item)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    wait_until_gone(ddb, name, sorted(i["pk"]["S"] for i in keep), timeout=timeout)
    time.sleep(settle)  # another sweep or so: what is left stays


def test_expired_items_leave_the_table_and_its_indexes(ddb):
    name = new_name("ttl")
    indexed_table(ddb, name, None)
    try:
        expire, keep = expiring_items(int(time.time()))
        sweep(ddb, name, expire, keep, timeout=30, settle=1.5)
        check_indexes(ddb, name, expire, keep)
    finally:
        ddb.delete_table(TableName=name)


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_AND_OLD_IMAGES"])
def test_each_expiry_is_a_remove_record_of_the_service(ddb, streams, view):
    name = new_name("ttl")
    arn = create_table(ddb, name, view, sort=("sk", "S"))["LatestStreamArn"]
    try:
        started = time.time()
        expire, keep = expiring_items(int(started))
        sweep(ddb, name, expire, keep, timeout=30, settle=1.0)
        check_expiry_records(streams, arn, view, expire + keep, expire, started)
    finally:
        ddb.delete_table(TableName=name)


@pytest.mark.service_only
def test_expiry_records_of_an_indexed_table_carry_the_primary_key_only(ddb, streams):
    # DynamoDB Local puts the index key attributes (g, l) into the Keys of its TTL REMOVE records.
    name = new_name("ttl")
    arn = indexed_table(ddb, name, "KEYS_ONLY")["LatestStreamArn"]
    try:
        started = time.time()
        expire, keep = expiring_items(int(started))
        sweep(ddb, name, expire, keep, timeout=30, settle=0)
        check_expiry_records(streams, arn, "KEYS_ONLY", expire + keep, expire, started)
    finally:
        ddb.delete_table(TableName=name)


def test_nothing_expires_while_ttl_is_disabled(ddb):
    name = new_name("ttl")
    create_table(ddb, name, None)
    try:
        ddb.put_item(TableName=name, Item={"pk": S("past"), "exp": N(int(time.time()) - 100)})
        time.sleep(2.5)
        assert keys_in_table(ddb, name) == ["past"]
    finally:
        ddb.delete_table(TableName=name)


# ---------------------------------------------------------------------------------------------------------------
# ddblocal with --ttl-interval 0.2: the sweeper's interval


INTERVAL = 0.2


@pytest.fixture(scope="module")
def fast_ttl(start_server):
    server = start_server("--in-memory", "--ttl-interval", str(INTERVAL))
    return make_client(server.endpoint), make_streams_client(server.endpoint)


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_sweep_within_two_intervals(fast_ttl, view):
    ddb, streams = fast_ttl
    name = new_name("ttl")
    arn = indexed_table(ddb, name, view)["LatestStreamArn"]
    started = time.time()
    now = int(started)
    expire, keep = expiring_items(now)
    for item in expire[:2] + keep:  # before TTL is enabled
        ddb.put_item(TableName=name, Item=item)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    for item in expire[2:]:         # after
        ddb.put_item(TableName=name, Item=item)
    written = time.time()
    gone = wait_until_gone(ddb, name, sorted(i["pk"]["S"] for i in keep), timeout=2 * INTERVAL + 0.6)
    assert gone - written <= 2 * INTERVAL + 0.6
    time.sleep(3 * INTERVAL)
    check_indexes(ddb, name, expire, keep)
    check_expiry_records(streams, arn, view, expire[:2] + keep + expire[2:], expire, started)


def test_an_item_written_after_expiry_time_passes_is_swept(fast_ttl):
    ddb, _ = fast_ttl
    name = new_name("ttl")
    create_table(ddb, name, None)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    ddb.put_item(TableName=name, Item={"pk": S("soon"), "exp": N(int(time.time()) + 1)})
    ddb.put_item(TableName=name, Item={"pk": S("later"), "exp": N(int(time.time()) + 3600)})
    assert keys_in_table(ddb, name) == ["later", "soon"]
    wait_until_gone(ddb, name, ["later"], timeout=2 + 2 * INTERVAL + 0.6)


def test_rewriting_the_ttl_attribute_saves_an_item(fast_ttl):
    ddb, _ = fast_ttl
    name = new_name("ttl")
    create_table(ddb, name, None)
    now = int(time.time())
    ddb.put_item(TableName=name, Item={"pk": S("saved"), "exp": N(now + 1)})
    ddb.put_item(TableName=name, Item={"pk": S("lost"), "exp": N(now + 1)})
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    ddb.update_item(TableName=name, Key={"pk": S("saved")}, UpdateExpression="SET exp = :e",
                    ExpressionAttributeValues={":e": N(now + 3600)})
    wait_until_gone(ddb, name, ["saved"], timeout=2 + 2 * INTERVAL + 0.6)
    ddb.update_item(TableName=name, Key={"pk": S("saved")}, UpdateExpression="REMOVE exp")
    time.sleep(3 * INTERVAL)
    assert keys_in_table(ddb, name) == ["saved"]


def test_disabling_ttl_stops_expiry(fast_ttl):
    ddb, _ = fast_ttl
    name = new_name("ttl")
    create_table(ddb, name, None)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", False))
    ddb.put_item(TableName=name, Item={"pk": S("past"), "exp": N(int(time.time()) - 100)})
    time.sleep(4 * INTERVAL)
    assert keys_in_table(ddb, name) == ["past"]
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    wait_until_gone(ddb, name, [], timeout=2 * INTERVAL + 0.6)


def test_the_ttl_attribute_may_be_a_key(fast_ttl):
    ddb, streams = fast_ttl
    now = int(time.time())
    numeric = new_name("ttl")
    arn = create_table(ddb, numeric, "KEYS_ONLY", sort=("exp", "N"))["LatestStreamArn"]
    ddb.update_time_to_live(TableName=numeric, TimeToLiveSpecification=spec("exp", True))
    ddb.put_item(TableName=numeric, Item={"pk": S("old"), "exp": N(now - 100)})
    ddb.put_item(TableName=numeric, Item={"pk": S("new"), "exp": N(now + 3600)})
    wait_until_gone(ddb, numeric, ["new"], timeout=2 * INTERVAL + 0.6)
    remove = read_stream(streams, arn, expect=3)[-1]
    assert remove["eventName"] == "REMOVE" and remove["userIdentity"] == SERVICE
    assert remove["dynamodb"]["Keys"] == {"pk": S("old"), "exp": N(now - 100)}

    textual = new_name("ttl")  # an S key is accepted as the TTL attribute, and never expires
    create_table(ddb, textual, None)
    ddb.update_time_to_live(TableName=textual, TimeToLiveSpecification=spec("pk", True))
    ddb.put_item(TableName=textual, Item={"pk": S(str(now - 100))})
    time.sleep(3 * INTERVAL)
    assert keys_in_table(ddb, textual) == [str(now - 100)]


def test_a_conditional_write_racing_the_sweep_sees_the_item_or_nothing(fast_ttl):
    ddb, _ = fast_ttl
    name = new_name("ttl")
    create_table(ddb, name, None)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec("exp", True))
    past = N(int(time.time()) - 100)
    outcomes = set()
    for i in range(40):
        ddb.put_item(TableName=name, Item={"pk": S(f"r{i}"), "exp": past, "n": N(0)})
    deadline = time.time() + 3
    pending = {f"r{i}" for i in range(40)}
    while pending and time.time() < deadline:
        for pk in sorted(pending):
            try:
                # Touch the item only if it is still there, keeping its expiry: it is then swept later or now.
                ddb.update_item(TableName=name, Key={"pk": S(pk)}, UpdateExpression="SET n = n + :one",
                                ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":one": N(1)})
                outcomes.add("updated")
            except ClientError as e:
                assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
                outcomes.add("gone")
                pending.discard(pk)
    assert not pending
    assert keys_in_table(ddb, name) == []
    assert "gone" in outcomes
