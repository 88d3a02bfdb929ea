// The control plane through the Node.js SDK v3 (@aws-sdk/client-dynamodb).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand, DescribeTableCommand, ListTablesCommand, UpdateTableCommand, DeleteTableCommand,
  ListTagsOfResourceCommand, TagResourceCommand, waitUntilTableExists, paginateListTables,
} from "@aws-sdk/client-dynamodb";
import { startServer, client, uniqueName, target } from "./server.mjs";

let server, ddb;
before(async () => { server = await startServer(); ddb = client(server.endpoint); });
after(async () => { ddb.destroy(); await server.stop(); });

const schema = (TableName, extra = {}) => ({
  TableName,
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  BillingMode: "PAY_PER_REQUEST",
  ...extra,
});

test("create, describe, update and delete a table", async () => {
  const name = uniqueName();
  const { TableDescription: created } = await ddb.send(new CreateTableCommand(schema(name)));
  assert.equal(created.TableName, name);
  assert.equal(created.TableStatus, "ACTIVE");
  assert.ok(created.CreationDateTime instanceof Date);
  assert.equal(created.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
  assert.equal(created.DeletionProtectionEnabled, false);

  await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 1 }, { TableName: name });
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
  assert.deepEqual(Table.KeySchema, created.KeySchema);
  assert.equal(Table.CreationDateTime.getTime(), created.CreationDateTime.getTime());

  const { TableDescription: updated } = await ddb.send(new UpdateTableCommand({
    TableName: name, BillingMode: "PROVISIONED", ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 2 },
  }));
  assert.equal(updated.ProvisionedThroughput.ReadCapacityUnits, 4);

  await ddb.send(new DeleteTableCommand({ TableName: name }));
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: name })), { name: "ResourceNotFoundException" });
});

test("duplicate names are ResourceInUseException", async () => {
  const name = uniqueName();
  await ddb.send(new CreateTableCommand(schema(name)));
  await assert.rejects(ddb.send(new CreateTableCommand(schema(name))), { name: "ResourceInUseException" });
  await ddb.send(new DeleteTableCommand({ TableName: name }));
});

test("deletion protection blocks DeleteTable until it is turned off", async () => {
  const name = uniqueName();
  await ddb.send(new CreateTableCommand(schema(name, { DeletionProtectionEnabled: true })));
  await assert.rejects(ddb.send(new DeleteTableCommand({ TableName: name })), {
    name: "ValidationException",
    message: "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
  });
  const { TableDescription } = await ddb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false }));
  assert.equal(TableDescription.DeletionProtectionEnabled, false);
  await ddb.send(new DeleteTableCommand({ TableName: name }));
});

test("validation errors carry the service's message", { skip: target === "dynamodb-local" }, async () => {
  await assert.rejects(ddb.send(new CreateTableCommand(schema("bad name"))), {
    name: "ValidationException",
    message: "1 validation error detected: Value 'bad name' at 'tableName' failed to satisfy constraint: " +
      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
  });
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: "no_such_table" })), {
    name: "ResourceNotFoundException", message: "Requested resource not found: Table: no_such_table not found",
  });
});

test("ListTables pages through every table with the paginator", async () => {
  const own = client(server.endpoint, { accessKeyId: "AKIDNODELIST" + Math.floor(Math.random() * 1e6) });
  const names = ["t_c", "t_a", "t_b", "t_d", "t_e"].map((n) => n + "xx");
  for (const n of names) await own.send(new CreateTableCommand(schema(n)));
  const seen = [];
  for await (const page of paginateListTables({ client: own, pageSize: 2 }, {})) seen.push(...page.TableNames);
  assert.deepEqual(seen, [...names].sort());
  const first = await own.send(new ListTablesCommand({ Limit: 2 }));
  assert.equal(first.LastEvaluatedTableName, "t_bxx");
  own.destroy();
});

test("tags on a table", { skip: target === "dynamodb-local" }, async () => {
  const name = uniqueName();
  const { TableDescription } = await ddb.send(new CreateTableCommand(schema(name, { Tags: [{ Key: "a", Value: "1" }] })));
  await ddb.send(new TagResourceCommand({ ResourceArn: TableDescription.TableArn, Tags: [{ Key: "b", Value: "2" }] }));
  const { Tags } = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: TableDescription.TableArn }));
  assert.deepEqual(Tags, [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }]);
  await ddb.send(new DeleteTableCommand({ TableName: name }));
});
