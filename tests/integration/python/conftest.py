"""Integration fixtures: a running server (ddblocal started here, or DDB_ENDPOINT) and real clients.

DDB_ENDPOINT=http://host:port points the suite at a server that is already running, e.g. Amazon's
DynamoDB Local (then set DDB_TARGET=dynamodb-local: tests marked `service_only` check behaviour where
DynamoDB Local differs from the real service, and are skipped there).
"""
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(os.environ.get("DDB_BINARY", ROOT / "build" / "ddblocal"))
TARGET = os.environ.get("DDB_TARGET", "ddblocal")

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIDTESTS")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "secret")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_MAX_ATTEMPTS"] = "1"
os.environ.pop("AWS_PROFILE", None)


def pytest_configure(config):
    config.addinivalue_line("markers", "service_only: the real service's behaviour, which DynamoDB Local lacks")


def pytest_collection_modifyitems(config, items):
    if TARGET != "dynamodb-local":
        return
    skip = pytest.mark.skip(reason="DynamoDB Local differs from the real service here")
    for item in items:
        if "service_only" in item.keywords:
            item.add_marker(skip)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(endpoint, proc=None, timeout=10.0):
    host, port = endpoint.split("//")[1].split(":")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server at {endpoint} did not start")


class Server:
    """A ddblocal process started by a test (for restart and flag tests)."""

    def __init__(self, *args):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(BINARY), "--port", str(self.port), "--log-level", "warn", *args])
        wait_ready(self.endpoint, self.proc)

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def endpoint():
    if os.environ.get("DDB_ENDPOINT"):
        yield os.environ["DDB_ENDPOINT"]
        return
    server = Server("--in-memory")
    yield server.endpoint
    assert server.stop() == 0


@pytest.fixture(scope="session")
def start_server():
    """Starts extra ddblocal processes with given flags; stops them at the end."""
    if TARGET != "ddblocal" or os.environ.get("DDB_ENDPOINT"):
        pytest.skip("starts ddblocal processes of its own")
    started = []

    def start(*args):
        s = Server(*args)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.stop()


def make_client(endpoint, access_key=None, region="us-east-1", validate=True, service="dynamodb"):
    """A boto3 client that sends each request once (total_max_attempts=1: "max_attempts" counts retries)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key or os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=validate),
    )


@pytest.fixture(scope="session")
def ddb(endpoint):
    return make_client(endpoint)


@pytest.fixture(scope="session")
def raw_ddb(endpoint):
    """A client that sends what it is given, without boto3's own parameter checks."""
    return make_client(endpoint, validate=False)


@pytest.fixture
def table_name():
    return "t_" + uuid.uuid4().hex[:12]


@pytest.fixture
def aws_cli(endpoint):
    """Runs Debian's AWS CLI v2 against the endpoint; returns (exit code, stdout, stderr)."""
    cli = "/usr/bin/aws" if Path("/usr/bin/aws").exists() else shutil.which("aws")

    def run(*args):
        env = dict(os.environ, AWS_PAGER="", AWS_DEFAULT_OUTPUT="json")
        p = subprocess.run([cli, "--endpoint-url", endpoint, *args], capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    return run


def make_streams_client(endpoint, region="us-east-1", validate=True):
    """A boto3 `dynamodbstreams` client for the endpoint (DynamoDB Streams shares DynamoDB's port)."""
    return make_client(endpoint, region=region, validate=validate, service="dynamodbstreams")


@pytest.fixture(scope="session")
def streams(endpoint):
    return make_streams_client(endpoint)


@pytest.fixture(scope="session")
def raw_streams(endpoint):
    """A `dynamodbstreams` client that sends what it is given, without boto3's own parameter checks."""
    return make_streams_client(endpoint, validate=False)
