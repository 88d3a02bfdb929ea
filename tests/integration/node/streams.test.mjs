// DynamoDB Streams through the Node.js SDK v3: @aws-sdk/client-dynamodb and the DocumentClient (@aws-sdk/lib-dynamodb)
// write, @aws-sdk/client-dynamodb-streams reads, as a stream consumer (a Lambda's event source mapping) does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, UpdateCommand, DeleteCommand, BatchWriteCommand, TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { startServer, client, streamsClient, uniqueName, target } from "./server.mjs";

const region = "us-east-1"; // what client() and streamsClient() sign for
let server, ddb, doc, streams;
const tables = [];

before(async () => {
  server = await startServer();
  ddb = client(server.endpoint, { region });
  streams = streamsClient(server.endpoint, { region });
  // The seed application's DocumentClient options (dynamodb-client.js).
  doc = DynamoDBDocumentClient.from(ddb, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: true },
    unmarshallOptions: { wrapNumbers: false },
  });
});
after(async () => {
  await Promise.all(tables.map((TableName) => ddb.send(new DeleteTableCommand({ TableName })).catch(() => {})));
  ddb.destroy();
  streams.destroy();
  await server.stop();
});

// A table keyed by pk (and sk with sortKey), with a stream of the view type `view` unless it is undefined.
async function createTable(prefix, { view, sortKey = false } = {}) {
  const TableName = uniqueName(prefix);
  const keys = sortKey ? ["pk", "sk"] : ["pk"];
  const { TableDescription } = await ddb.send(new CreateTableCommand({
    TableName, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
    KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? "HASH" : "RANGE" })),
    ...(view && { StreamSpecification: { StreamEnabled: true, StreamViewType: view } }),
  }));
  tables.push(TableName);
  return TableDescription;
}

// Every shard of a stream, following DescribeStream's LastEvaluatedShardId.
async function shardsOf(StreamArn) {
  const shards = [];
  let ExclusiveStartShardId;
  do {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn, ExclusiveStartShardId }));
    shards.push(...StreamDescription.Shards);
    ExclusiveStartShardId = StreamDescription.LastEvaluatedShardId;
  } while (ExclusiveStartShardId);
  return shards;
}

const iterator = async (StreamArn, ShardId, ShardIteratorType, SequenceNumber) =>
  (await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId, ShardIteratorType, SequenceNumber }))).ShardIterator;

// Reads every shard from TRIM_HORIZON, following NextShardIterator until a read returns no records (an open shard
// always hands back a next iterator) or the shard is closed. onBatch sees each GetRecords answer's records.
// Shards are read in DescribeStream's order; the servers this runs against put a small table's stream in one shard.
async function readStream(StreamArn, { Limit, onBatch } = {}) {
  const records = [];
  for (const { ShardId } of await shardsOf(StreamArn)) {
    let ShardIterator = await iterator(StreamArn, ShardId, "TRIM_HORIZON");
    while (ShardIterator) {
      const { Records, NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator, Limit }));
      if (Records.length === 0) break;
      records.push(...Records);
      if (onBatch) await onBatch(Records);
      ShardIterator = NextShardIterator;
    }
  }
  return records;
}

// A stream record's change in plain JavaScript values; an image absent from the record is undefined.
const change = ({ eventName, dynamodb: { Keys, NewImage, OldImage } }) => ({
  eventName, keys: unmarshall(Keys),
  newImage: NewImage && unmarshall(NewImage), oldImage: OldImage && unmarshall(OldImage),
});
const byKey = (a, b) => JSON.stringify(a.keys).localeCompare(JSON.stringify(b.keys));

