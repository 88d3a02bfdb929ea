"""The control plane through boto3: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, tags."""
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import make_client


def hash_table(name, **extra):
    args = dict(TableName=name, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    args.update(extra)
    return args


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_create_describe_delete_on_demand_table(ddb, table_name):
    created = ddb.create_table(**hash_table(table_name))["TableDescription"]
    assert created["TableName"] == table_name
    assert created["TableStatus"] == "ACTIVE"
    assert created["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert created["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert created["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert created["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
    assert created["ItemCount"] == 0 and created["TableSizeBytes"] == 0
    assert created["TableArn"].endswith(":table/" + table_name)

    described = ddb.describe_table(TableName=table_name)["Table"]
    assert described["TableArn"] == created["TableArn"]
    assert described["CreationDateTime"] == created["CreationDateTime"]

    deleted = ddb.delete_table(TableName=table_name)["TableDescription"]
    assert deleted["TableName"] == table_name
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=table_name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.service_only
def test_table_arn_and_id_follow_the_service(ddb, table_name):
    t = ddb.create_table(**hash_table(table_name))["TableDescription"]
    assert t["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}"
    assert len(t["TableId"]) == 36
    assert ddb.delete_table(TableName=table_name)["TableDescription"]["TableStatus"] == "DELETING"


def test_provisioned_table_with_sort_key(ddb, table_name):
    t = ddb.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "sk", "AttributeType": "N"}, {"AttributeName": "pk", "AttributeType": "B"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})["TableDescription"]
    # AttributeDefinitions keep the order they were given in.
    assert [a["AttributeName"] for a in t["AttributeDefinitions"]] == ["sk", "pk"]
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert t["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert t["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
    assert "BillingModeSummary" not in t
    ddb.delete_table(TableName=table_name)


def test_duplicate_table_is_resource_in_use(ddb, table_name):
    ddb.create_table(**hash_table(table_name))
    with pytest.raises(ClientError) as e:
        ddb.create_table(**hash_table(table_name))
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    ddb.delete_table(TableName=table_name)


@pytest.mark.service_only
def test_duplicate_table_message(ddb, table_name):
    ddb.create_table(**hash_table(table_name))
    with pytest.raises(ClientError) as e:
        ddb.create_table(**hash_table(table_name))
    assert error(e) == ("ResourceInUseException", f"Table already exists: {table_name}")
    ddb.delete_table(TableName=table_name)


@pytest.mark.service_only
@pytest.mark.parametrize("op", ["describe_table", "delete_table"])
def test_missing_table_message(ddb, op):
    with pytest.raises(ClientError) as e:
        getattr(ddb, op)(TableName="no_such_table")
    assert error(e) == ("ResourceNotFoundException", "Requested resource not found: Table: no_such_table not found")


@pytest.mark.service_only
def test_update_missing_table(ddb):
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName="no_such_table", BillingMode="PAY_PER_REQUEST")
    assert error(e) == ("ResourceNotFoundException", "Requested resource not found: Table: no_such_table not found")


@pytest.mark.service_only
@pytest.mark.parametrize("name,message", [
    ("ab", "TableName must be at least 3 characters long and at most 255 characters long"),
    ("x" * 256, "TableName must be at least 3 characters long and at most 255 characters long"),
    ("a b", "1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
])
def test_table_name_rules(raw_ddb, name, message):
    with pytest.raises(ClientError) as e:
        raw_ddb.create_table(**hash_table(name))
    assert error(e) == ("ValidationException", message)


def test_names_at_the_limits_are_accepted(ddb):
    for name in ["a.-", "A_" + "x" * 253]:
        assert ddb.create_table(**hash_table(name))["TableDescription"]["TableName"] == name
        ddb.delete_table(TableName=name)


@pytest.mark.service_only
def test_constraint_violations_are_listed_together(raw_ddb):
    with pytest.raises(ClientError) as e:
        raw_ddb.create_table(TableName="abc;", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "X"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASHX"}], BillingMode="PAY_PER_REQUEST")
    code, message = error(e)
    assert code == "ValidationException"
    assert message.startswith("3 validation errors detected: ")
    parts = message[len("3 validation errors detected: "):].split("; ")
    assert sorted(parts) == sorted([
        "Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [B, N, S]",
        "Value 'abc;' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value 'HASHX' at 'keySchema.1.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]",
    ])


@pytest.mark.service_only
@pytest.mark.parametrize("args,message", [
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}]),
     "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. "
     "Keys: [b], AttributeDefinitions: [a]"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}]),
     "Invalid KeySchema: Some index key attribute have no definition"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]),
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "RANGE"}]),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]),
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}]),
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of "
     "attributes defined in AttributeDefinitions"),
])
def test_key_schema_rules(ddb, args, message):
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName="key_rules", BillingMode="PAY_PER_REQUEST", **args)
    assert error(e) == ("ValidationException", message)


