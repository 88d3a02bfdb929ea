// Query and Scan through the DocumentClient, with a global secondary index.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, paginateQuery, paginateScan, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, client, uniqueName } from "./server.mjs";

let server, ddb, doc;
const table = uniqueName("feed");
before(async () => {
  server = await startServer();
  ddb = client(server.endpoint);
  doc = DynamoDBDocumentClient.from(ddb);
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "user", AttributeType: "S" }, { AttributeName: "ts", AttributeType: "N" },
      { AttributeName: "topic", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "user", KeyType: "HASH" }, { AttributeName: "ts", KeyType: "RANGE" }],
    GlobalSecondaryIndexes: [{
      IndexName: "byTopic", KeySchema: [{ AttributeName: "topic", KeyType: "HASH" }, { AttributeName: "ts", KeyType: "RANGE" }],
      Projection: { ProjectionType: "ALL" },
    }],
  }));
  for (let i = 0; i < 120; i++) {
    await doc.send(new PutCommand({ TableName: table, Item: { user: `u${i % 3}`, ts: 1000 + i, topic: i % 2 ? "odd" : "even", text: `post ${i}` } }));
  }
});
after(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  ddb.destroy();
  await server.stop();
});

test("newest first, a page at a time", async () => {
  const { Items, LastEvaluatedKey } = await doc.send(new QueryCommand({
    TableName: table, KeyConditionExpression: "#u = :u", ExpressionAttributeNames: { "#u": "user" },
    ExpressionAttributeValues: { ":u": "u1" }, ScanIndexForward: false, Limit: 10,
  }));
  assert.deepEqual(Items.map((i) => i.ts), [1118, 1115, 1112, 1109, 1106, 1103, 1100, 1097, 1094, 1091]);
  assert.deepEqual(LastEvaluatedKey, { user: "u1", ts: 1091 });
});

test("the paginator walks a partition and an index", async () => {
  const ts = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 7 }, {
    TableName: table, KeyConditionExpression: "#u = :u AND ts BETWEEN :a AND :b", ExpressionAttributeNames: { "#u": "user" },
    ExpressionAttributeValues: { ":u": "u0", ":a": 1000, ":b": 1059 },
  })) ts.push(...page.Items.map((i) => i.ts));
  assert.deepEqual(ts, Array.from({ length: 20 }, (_, i) => 1000 + 3 * i));
  let odd = 0;
  for await (const page of paginateQuery({ client: doc, pageSize: 16 }, {
    TableName: table, IndexName: "byTopic", KeyConditionExpression: "topic = :t", ExpressionAttributeValues: { ":t": "odd" },
  })) odd += page.Count;
  assert.equal(odd, 60);
});

test("scan with a filter, in parallel segments", async () => {
  const seen = new Set();
  for (const segment of [0, 1, 2]) {
    for await (const page of paginateScan({ client: doc, pageSize: 25 }, {
      TableName: table, Segment: segment, TotalSegments: 3, FilterExpression: "topic = :t", ExpressionAttributeValues: { ":t": "even" },
    })) page.Items.forEach((i) => seen.add(`${i.user}/${i.ts}`));
  }
  assert.equal(seen.size, 60);
});