// What every record carries, whatever the change: the event's envelope, a sequence number, a size, the keys, and
// exactly the images its view type names.
function checkRecords(records, { view, keyNames, since }) {
  const ids = new Set();
  let previous = -1n;
  for (const rec of records) {
    assert.equal(typeof rec.eventID, "string");
    assert.ok(rec.eventID.length > 0 && !ids.has(rec.eventID), `eventID ${rec.eventID} is unique`);
    ids.add(rec.eventID);
    assert.ok(["INSERT", "MODIFY", "REMOVE"].includes(rec.eventName), rec.eventName);
    assert.equal(rec.eventSource, "aws:dynamodb");
    assert.equal(rec.eventVersion, "1.1");
    assert.equal(typeof rec.awsRegion, "string");
    // DynamoDB Local names its region "ddblocal" whatever region the request is signed for; the service's records
    // carry the region of the table.
    if (target !== "dynamodb-local") assert.equal(rec.awsRegion, region);
    const d = rec.dynamodb;
    assert.equal(d.StreamViewType, view);
    assert.match(d.SequenceNumber, /^\d{21,40}$/);
    const sequence = BigInt(d.SequenceNumber);
    assert.ok(sequence > previous, `sequence numbers increase: ${d.SequenceNumber} after ${previous}`);
    previous = sequence;
    assert.ok(Number.isInteger(d.SizeBytes) && d.SizeBytes > 0, `SizeBytes ${d.SizeBytes}`);
    // The service rounds ApproximateCreationDateTime down to the second; DynamoDB Local rounds it down to the minute.
    assert.ok(d.ApproximateCreationDateTime instanceof Date);
    const slack = target === "dynamodb-local" ? 60_000 : 1_000;
    assert.ok(d.ApproximateCreationDateTime.getTime() >= since - slack && d.ApproximateCreationDateTime.getTime() <= Date.now(),
      `ApproximateCreationDateTime ${d.ApproximateCreationDateTime.toISOString()}`);
    assert.deepEqual(Object.keys(d.Keys).sort(), [...keyNames].sort());
    const wantsNew = (view === "NEW_IMAGE" || view === "NEW_AND_OLD_IMAGES") && rec.eventName !== "REMOVE";
    const wantsOld = (view === "OLD_IMAGE" || view === "NEW_AND_OLD_IMAGES") && rec.eventName !== "INSERT";
    assert.equal(d.NewImage !== undefined, wantsNew, `${view} ${rec.eventName} NewImage`);
    assert.equal(d.OldImage !== undefined, wantsOld, `${view} ${rec.eventName} OldImage`);
    for (const image of [d.NewImage, d.OldImage].filter(Boolean)) {
      for (const k of keyNames) assert.deepEqual(image[k], d.Keys[k], `image key ${k}`);
    }
  }
}

