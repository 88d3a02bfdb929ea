// Items through the Node.js SDK v3 DocumentClient (@aws-sdk/lib-dynamodb), as application code uses it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, DeleteCommand, BatchWriteCommand, BatchGetCommand,
} from "@aws-sdk/lib-dynamodb";
import { startServer, client, uniqueName, target } from "./server.mjs";

let server, ddb, doc;
const table = uniqueName("docs");
before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
  doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  }));
});
after(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  ddb.destroy();
  await server.stop();
});

test("native JavaScript values round-trip", async () => {
  const item = {
    pk: "acct-1", balance: 100, name: "Alice", active: true, nothing: null,
    tags: new Set(["a", "b"]), history: [1, "two", { three: 3 }], profile: { city: "Lyon", zip: "69001" },
  };
  await doc.send(new PutCommand({ TableName: table, Item: item }));
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: "acct-1" }, ConsistentRead: true }));
  assert.deepEqual(Item, item);
});

test("conditional debit and credit, as a funds transfer does them", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "from", balance: 50 } }));
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "to", balance: 0 } }));
  const debit = (amount) => doc.send(new UpdateCommand({
    TableName: table, Key: { pk: "from" },
    UpdateExpression: "SET balance = balance - :amount",
    ConditionExpression: "balance >= :amount",
    ExpressionAttributeValues: { ":amount": amount },
    ReturnValues: "UPDATED_NEW",
  }));
  const { Attributes } = await debit(30);
  assert.deepEqual(Attributes, { balance: 20 });
  await assert.rejects(debit(30), { name: "ConditionalCheckFailedException" });
  await doc.send(new UpdateCommand({
    TableName: table, Key: { pk: "to" }, UpdateExpression: "ADD balance :amount",
    ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":amount": 30 },
  }));
  await assert.rejects(doc.send(new UpdateCommand({
    TableName: table, Key: { pk: "nobody" }, UpdateExpression: "ADD balance :amount",
    ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":amount": 30 },
  })), { name: "ConditionalCheckFailedException" });
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: "to" } }));
  assert.equal(Item.balance, 30);
});

test("a failed condition can return the item it saw", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "seen", v: 1 } }));
  const err = await doc.send(new PutCommand({
    TableName: table, Item: { pk: "seen", v: 2 }, ConditionExpression: "attribute_not_exists(pk)",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  })).catch((e) => e);
  assert.equal(err.name, "ConditionalCheckFailedException");
  assert.deepEqual(err.Item, { pk: { S: "seen" }, v: { N: "1" } });
});

test("batch writes and reads", async () => {
  await doc.send(new BatchWriteCommand({ RequestItems: {
    [table]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: `batch-${i}`, i } } })),
  } }));
  const { Responses, UnprocessedKeys } = await doc.send(new BatchGetCommand({ RequestItems: {
    [table]: { Keys: Array.from({ length: 30 }, (_, i) => ({ pk: `batch-${i}` })) },
  } }));
  assert.equal(Responses[table].length, 25);
  assert.deepEqual(UnprocessedKeys, {});
});

test("delete returns the old item", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "gone", v: "x" } }));
  const { Attributes } = await doc.send(new DeleteCommand({ TableName: table, Key: { pk: "gone" }, ReturnValues: "ALL_OLD" }));
  assert.deepEqual(Attributes, { pk: "gone", v: "x" });
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: "gone" } }));
  assert.equal(Item, undefined);
});

test("validation errors carry the service's message", { skip: target === "dynamodb-local" }, async () => {
  await assert.rejects(doc.send(new PutCommand({ TableName: table, Item: { nokey: 1 } })), {
    name: "ValidationException", message: "One or more parameter values were invalid: Missing the key pk in the item",
  });
  await assert.rejects(doc.send(new UpdateCommand({
    TableName: table, Key: { pk: "x" }, UpdateExpression: "SET a = :v, a.b = :v", ExpressionAttributeValues: { ":v": 1 },
  })), {
    name: "ValidationException",
    message: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of " +
      "these paths; path one: [a], path two: [a, b]",
  });
});
