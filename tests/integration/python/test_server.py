"""The ddblocal process itself: flags, DynamoDB Local's aliases, persistence, shutdown."""
import subprocess
import time

import pytest

from conftest import BINARY, make_client

SCHEMA = dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")


def test_help_lists_every_flag():
    out = subprocess.run([str(BINARY), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    for flag in ["--port", "--host", "--in-memory", "--data-dir", "--shared-db", "--log-level", "--cors",
                 "-inMemory", "-sharedDb", "-dbPath", "-delayTransientStatuses", "-optimizeDbBeforeStartup", "-help"]:
        assert flag in out.stdout
    assert subprocess.run([str(BINARY), "-help"], capture_output=True, timeout=10).returncode == 0


def test_unknown_flag_is_refused():
    out = subprocess.run([str(BINARY), "--no-such-flag"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2
    assert "unknown option: --no-such-flag" in out.stderr


def test_tables_persist_across_restarts(start_server, tmp_path):
    data = tmp_path / "data"
    server = start_server("--data-dir", str(data))
    client = make_client(server.endpoint)
    client.create_table(TableName="kept", **SCHEMA)
    client.create_table(TableName="dropped", **SCHEMA)
    client.delete_table(TableName="dropped")
    assert server.stop() == 0  # SIGTERM: a graceful exit

    server = start_server("--data-dir", str(data))
    client = make_client(server.endpoint)
    assert client.list_tables()["TableNames"] == ["kept"]
    assert client.describe_table(TableName="kept")["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert server.stop() == 0


def test_dynamodb_local_flags_are_accepted(start_server, tmp_path):
    server = start_server("-dbPath", str(tmp_path), "-sharedDb", "-cors", "*", "-optimizeDbBeforeStartup")
    a = make_client(server.endpoint, access_key="AKIDONE")
    b = make_client(server.endpoint, access_key="AKIDTWO", region="eu-west-1")
    a.create_table(TableName="shared_table", **SCHEMA)
    # -sharedDb: every access key and region sees the same tables.
    assert b.list_tables()["TableNames"] == ["shared_table"]
    server.stop()
    assert (tmp_path / "CURRENT").exists()  # the RocksDB store went where -dbPath said


def test_in_memory_leaves_nothing_on_disk(start_server, tmp_path):
    server = start_server("-inMemory", "--data-dir", str(tmp_path / "unused"))
    make_client(server.endpoint).create_table(TableName="gone", **SCHEMA)
    server.stop()
    assert not (tmp_path / "unused").exists()


def test_delay_transient_statuses(start_server):
    server = start_server("--in-memory", "-delayTransientStatuses")
    client = make_client(server.endpoint)
    assert client.create_table(TableName="slow", **SCHEMA)["TableDescription"]["TableStatus"] == "CREATING"
    client.get_waiter("table_exists").wait(TableName="slow", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert client.describe_table(TableName="slow")["Table"]["TableStatus"] == "ACTIVE"


def test_cors_headers(start_server):
    import http.client
    server = start_server("--in-memory", "--cors", "*")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("OPTIONS", "/", headers={"Origin": "http://app.local", "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "x-amz-target,content-type"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 200
    assert resp.getheader("Access-Control-Allow-Origin") == "*"
    assert resp.getheader("Access-Control-Allow-Headers") == "x-amz-target,content-type"


def test_starts_fast(start_server):
    t0 = time.monotonic()
    start_server("--in-memory")
    # Generous for a loaded CI machine; the benchmark measures the real figure.
    assert time.monotonic() - t0 < 2.0


def test_a_new_index_is_creating_while_it_backfills(start_server):
    from botocore.exceptions import ClientError
    server = start_server("--in-memory", "-delayTransientStatuses")
    client = make_client(server.endpoint)
    client.create_table(TableName="backfill", **SCHEMA)
    client.get_waiter("table_exists").wait(TableName="backfill", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    for i in range(50):
        client.put_item(TableName="backfill", Item={"pk": {"S": str(i)}, "g": {"S": "x"}})
    client.update_table(TableName="backfill", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    gsi = client.describe_table(TableName="backfill")["Table"]["GlobalSecondaryIndexes"][0]
    assert gsi["IndexStatus"] == "CREATING" and gsi["Backfilling"] is True
    query = dict(TableName="backfill", IndexName="byG", KeyConditionExpression="g = :g",
                 ExpressionAttributeValues={":g": {"S": "x"}})
    try:
        client.query(**query)
        assert False, "a backfilling index is not readable"
    except ClientError as e:
        assert e.response["Error"]["Message"] == "Cannot read from backfilling global secondary index: byG"
    for _ in range(50):
        if client.describe_table(TableName="backfill")["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    assert client.query(**query)["Count"] == 50