test("a table's stream as DescribeTable, ListStreams and DescribeStream show it", async () => {
  const created = await createTable("streamed", { view: "NEW_AND_OLD_IMAGES" });
  const name = created.TableName;
  assert.deepEqual(created.StreamSpecification, { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  assert.equal(typeof created.LatestStreamLabel, "string");

  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
  assert.deepEqual(Table.StreamSpecification, created.StreamSpecification);
  assert.equal(Table.LatestStreamArn, created.LatestStreamArn);
  assert.equal(Table.LatestStreamLabel, created.LatestStreamLabel);
  const arn = Table.LatestStreamArn;
  const m = arn.match(/^arn:aws:dynamodb:([^:]+):(\d{12}):table\/([^/]+)\/stream\/(.+)$/);
  assert.ok(m, arn);
  assert.equal(m[3], name);
  assert.equal(m[4], Table.LatestStreamLabel);
  // DynamoDB Local puts its own region name, "ddblocal", in every ARN; the service puts the table's region there.
  if (target !== "dynamodb-local") assert.equal(m[1], region);
  assert.equal(m[1], Table.TableArn.split(":")[3], "the stream's ARN names the table's region");

  const { Streams } = await streams.send(new ListStreamsCommand({ TableName: name }));
  assert.deepEqual(Streams, [{ StreamArn: arn, TableName: name, StreamLabel: Table.LatestStreamLabel }]);

  const { StreamDescription: s } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  assert.equal(s.StreamArn, arn);
  assert.equal(s.StreamLabel, Table.LatestStreamLabel);
  assert.equal(s.StreamStatus, "ENABLED");
  assert.equal(s.StreamViewType, "NEW_AND_OLD_IMAGES");
  assert.equal(s.TableName, name);
  assert.deepEqual(s.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
  assert.ok(s.CreationRequestDateTime instanceof Date);
  assert.equal(s.LastEvaluatedShardId, undefined);
  assert.ok(s.Shards.length >= 1);
  for (const shard of s.Shards) {
    assert.ok(shard.ShardId.length >= 28 && shard.ShardId.length <= 65, shard.ShardId);
    assert.match(shard.SequenceNumberRange.StartingSequenceNumber, /^\d{21,40}$/);
    assert.equal(shard.SequenceNumberRange.EndingSequenceNumber, undefined, "a new stream's shard is open");
  }

  // A table without a stream has none to show.
  const plain = await createTable("unstreamed");
  assert.equal(plain.StreamSpecification, undefined);
  assert.equal(plain.LatestStreamArn, undefined);
  const described = (await ddb.send(new DescribeTableCommand({ TableName: plain.TableName }))).Table;
  assert.equal(described.LatestStreamArn, undefined);
  assert.deepEqual((await streams.send(new ListStreamsCommand({ TableName: plain.TableName }))).Streams, []);
});

test("PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems records, in order; no-ops write none", async () => {
  const since = Date.now();
  const { TableName, LatestStreamArn } = await createTable("changes", { view: "NEW_AND_OLD_IMAGES" });
  const a1 = { pk: "a", v: 1, tags: new Set(["x", "y"]), doc: { nested: [1, "two"] }, ok: true, nothing: null };
  await doc.send(new PutCommand({ TableName, Item: a1 }));
  // None of these change anything, and the service writes no stream record for them: an identical overwrite, an
  // update to the values the item has, a write whose condition fails, a delete of a missing item.
  await doc.send(new PutCommand({ TableName, Item: a1 }));
  await doc.send(new UpdateCommand({ TableName, Key: { pk: "a" }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": 1 } }));
  await assert.rejects(doc.send(new PutCommand({ TableName, Item: { pk: "a" }, ConditionExpression: "attribute_not_exists(pk)" })),
    { name: "ConditionalCheckFailedException" });
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "missing" } }));

  await doc.send(new UpdateCommand({ TableName, Key: { pk: "a" }, UpdateExpression: "SET v = :v REMOVE nothing", ExpressionAttributeValues: { ":v": 2 } }));
  const { Attributes: a2 } = await doc.send(new DeleteCommand({ TableName, Key: { pk: "a" }, ReturnValues: "ALL_OLD" }));
  await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [
    { PutRequest: { Item: { pk: "b1", n: 1 } } }, { PutRequest: { Item: { pk: "b2", n: 2 } } },
  ] } }));
  await doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName, Item: { pk: "t1", n: 3 } } },
    { Update: { TableName, Key: { pk: "b1" }, UpdateExpression: "SET x = :x", ExpressionAttributeValues: { ":x": "y" } } },
    { Delete: { TableName, Key: { pk: "b2" } } },
    { ConditionCheck: { TableName, Key: { pk: "nobody" }, ConditionExpression: "attribute_not_exists(pk)" } },
  ] }));
  // A cancelled transaction writes nothing, and so streams nothing.
  await assert.rejects(doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName, Item: { pk: "t2" } } },
    { ConditionCheck: { TableName, Key: { pk: "nobody" }, ConditionExpression: "attribute_exists(pk)" } },
  ] })), { name: "TransactionCanceledException" });

  const records = await readStream(LatestStreamArn);
  checkRecords(records, { view: "NEW_AND_OLD_IMAGES", keyNames: ["pk"], since });
  const changes = records.map(change);
  assert.equal(changes.length, 8, JSON.stringify(changes.map((c) => [c.eventName, c.keys.pk])));
  assert.deepEqual(changes.slice(0, 3), [
    { eventName: "INSERT", keys: { pk: "a" }, newImage: a1, oldImage: undefined },
    { eventName: "MODIFY", keys: { pk: "a" }, newImage: a2, oldImage: a1 },
    { eventName: "REMOVE", keys: { pk: "a" }, newImage: undefined, oldImage: a2 },
  ]);
  assert.deepEqual(a2, { pk: "a", v: 2, tags: new Set(["x", "y"]), doc: { nested: [1, "two"] }, ok: true });
  // The items of one BatchWriteItem or one transaction come after the writes before it; among themselves, only each
  // item's own changes are ordered.
  assert.deepEqual(changes.slice(3, 5).sort(byKey), [
    { eventName: "INSERT", keys: { pk: "b1" }, newImage: { pk: "b1", n: 1 }, oldImage: undefined },
    { eventName: "INSERT", keys: { pk: "b2" }, newImage: { pk: "b2", n: 2 }, oldImage: undefined },
  ]);
  assert.deepEqual(changes.slice(5).sort(byKey), [
    { eventName: "MODIFY", keys: { pk: "b1" }, newImage: { pk: "b1", n: 1, x: "y" }, oldImage: { pk: "b1", n: 1 } },
    { eventName: "REMOVE", keys: { pk: "b2" }, newImage: undefined, oldImage: { pk: "b2", n: 2 } },
    { eventName: "INSERT", keys: { pk: "t1" }, newImage: { pk: "t1", n: 3 }, oldImage: undefined },
  ]);

  const [shard] = await shardsOf(LatestStreamArn);
  assert.ok(BigInt(shard.SequenceNumberRange.StartingSequenceNumber) <= BigInt(records[0].dynamodb.SequenceNumber));
});

