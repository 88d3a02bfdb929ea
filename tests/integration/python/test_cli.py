"""The control plane through the AWS CLI (Debian's awscli v2)."""
import json

import pytest


def test_cli_table_lifecycle(aws_cli, table_name):
    code, out, err = aws_cli("dynamodb", "create-table", "--table-name", table_name,
                             "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
                             "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                             "--billing-mode", "PAY_PER_REQUEST")
    assert code == 0, err
    assert json.loads(out)["TableDescription"]["TableName"] == table_name

    code, out, err = aws_cli("dynamodb", "wait", "table-exists", "--table-name", table_name)
    assert code == 0, err

    code, out, err = aws_cli("dynamodb", "describe-table", "--table-name", table_name)
    assert code == 0, err
    table = json.loads(out)["Table"]
    assert table["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}
    assert table["TableStatus"] == "ACTIVE"

    code, out, err = aws_cli("dynamodb", "list-tables")
    assert code == 0, err
    assert table_name in json.loads(out)["TableNames"]

    code, out, err = aws_cli("dynamodb", "update-table", "--table-name", table_name, "--billing-mode", "PROVISIONED",
                             "--provisioned-throughput", "ReadCapacityUnits=3,WriteCapacityUnits=4")
    assert code == 0, err
    assert json.loads(out)["TableDescription"]["ProvisionedThroughput"]["WriteCapacityUnits"] == 4

    code, out, err = aws_cli("dynamodb", "delete-table", "--table-name", table_name)
    assert code == 0, err
    code, out, err = aws_cli("dynamodb", "describe-table", "--table-name", table_name)
    assert code != 0
    assert "ResourceNotFoundException" in err


@pytest.mark.service_only
def test_cli_reports_dynamodb_errors(aws_cli, table_name):
    code, out, err = aws_cli("dynamodb", "describe-table", "--table-name", "no_such_table")
    assert code == 254
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeTable operation" in err
    assert err.strip().endswith(": Requested resource not found: Table: no_such_table not found")


def test_cli_list_tables_paginates(aws_cli, table_name):
    names = [f"{table_name}_{i}" for i in range(3)]
    for n in names:
        code, _, err = aws_cli("dynamodb", "create-table", "--table-name", n,
                               "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                               "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        assert code == 0, err
    code, out, err = aws_cli("dynamodb", "list-tables", "--page-size", "1")
    assert code == 0, err
    listed = json.loads(out)["TableNames"]
    assert [n for n in listed if n.startswith(table_name)] == names
    for n in names:
        aws_cli("dynamodb", "delete-table", "--table-name", n)


def test_cli_items(aws_cli, table_name):
    code, _, err = aws_cli("dynamodb", "create-table", "--table-name", table_name,
                           "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                           "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert code == 0, err
    code, _, err = aws_cli("dynamodb", "put-item", "--table-name", table_name,
                           "--item", '{"pk": {"S": "k"}, "n": {"N": "41"}}')
    assert code == 0, err
    code, out, err = aws_cli("dynamodb", "update-item", "--table-name", table_name, "--key", '{"pk": {"S": "k"}}',
                             "--update-expression", "ADD n :one", "--expression-attribute-values", '{":one": {"N": "1"}}',
                             "--return-values", "UPDATED_NEW")
    assert code == 0, err
    assert json.loads(out)["Attributes"] == {"n": {"N": "42"}}
    code, out, err = aws_cli("dynamodb", "get-item", "--table-name", table_name, "--key", '{"pk": {"S": "k"}}')
    assert code == 0, err
    assert json.loads(out)["Item"]["n"] == {"N": "42"}
    code, out, err = aws_cli("dynamodb", "put-item", "--table-name", table_name, "--item", '{"pk": {"S": "k"}}',
                             "--condition-expression", "attribute_not_exists(pk)")
    assert code != 0 and "ConditionalCheckFailedException" in err
    aws_cli("dynamodb", "delete-table", "--table-name", table_name)


def test_cli_streams_and_ttl(aws_cli, table_name):
    """`aws dynamodb` with --stream-specification and TTL, then `aws dynamodbstreams` reading the records."""
    code, out, err = aws_cli("dynamodb", "create-table", "--table-name", table_name,
                             "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                             "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                             "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
    assert code == 0, err
    arn = json.loads(out)["TableDescription"]["LatestStreamArn"]
    code, out, err = aws_cli("dynamodb", "update-time-to-live", "--table-name", table_name,
                             "--time-to-live-specification", "Enabled=true,AttributeName=expires")
    assert code == 0, err
    assert json.loads(out)["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    code, out, err = aws_cli("dynamodb", "describe-time-to-live", "--table-name", table_name)
    assert json.loads(out)["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    code, _, err = aws_cli("dynamodb", "put-item", "--table-name", table_name, "--item", '{"pk": {"S": "k"}}')
    assert code == 0, err
    code, out, err = aws_cli("dynamodbstreams", "list-streams", "--table-name", table_name)
    assert code == 0, err
    assert [s["StreamArn"] for s in json.loads(out)["Streams"]] == [arn]
    code, out, err = aws_cli("dynamodbstreams", "describe-stream", "--stream-arn", arn)
    shard = json.loads(out)["StreamDescription"]["Shards"][0]["ShardId"]
    code, out, err = aws_cli("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                             "--shard-iterator-type", "TRIM_HORIZON")
    assert code == 0, err
    iterator = json.loads(out)["ShardIterator"]
    code, out, err = aws_cli("dynamodbstreams", "get-records", "--shard-iterator", iterator)
    assert code == 0, err
    records = json.loads(out)["Records"]
    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [("INSERT", {"pk": {"S": "k"}})]
    aws_cli("dynamodb", "delete-table", "--table-name", table_name)
