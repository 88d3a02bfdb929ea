// Starts build/ddblocal --in-memory on a free port for a test file, unless DDB_ENDPOINT names a server.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const target = process.env.DDB_TARGET ?? "ddblocal";

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitReady(port, proc) {
  for (let i = 0; i < 500; i++) {
    if (proc.exitCode !== null) throw new Error(`ddblocal exited with ${proc.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("ddblocal did not start");
}

export async function startServer() {
  if (process.env.DDB_ENDPOINT) return { endpoint: process.env.DDB_ENDPOINT, stop: async () => {} };
  const port = await freePort();
  const proc = spawn(process.env.DDB_BINARY ?? path.join(root, "build/ddblocal"), ["--in-memory", "--port", String(port), "--log-level", "warn"],
    { stdio: "inherit" });
  await waitReady(port, proc);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // A server that exits other than cleanly (a sanitizer's report, a crash) fails the test file.
    stop: () => new Promise((resolve, reject) => {
      proc.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`ddblocal exited with ${code ?? signal}`))));
      proc.kill("SIGTERM");
    }),
  };
}

export function client(endpoint, { accessKeyId = "AKIDNODE", region = "us-east-1" } = {}) {
  return new DynamoDBClient({
    endpoint, region, maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: "secret" },
  });
}

// A DynamoDB Streams client for the same endpoint, configured like client().
export function streamsClient(endpoint, { accessKeyId = "AKIDNODE", region = "us-east-1" } = {}) {
  return new DynamoDBStreamsClient({
    endpoint, region, maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: "secret" },
  });
}

export const uniqueName = (prefix = "n") => `${prefix}_${Math.random().toString(36).slice(2, 12)}`;