test("KEYS_ONLY, NEW_IMAGE and OLD_IMAGE streams carry what their view type names", async () => {
  const since = Date.now();
  for (const view of ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE"]) {
    const { TableName, LatestStreamArn, StreamSpecification } = await createTable(`view_${view.toLowerCase()}`, { view, sortKey: true });
    assert.deepEqual(StreamSpecification, { StreamEnabled: true, StreamViewType: view });
    const Key = { pk: "USER#1", sk: "ORDER#1" };
    await doc.send(new PutCommand({ TableName, Item: { ...Key, status: "pending" } }));
    await doc.send(new UpdateCommand({ TableName, Key, UpdateExpression: "SET #s = :s", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "shipped" } }));
    await doc.send(new DeleteCommand({ TableName, Key }));
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: LatestStreamArn }));
    assert.equal(StreamDescription.StreamViewType, view);
    assert.deepEqual(StreamDescription.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }]);

    const records = await readStream(LatestStreamArn);
    checkRecords(records, { view, keyNames: ["pk", "sk"], since });
    const pending = { ...Key, status: "pending" }, shipped = { ...Key, status: "shipped" };
    const images = {
      KEYS_ONLY: [[undefined, undefined], [undefined, undefined], [undefined, undefined]],
      NEW_IMAGE: [[pending, undefined], [shipped, undefined], [undefined, undefined]],
      OLD_IMAGE: [[undefined, undefined], [undefined, pending], [undefined, shipped]],
    }[view];
    assert.deepEqual(records.map(change), ["INSERT", "MODIFY", "REMOVE"].map((eventName, i) => ({
      eventName, keys: Key, newImage: images[i][0], oldImage: images[i][1],
    })));
  }
});

