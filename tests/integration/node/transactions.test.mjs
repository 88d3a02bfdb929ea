// The funds transfer through the DocumentClient's TransactWriteCommand, as the application code writes it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, TransactWriteCommand, TransactGetCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, client, uniqueName } from "./server.mjs";

let server, ddb, doc;
const accounts = uniqueName("accts"), records = uniqueName("records");
before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
  doc = DynamoDBDocumentClient.from(ddb);
  for (const TableName of [accounts, records]) {
    await ddb.send(new CreateTableCommand({
      TableName, BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }));
  }
  await doc.send(new PutCommand({ TableName: accounts, Item: { pk: "alice", balance: 100 } }));
  await doc.send(new PutCommand({ TableName: accounts, Item: { pk: "bob", balance: 0 } }));
});
after(async () => {
  for (const TableName of [accounts, records]) await ddb.send(new DeleteTableCommand({ TableName }));
  ddb.destroy();
  await server.stop();
});

const transfer = (from, to, amount, id) => doc.send(new TransactWriteCommand({
  TransactItems: [
    { Update: { TableName: accounts, Key: { pk: from }, UpdateExpression: "SET balance = balance - :amount",
      ConditionExpression: "balance >= :amount", ExpressionAttributeValues: { ":amount": amount } } },
    { Update: { TableName: accounts, Key: { pk: to }, UpdateExpression: "SET balance = balance + :amount",
      ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":amount": amount } } },
    { Put: { TableName: records, Item: { pk: `${id}-debit`, account: from, amount: -amount } } },
    { Put: { TableName: records, Item: { pk: `${id}-credit`, account: to, amount } } },
  ],
}));

const balances = async () => {
  const { Responses } = await doc.send(new TransactGetCommand({ TransactItems: [
    { Get: { TableName: accounts, Key: { pk: "alice" } } }, { Get: { TableName: accounts, Key: { pk: "bob" } } },
  ] }));
  return Responses.map((r) => r.Item.balance);
};

test("a transfer moves money and writes both records", async () => {
  await transfer("alice", "bob", 40, "t1");
  assert.deepEqual(await balances(), [60, 40]);
  const { Item } = await doc.send(new GetCommand({ TableName: records, Key: { pk: "t1-credit" } }));
  assert.deepEqual(Item, { pk: "t1-credit", account: "bob", amount: 40 });
});

test("an insufficient balance cancels everything, with reasons in action order", async () => {
  const err = await transfer("alice", "bob", 1000, "t2").catch((e) => e);
  assert.equal(err.name, "TransactionCanceledException");
  assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ["ConditionalCheckFailed", "None", "None", "None"]);
  assert.deepEqual(await balances(), [60, 40]);
  const { Item } = await doc.send(new GetCommand({ TableName: records, Key: { pk: "t2-debit" } }));
  assert.equal(Item, undefined);
});

test("a missing account cancels the transfer", async () => {
  const err = await transfer("alice", "carol", 10, "t3").catch((e) => e);
  assert.equal(err.name, "TransactionCanceledException");
  assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed", "None", "None"]);
  assert.deepEqual(await balances(), [60, 40]);
});