@pytest.mark.service_only
def test_key_schema_length_limits(raw_ddb):
    with pytest.raises(ClientError) as e:
        raw_ddb.create_table(TableName="key_rules", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}], KeySchema=[])
    assert error(e) == ("ValidationException", "1 validation error detected: Value '[]' at 'keySchema' failed to "
                        "satisfy constraint: Member must have length greater than or equal to 1")


@pytest.mark.service_only
def test_billing_mode_and_throughput_must_agree(ddb):
    with pytest.raises(ClientError) as e:
        ddb.create_table(**hash_table("billing_rules", BillingMode="PROVISIONED"))
    assert error(e) == ("ValidationException", "One or more parameter values were invalid: ReadCapacityUnits and "
                        "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
    with pytest.raises(ClientError) as e:
        ddb.create_table(**hash_table("billing_rules", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}))
    assert error(e) == ("ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits "
                        "nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")


@pytest.mark.service_only
def test_throughput_must_be_positive(raw_ddb):
    with pytest.raises(ClientError) as e:
        raw_ddb.create_table(**hash_table("billing_rules", BillingMode="PROVISIONED",
                                      ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}))
    assert error(e) == ("ValidationException", "1 validation error detected: Value '0' at "
                        "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
                        "Member must have value greater than or equal to 1")


def test_throughput_above_the_table_limit_is_refused(ddb):
    with pytest.raises(ClientError) as e:
        ddb.create_table(**hash_table("billing_rules", BillingMode="PROVISIONED",
                                      ProvisionedThroughput={"ReadCapacityUnits": 100000, "WriteCapacityUnits": 1}))
    assert error(e) == ("ValidationException", "Cannot increase provisioned throughput to more than 40,000 units per table")


def test_list_tables_pages_in_byte_order(endpoint):
    # A namespace of its own (its own access key), so the listing holds exactly these tables.
    client = make_client(endpoint, access_key="AKIDLIST" + uuid.uuid4().hex[:8].upper())
    names = ["Bzz", "a_x", "C_x", "b-1", "b.1"]
    for n in names:
        client.create_table(**hash_table(n))
    expected = sorted(names, key=lambda s: s.encode())
    assert client.list_tables()["TableNames"] == expected
    assert "LastEvaluatedTableName" not in client.list_tables()

    page = client.list_tables(Limit=2)
    assert page["TableNames"] == expected[:2]
    assert page["LastEvaluatedTableName"] == expected[1]
    page = client.list_tables(Limit=2, ExclusiveStartTableName=page["LastEvaluatedTableName"])
    assert page["TableNames"] == expected[2:4]
    # Exactly Limit tables remain: no LastEvaluatedTableName.
    page = client.list_tables(Limit=1, ExclusiveStartTableName=page["LastEvaluatedTableName"])
    assert page["TableNames"] == expected[4:]
    assert "LastEvaluatedTableName" not in page
    # The start name need not exist.
    assert client.list_tables(ExclusiveStartTableName="b-0")["TableNames"] == [n for n in expected if n.encode() > b"b-0"]
    # The paginator walks every page.
    got = [n for p in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}) for n in p["TableNames"]]
    assert got == expected
    for n in names:
        client.delete_table(TableName=n)
    assert client.list_tables()["TableNames"] == []


@pytest.mark.service_only
def test_table_names_are_case_sensitive(endpoint):
    client = make_client(endpoint, access_key="AKIDCASE" + uuid.uuid4().hex[:8].upper())
    for n in ["abc", "ABC", "Abc"]:
        client.create_table(**hash_table(n))
    assert client.list_tables()["TableNames"] == ["ABC", "Abc", "abc"]