test("shard iterators: AT_ and AFTER_SEQUENCE_NUMBER, LATEST, Limit, and an open shard's next iterator", async () => {
  const { TableName, LatestStreamArn } = await createTable("iterators", { view: "KEYS_ONLY" });
  const [{ ShardId }] = await shardsOf(LatestStreamArn);
  const pks = (records) => records.map((r) => r.dynamodb.Keys.pk.S);

  // An empty open shard answers no records and a next iterator, which sees what is written later.
  const empty = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(LatestStreamArn, ShardId, "TRIM_HORIZON") }));
  assert.deepEqual(empty.Records, []);
  assert.ok(empty.NextShardIterator);
  for (let i = 0; i < 5; i++) await doc.send(new PutCommand({ TableName, Item: { pk: `k${i}` } }));
  const later = await streams.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }));
  assert.deepEqual(pks(later.Records), ["k0", "k1", "k2", "k3", "k4"]);

  const first = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(LatestStreamArn, ShardId, "TRIM_HORIZON"), Limit: 2 }));
  assert.deepEqual(pks(first.Records), ["k0", "k1"]);
  const rest = await streams.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
  assert.deepEqual(pks(rest.Records), ["k2", "k3", "k4"]);

  const seq = first.Records[1].dynamodb.SequenceNumber;
  const at = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(LatestStreamArn, ShardId, "AT_SEQUENCE_NUMBER", seq) }));
  assert.deepEqual(pks(at.Records), ["k1", "k2", "k3", "k4"]);
  const afterSeq = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(LatestStreamArn, ShardId, "AFTER_SEQUENCE_NUMBER", seq) }));
  assert.deepEqual(pks(afterSeq.Records), ["k2", "k3", "k4"]);

  const latest = await iterator(LatestStreamArn, ShardId, "LATEST");
  await doc.send(new PutCommand({ TableName, Item: { pk: "late" } }));
  assert.deepEqual(pks((await streams.send(new GetRecordsCommand({ ShardIterator: latest }))).Records), ["late"]);

  // A position by sequence number needs the sequence number.
  await assert.rejects(iterator(LatestStreamArn, ShardId, "AFTER_SEQUENCE_NUMBER"), { name: "ValidationException" });
});

test("UpdateTable enables, disables and re-enables a stream; a disabled stream stays readable", async () => {
  const since = Date.now();
  const { TableName } = await createTable("toggled");
  await assert.rejects(ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true } })),
    { name: "ValidationException" }, "enabling a stream needs its view type");
  const enabled = (await ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } }))).TableDescription;
  assert.deepEqual(enabled.StreamSpecification, { StreamEnabled: true, StreamViewType: "KEYS_ONLY" });
  const first = enabled.LatestStreamArn;
  assert.ok(first.endsWith(`/stream/${enabled.LatestStreamLabel}`), first);
  await assert.rejects(ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } })),
    { name: "ValidationException" }, "a table has one enabled stream");

  await doc.send(new PutCommand({ TableName, Item: { pk: "before" } }));
  await ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: false } }));
  await doc.send(new PutCommand({ TableName, Item: { pk: "while-disabled" } }));
  const disabled = (await streams.send(new DescribeStreamCommand({ StreamArn: first }))).StreamDescription;
  assert.ok(["DISABLING", "DISABLED"].includes(disabled.StreamStatus), disabled.StreamStatus);
  const records = await readStream(first);
  checkRecords(records, { view: "KEYS_ONLY", keyNames: ["pk"], since });
  assert.deepEqual(records.map((r) => r.dynamodb.Keys.pk.S), ["before"]);

  const again = (await ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } }))).TableDescription;
  assert.notEqual(again.LatestStreamArn, first);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName }))).Table.LatestStreamArn, again.LatestStreamArn);
  await doc.send(new PutCommand({ TableName, Item: { pk: "after" } }));
  assert.deepEqual((await readStream(again.LatestStreamArn)).map(change),
    [{ eventName: "INSERT", keys: { pk: "after" }, newImage: { pk: "after" }, oldImage: undefined }]);

  // Both streams are listed, a page at a time.
  const page1 = await streams.send(new ListStreamsCommand({ TableName, Limit: 1 }));
  assert.equal(page1.Streams.length, 1);
  assert.ok(page1.LastEvaluatedStreamArn);
  const page2 = await streams.send(new ListStreamsCommand({ TableName, Limit: 1, ExclusiveStartStreamArn: page1.LastEvaluatedStreamArn }));
  assert.equal(page2.Streams.length, 1);
  assert.deepEqual(new Set([...page1.Streams, ...page2.Streams].map((s) => s.StreamArn)), new Set([first, again.LatestStreamArn]));
});

