"""TransactWriteItems and TransactGetItems through boto3: the funds transfer, cancellation reasons,
idempotency, and a concurrent stress test whose total must never change."""
import random
import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import make_client


@pytest.fixture(scope="module")
def bank(ddb):
    names = {"accounts": "accounts_" + uuid.uuid4().hex[:8], "ledger": "ledger_" + uuid.uuid4().hex[:8]}
    ddb.create_table(TableName=names["accounts"], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ddb.create_table(TableName=names["ledger"], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    yield names
    for n in names.values():
        ddb.delete_table(TableName=n)


def transfer(client, names, source, target, amount, seq, token=None, all_old=False):
    debit = {"TableName": names["accounts"], "Key": {"pk": {"S": source}},
             "UpdateExpression": "SET balance = balance - :amount", "ConditionExpression": "balance >= :amount",
             "ExpressionAttributeValues": {":amount": {"N": str(amount)}}}
    if all_old:
        debit["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    items = [
        {"Update": debit},
        {"Update": {"TableName": names["accounts"], "Key": {"pk": {"S": target}},
                    "UpdateExpression": "ADD balance :amount", "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":amount": {"N": str(amount)}}}},
        {"Put": {"TableName": names["ledger"], "Item": {"pk": {"S": source}, "sk": {"N": str(seq)},
                                                         "amount": {"N": str(-amount)}}}},
        {"Put": {"TableName": names["ledger"], "Item": {"pk": {"S": target}, "sk": {"N": str(seq)},
                                                         "amount": {"N": str(amount)}}}},
    ]
    kwargs = {"TransactItems": items}
    if token:
        kwargs["ClientRequestToken"] = token
    return client.transact_write_items(**kwargs)


def balance(ddb, names, account):
    item = ddb.get_item(TableName=names["accounts"], Key={"pk": {"S": account}}, ConsistentRead=True).get("Item")
    return int(item["balance"]["N"]) if item else None


def open_accounts(ddb, names, **balances):
    for k, v in balances.items():
        ddb.put_item(TableName=names["accounts"], Item={"pk": {"S": k}, "balance": {"N": str(v)}})


def test_transfer_succeeds_and_writes_everything(ddb, bank):
    open_accounts(ddb, bank, a1=100, b1=0)
    transfer(ddb, bank, "a1", "b1", 30, 1)
    assert (balance(ddb, bank, "a1"), balance(ddb, bank, "b1")) == (70, 30)
    ledger = ddb.query(TableName=bank["ledger"], KeyConditionExpression="pk = :p",
                       ExpressionAttributeValues={":p": {"S": "a1"}})["Items"]
    assert ledger == [{"pk": {"S": "a1"}, "sk": {"N": "1"}, "amount": {"N": "-30"}}]


def test_insufficient_balance_cancels_with_reasons_in_order(ddb, bank):
    open_accounts(ddb, bank, a2=10, b2=0)
    with pytest.raises(ClientError) as e:
        transfer(ddb, bank, "a2", "b2", 30, 1, all_old=True)
    err = e.value.response
    assert err["Error"]["Code"] == "TransactionCanceledException"
    assert err["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                                       "[ConditionalCheckFailed, None, None, None]")
    reasons = err["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None", "None", "None"]
    assert reasons[0]["Message"] == "The conditional request failed"
    assert reasons[0]["Item"] == {"pk": {"S": "a2"}, "balance": {"N": "10"}}
    # Nothing was written: no partial transaction.
    assert (balance(ddb, bank, "a2"), balance(ddb, bank, "b2")) == (10, 0)
    assert ddb.query(TableName=bank["ledger"], KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "b2"}})["Count"] == 0


def test_missing_account_and_both_failing(ddb, bank):
    open_accounts(ddb, bank, a3=5)
    with pytest.raises(ClientError) as e:
        transfer(ddb, bank, "a3", "nobody", 1, 1)
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed", "None", "None"]
    with pytest.raises(ClientError) as e:
        transfer(ddb, bank, "a3", "nobody", 50, 1)
    assert [r["Code"] for r in e.value.response["CancellationReasons"]][:2] == ["ConditionalCheckFailed",
                                                                                 "ConditionalCheckFailed"]
    assert balance(ddb, bank, "a3") == 5


def test_condition_checks_deletes_and_puts(ddb, bank):
    open_accounts(ddb, bank, c1=1, c2=2)
    ddb.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": bank["accounts"], "Key": {"pk": {"S": "c1"}},
                            "ConditionExpression": "balance = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": bank["accounts"], "Key": {"pk": {"S": "c2"}}, "ConditionExpression": "attribute_exists(pk)"}},
        {"Put": {"TableName": bank["accounts"], "Item": {"pk": {"S": "c3"}, "balance": {"N": "3"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
    ])
    assert (balance(ddb, bank, "c1"), balance(ddb, bank, "c2"), balance(ddb, bank, "c3")) == (1, None, 3)


@pytest.mark.service_only
def test_two_actions_on_one_item_are_refused(ddb, bank):
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": bank["accounts"], "Item": {"pk": {"S": "d1"}}}},
            {"ConditionCheck": {"TableName": bank["accounts"], "Key": {"pk": {"S": "d1"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["Error"]["Message"] == "Transaction request cannot include multiple operations on one item"


def test_idempotent_retries(ddb, bank):
    open_accounts(ddb, bank, e1=100, e2=0)
    token = uuid.uuid4().hex
    transfer(ddb, bank, "e1", "e2", 10, 1, token=token)
    transfer(ddb, bank, "e1", "e2", 10, 1, token=token)  # the retry succeeds without writing twice
    assert (balance(ddb, bank, "e1"), balance(ddb, bank, "e2")) == (90, 10)
    with pytest.raises(ClientError) as e:
        transfer(ddb, bank, "e1", "e2", 20, 1, token=token)
    assert e.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert (balance(ddb, bank, "e1"), balance(ddb, bank, "e2")) == (90, 10)


def test_transact_get_items(ddb, bank):
    open_accounts(ddb, bank, g1=1)
    r = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": bank["accounts"], "Key": {"pk": {"S": "g1"}}}},
        {"Get": {"TableName": bank["accounts"], "Key": {"pk": {"S": "g-missing"}}}},
        {"Get": {"TableName": bank["accounts"], "Key": {"pk": {"S": "a1"}},
                 "ProjectionExpression": "#b", "ExpressionAttributeNames": {"#b": "balance"}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert r["Responses"][0]["Item"] == {"pk": {"S": "g1"}, "balance": {"N": "1"}}
    assert r["Responses"][1] == {}
    assert set(r["Responses"][2]["Item"]) == {"balance"}
    assert r["ConsumedCapacity"][0]["CapacityUnits"] == 6.0  # two read units per item, found or not


def test_concurrent_transfers_keep_the_total(endpoint, ddb, bank):
    accounts = [f"s{i}" for i in range(6)]
    open_accounts(ddb, bank, **{a: 100 for a in accounts})
    total = 100 * len(accounts)
    errors, snapshots = [], []
    stop = threading.Event()

    def mover(seed):
        client = make_client(endpoint)
        rng = random.Random(seed)
        for n in range(60):
            source, target = rng.sample(accounts, 2)
            try:
                transfer(client, bank, source, target, rng.randrange(1, 40), seed * 1000 + n)
            except ClientError as e:
                if e.response["Error"]["Code"] != "TransactionCanceledException":
                    errors.append(e)

    def auditor():
        client = make_client(endpoint)
        while not stop.is_set():
            r = client.transact_get_items(TransactItems=[
                {"Get": {"TableName": bank["accounts"], "Key": {"pk": {"S": a}}}} for a in accounts])
            snapshots.append(sum(int(x["Item"]["balance"]["N"]) for x in r["Responses"]))

    movers = [threading.Thread(target=mover, args=(s,)) for s in range(6)]
    audit = threading.Thread(target=auditor)
    audit.start()
    for m in movers:
        m.start()
    for m in movers:
        m.join()
    stop.set()
    audit.join()
    assert not errors
    assert snapshots and all(s == total for s in snapshots)  # no reader ever saw half a transfer
    assert sum(balance(ddb, bank, a) for a in accounts) == total
    assert all(balance(ddb, bank, a) >= 0 for a in accounts)
