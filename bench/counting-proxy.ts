import { once } from "node:events";
import { Worker } from "node:worker_threads";

/** DynamoDB operations the proxy tells apart (`X-Amz-Target: DynamoDB_20120810.<Operation>`). */
export const OPERATIONS = ["GetItem", "UpdateItem", "DeleteItem", "PutItem", "other"] as const;
export type Operation = (typeof OPERATIONS)[number];
export type OperationCounts = Record<Operation, number> & { total: number };

/**
 * Runs in its own thread so proxying costs the measured event loop nothing: an HTTP proxy on
 * loopback that forwards every request to DynamoDB Local and counts it by operation.
 */
const WORKER = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const counts = new Int32Array(workerData.counts);
const operations = workerData.operations;
const target = new URL(workerData.target);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const op = String(req.headers["x-amz-target"] || "").split(".").pop();
  const slot = operations.indexOf(op);
  Atomics.add(counts, slot < 0 ? operations.length - 1 : slot, 1);
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode || 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.destroy());
  req.pipe(upstream);
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", (message) => {
  if (message === "close") server.close(() => { agent.destroy(); parentPort.close(); });
});
`;

export interface CountingProxy {
  /** The endpoint to give DynamoDB clients instead of DynamoDB Local's own. */
  endpoint: string;
  counts(): OperationCounts;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const shared = new SharedArrayBuffer(OPERATIONS.length * Int32Array.BYTES_PER_ELEMENT);
  const counts = new Int32Array(shared);
  const worker = new Worker(WORKER, { eval: true, workerData: { target, counts: shared, operations: OPERATIONS } });
  const [port] = (await once(worker, "message")) as [number];
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts() {
      const result = { total: 0 } as OperationCounts;
      OPERATIONS.forEach((op, i) => {
        result[op] = Atomics.load(counts, i);
        result.total += result[op];
      });
      return result;
    },
    async close() {
      worker.postMessage("close");
      await once(worker, "exit");
    },
  };
}

export function difference(after: OperationCounts, before: OperationCounts): OperationCounts {
  const result = { total: after.total - before.total } as OperationCounts;
  for (const op of OPERATIONS) result[op] = after[op] - before[op];
  return result;
}