// The seed application's stream processor (how-to-use-dynamodb-with-lambda.md, "DynamoDB Streams with Lambda"),
// its handler as written there; the notifications and the inventory updates it makes are recorded, not sent.
function seedStreamProcessor() {
  const effects = [];
  const logged = [];
  const console = { log: (message, fields) => logged.push(fields), error: () => {} };
  const sendOrderConfirmation = async (order) => { effects.push(["confirmation", order.orderId]); };
  const sendStatusUpdate = async (order) => { effects.push(["status", order.orderId, order.status]); };
  const updateInventory = async (items, direction) => { effects.push(["inventory", direction, items]); };

  const handler = async (event) => {
    // Process each record in the stream batch
    for (const record of event.Records) {
      // Event types: INSERT, MODIFY, REMOVE
      const eventName = record.eventName;

      // Get the new and old images based on stream configuration
      const newImage = record.dynamodb.NewImage
        ? unmarshall(record.dynamodb.NewImage)
        : null;
      const oldImage = record.dynamodb.OldImage
        ? unmarshall(record.dynamodb.OldImage)
        : null;

      console.log("Processing stream record:", {
        eventName,
        keys: record.dynamodb.Keys,
      });

      try {
        switch (eventName) {
          case "INSERT":
            await handleInsert(newImage);
            break;
          case "MODIFY":
            await handleModify(newImage, oldImage);
            break;
          case "REMOVE":
            await handleRemove(oldImage);
            break;
        }
      } catch (error) {
        console.error("Error processing record:", error);
        throw error; // Rethrow to mark batch as failed
      }
    }

    return { processed: event.Records.length };
  };

  async function handleInsert(item) {
    if (item.entityType === "Order") {
      // Send order confirmation email
      await sendOrderConfirmation(item);
      // Update inventory
      await updateInventory(item.items, "decrease");
    }
  }

  async function handleModify(newItem, oldItem) {
    if (newItem.entityType === "Order") {
      // Check if status changed
      if (newItem.status !== oldItem.status) {
        await sendStatusUpdate(newItem);
      }
    }
  }

  async function handleRemove(item) {
    if (item.entityType === "Order" && item.status === "cancelled") {
      // Restore inventory for cancelled orders
      await updateInventory(item.items, "increase");
    }
  }

  return { handler, effects, logged };
}