@pytest.mark.service_only
def test_list_tables_limit_bounds(raw_ddb):
    for limit, bound in [(0, "greater than or equal to 1"), (101, "less than or equal to 100")]:
        with pytest.raises(ClientError) as e:
            raw_ddb.list_tables(Limit=limit)
        assert error(e) == ("ValidationException", f"1 validation error detected: Value '{limit}' at 'limit' failed "
                            f"to satisfy constraint: Member must have value {bound}")


def test_tables_are_namespaced_by_access_key_and_region(endpoint, table_name):
    a = make_client(endpoint, access_key="AKIDNSA")
    b = make_client(endpoint, access_key="AKIDNSB")
    a_west = make_client(endpoint, access_key="AKIDNSA", region="eu-west-1")
    a.create_table(**hash_table(table_name))
    assert table_name in a.list_tables()["TableNames"]
    assert table_name not in b.list_tables()["TableNames"]
    assert table_name not in a_west.list_tables()["TableNames"]
    with pytest.raises(ClientError):
        b.describe_table(TableName=table_name)
    b.create_table(**hash_table(table_name))  # the same name in another namespace is another table
    a.delete_table(TableName=table_name)
    assert b.describe_table(TableName=table_name)["Table"]["TableName"] == table_name
    b.delete_table(TableName=table_name)


def test_update_billing_mode_both_ways(ddb, table_name):
    ddb.create_table(**hash_table(table_name, BillingMode="PROVISIONED",
                                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}))
    t = ddb.update_table(TableName=table_name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    d = ddb.describe_table(TableName=table_name)["Table"]
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in d["BillingModeSummary"]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 0

    ddb.update_table(TableName=table_name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 3})
    d = ddb.describe_table(TableName=table_name)["Table"]
    assert d["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert (d["ProvisionedThroughput"]["ReadCapacityUnits"], d["ProvisionedThroughput"]["WriteCapacityUnits"]) == (2, 3)

    ddb.update_table(TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10})
    d = ddb.describe_table(TableName=table_name)["Table"]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert "LastIncreaseDateTime" in d["ProvisionedThroughput"]
    ddb.delete_table(TableName=table_name)


@pytest.mark.service_only
def test_decreases_are_counted(ddb, table_name):
    ddb.create_table(**hash_table(table_name, BillingMode="PROVISIONED",
                                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}))
    ddb.update_table(TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    d = ddb.describe_table(TableName=table_name)["Table"]
    assert d["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 1
    assert "LastDecreaseDateTime" in d["ProvisionedThroughput"]
    ddb.delete_table(TableName=table_name)


@pytest.mark.service_only
def test_update_table_errors(ddb, table_name):
    ddb.create_table(**hash_table(table_name, BillingMode="PROVISIONED",
                                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 6}))
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=table_name)
    assert error(e) == ("ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 6})
    assert error(e)[1].startswith("The provisioned throughput for the table will not change. The requested value equals "
                                  "the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested "
                                  "ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 6.")
    ddb.update_table(TableName=table_name, BillingMode="PAY_PER_REQUEST")
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=table_name, BillingMode="PROVISIONED")
    assert error(e) == ("ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must "
                        "be specified when BillingMode is PROVISIONED")
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert error(e)[1] == ("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
                           "can be specified when BillingMode is PAY_PER_REQUEST")
    ddb.delete_table(TableName=table_name)


@pytest.mark.service_only
def test_tags_and_sse(ddb, table_name):
    t = ddb.create_table(**hash_table(table_name, Tags=[{"Key": "env", "Value": "dev"}],
                                      SSESpecification={"Enabled": True}))["TableDescription"]
    assert t["SSEDescription"]["Status"] == "ENABLED"
    arn = t["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"env": "prod", "team": "a"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    ddb.delete_table(TableName=table_name)


def test_waiters_see_the_table(ddb, table_name):
    ddb.create_table(**hash_table(table_name))
    ddb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    ddb.delete_table(TableName=table_name)
    ddb.get_waiter("table_not_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
