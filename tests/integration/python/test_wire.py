"""The awsJson1_0 wire protocol as DynamoDB speaks it: headers, CRC32, error bodies, order of checks."""
import http.client
import json
import zlib

import pytest

AUTH = "AWS4-HMAC-SHA256 Credential=AKIDWIRE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"


def post(endpoint, target, body, content_type="application/x-amz-json-1.0", auth=AUTH, method="POST"):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {}
    if target is not None:
        headers["X-Amz-Target"] = target
    if content_type is not None:
        headers["Content-Type"] = content_type
    if auth is not None:
        headers["Authorization"] = auth
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    conn.request(method, "/", body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp, raw


def error_of(raw):
    doc = json.loads(raw)
    return doc["__type"], doc.get("message", doc.get("Message"))


def test_success_carries_request_id_and_crc32_of_the_body(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {})
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "application/x-amz-json-1.0"
    assert resp.getheader("x-amzn-RequestId")
    assert int(resp.getheader("x-amz-crc32")) == zlib.crc32(raw)
    assert "TableNames" in json.loads(raw)


@pytest.mark.service_only
def test_errors_carry_crc32_too(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.DescribeTable", {"TableName": "no_such_table_here"})
    assert resp.status == 400
    assert int(resp.getheader("x-amz-crc32")) == zlib.crc32(raw)


@pytest.mark.service_only
def test_health_check_answers_200(endpoint):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.read() == b"healthy: dynamodb.us-east-1.amazonaws.com "


@pytest.mark.service_only
def test_malformed_json_is_a_serialization_exception_without_message(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", "{")
    assert resp.status == 400
    assert json.loads(raw) == {"__type": "com.amazon.coral.service#SerializationException"}


@pytest.mark.service_only
def test_empty_body_is_a_serialization_exception(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", "")
    assert resp.status == 400
    assert json.loads(raw) == {"__type": "com.amazon.coral.service#SerializationException"}


@pytest.mark.service_only
@pytest.mark.parametrize("target", ["DynamoDB_20120810.Foo", "DynamoDB_20120810.listtables", "ListTables", None])
def test_unknown_operation(endpoint, target):
    resp, raw = post(endpoint, target, {})
    assert resp.status == 400
    assert json.loads(raw) == {"__type": "com.amazon.coral.service#UnknownOperationException"}


@pytest.mark.service_only
def test_unknown_operation_is_checked_before_credentials(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.Foo", {}, auth=None)
    assert json.loads(raw)["__type"] == "com.amazon.coral.service#UnknownOperationException"


@pytest.mark.service_only
@pytest.mark.parametrize("auth", [None, "AWS4", "Bearer abc"])
def test_missing_authentication_token(endpoint, auth):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {}, auth=auth)
    assert resp.status == 400
    assert error_of(raw) == ("com.amazon.coral.service#MissingAuthenticationTokenException",
                             "Request is missing Authentication Token")


@pytest.mark.service_only
def test_incomplete_signature(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {}, auth="AWS4-")
    t, msg = error_of(raw)
    assert t == "com.amazon.coral.service#IncompleteSignatureException"
    assert msg.startswith("Authorization header requires 'Credential' parameter.")


@pytest.mark.service_only
@pytest.mark.parametrize("content_type", [None, "whatever", "text/plain"])
def test_other_content_types_are_not_dynamodb_requests(endpoint, content_type):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {}, content_type=content_type)
    assert resp.status == 404
    assert raw == b"<UnknownOperationException/>\n"


@pytest.mark.parametrize("content_type", ["application/json", "application/x-amz-json-1.0; charset=utf-8"])
def test_json_content_types_with_parameters_are_accepted(endpoint, content_type):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {}, content_type=content_type)
    assert resp.status == 200


def test_unknown_members_and_null_members_are_ignored(endpoint):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {"hi": "yo", "ExclusiveStartTableName": None, "Limit": None})
    assert resp.status == 200


@pytest.mark.service_only
@pytest.mark.parametrize("body,message", [
    ({"TableName": 123}, "NUMBER_VALUE cannot be converted to String"),
    ({"TableName": True}, "TRUE_VALUE cannot be converted to String"),
    ({"TableName": 1.5}, "DECIMAL_VALUE cannot be converted to String"),
    ({"TableName": []}, "Unrecognized collection type class java.lang.String"),
    ({"TableName": {}}, "Start of structure or map found where not expected"),
])
def test_wrong_json_types_are_serialization_exceptions(endpoint, body, message):
    resp, raw = post(endpoint, "DynamoDB_20120810.DescribeTable", body)
    assert resp.status == 400
    assert json.loads(raw) == {"__type": "com.amazon.coral.service#SerializationException", "Message": message}


@pytest.mark.service_only
@pytest.mark.parametrize("body,message", [
    ({"Limit": "5"}, "STRING_VALUE cannot be converted to Integer"),
    ({"Limit": False}, "FALSE_VALUE cannot be converted to Integer"),
    ({"Limit": []}, "Unrecognized collection type class java.lang.Integer"),
])
def test_wrong_json_types_for_numbers(endpoint, body, message):
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", body)
    assert error_of(raw) == ("com.amazon.coral.service#SerializationException", message)


@pytest.mark.service_only
@pytest.mark.parametrize("body,message", [
    ({"KeySchema": "x"}, "Unexpected field type"),
    ({"KeySchema": ["x"]}, "Unexpected value type in payload"),
    ({"KeySchema": [[]]}, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement"),
    ({"ProvisionedThroughput": []}, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput"),
    ({"ProvisionedThroughput": 1}, "Unexpected field type"),
])
def test_wrong_json_types_for_structures_and_lists(endpoint, body, message):
    resp, raw = post(endpoint, "DynamoDB_20120810.CreateTable", dict({"TableName": "abc"}, **body))
    assert error_of(raw) == ("com.amazon.coral.service#SerializationException", message)


@pytest.mark.service_only
def test_oversized_body_is_refused_without_crashing(endpoint):
    import socket
    host, port = endpoint.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        # The answer comes from the headers alone, before any of the body is sent.
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 22020096\r\n\r\n{")
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    # The server still answers afterwards.
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {})
    assert resp.status == 200


def test_keep_alive_serves_many_requests_on_one_connection(endpoint):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for _ in range(50):
        conn.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    conn.close()


def test_a_client_that_closes_without_a_request_does_not_hurt(endpoint):
    import socket
    host, port = endpoint.split("//")[1].split(":")
    for _ in range(20):
        socket.create_connection((host, int(port))).close()
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")  # half a request, then gone
    resp, raw = post(endpoint, "DynamoDB_20120810.ListTables", {})
    assert resp.status == 200