test("the seed application's stream processor, fed GetRecords batches of an orders table", async () => {
  const { TableName, LatestStreamArn } = await createTable("orders", { view: "NEW_AND_OLD_IMAGES", sortKey: true });
  const now = new Date().toISOString();
  // createUser, as the seed writes a profile.
  await doc.send(new PutCommand({
    TableName, ConditionExpression: "attribute_not_exists(pk)",
    Item: { pk: "USER#u1", sk: "PROFILE#u1", entityType: "User", id: "u1", email: "a@example.com", name: "Ann", createdAt: now, updatedAt: now },
  }));
  const order = (orderId, items) => ({
    pk: "USER#u1", sk: `ORDER#${orderId}`, entityType: "Order", orderId, status: "pending", items,
    GSI1PK: "STATUS#pending", GSI1SK: now, createdAt: now,
  });
  const o1Items = [{ sku: "WIDGET", qty: 2 }, { sku: "GADGET", qty: 1 }], o2Items = [{ sku: "WIDGET", qty: 5 }];
  await doc.send(new PutCommand({ TableName, Item: order("o1", o1Items) }));
  await doc.send(new PutCommand({ TableName, Item: order("o2", o2Items) }));
  const setStatus = (orderId, status) => doc.send(new UpdateCommand({
    TableName, Key: { pk: "USER#u1", sk: `ORDER#${orderId}` },
    UpdateExpression: "SET #status = :status, GSI1PK = :gsi, updatedAt = :ts",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":status": status, ":gsi": `STATUS#${status}`, ":ts": new Date().toISOString() },
  }));
  await setStatus("o1", "shipped");
  await doc.send(new UpdateCommand({ TableName, Key: { pk: "USER#u1", sk: "ORDER#o1" }, UpdateExpression: "SET note = :n", ExpressionAttributeValues: { ":n": "left at door" } }));
  await setStatus("o2", "cancelled");
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "USER#u1", sk: "ORDER#o2" } }));
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "USER#u1", sk: "ORDER#o1" } }));
  await doc.send(new UpdateCommand({ TableName, Key: { pk: "USER#u1", sk: "PROFILE#u1" }, UpdateExpression: "SET #n = :n", ExpressionAttributeNames: { "#n": "name" }, ExpressionAttributeValues: { ":n": "Anne" } }));

  // Batches of at most 4 records, as an event source mapping with BatchSize 4 would invoke the function.
  const { handler, effects, logged } = seedStreamProcessor();
  const results = [];
  await readStream(LatestStreamArn, { Limit: 4, onBatch: async (Records) => results.push(await handler({ Records })) });
  assert.deepEqual(results, [{ processed: 4 }, { processed: 4 }, { processed: 1 }]);
  assert.deepEqual(logged.map(({ eventName, keys }) => [eventName, keys.sk.S]), [
    ["INSERT", "PROFILE#u1"], ["INSERT", "ORDER#o1"], ["INSERT", "ORDER#o2"], ["MODIFY", "ORDER#o1"], ["MODIFY", "ORDER#o1"],
    ["MODIFY", "ORDER#o2"], ["REMOVE", "ORDER#o2"], ["REMOVE", "ORDER#o1"], ["MODIFY", "PROFILE#u1"],
  ]);
  assert.deepEqual(logged[0].keys, { pk: { S: "USER#u1" }, sk: { S: "PROFILE#u1" } });
  assert.deepEqual(effects, [
    ["confirmation", "o1"], ["inventory", "decrease", o1Items],
    ["confirmation", "o2"], ["inventory", "decrease", o2Items],
    ["status", "o1", "shipped"],
    ["status", "o2", "cancelled"],
    ["inventory", "increase", o2Items],
  ]);
});

test("errors: a garbage shard iterator, a stream or shard that does not exist", async () => {
  const { LatestStreamArn } = await createTable("errors", { view: "KEYS_ONLY" });
  // A shard iterator the server did not issue is refused as invalid (ExpiredIteratorException is for one of its
  // own, 15 minutes after it was issued).
  for (const ShardIterator of ["garbage", `${LatestStreamArn}|1|AAAAAAAAAAAA`]) {
    await assert.rejects(streams.send(new GetRecordsCommand({ ShardIterator })), { name: "ValidationException" });
  }
  const missing = `arn:aws:dynamodb:${region}:000000000000:table/${uniqueName("missing")}/stream/2020-01-01T00:00:00.000`;
  await assert.rejects(streams.send(new DescribeStreamCommand({ StreamArn: missing })), { name: "ResourceNotFoundException" });
  await assert.rejects(iterator(missing, "shardId-00000001000000000000-00000000", "TRIM_HORIZON"), { name: "ResourceNotFoundException" });
  await assert.rejects(iterator(LatestStreamArn, "shardId-00000001000000000000-00000000", "TRIM_HORIZON"), { name: "ResourceNotFoundException" });
});
