// The thread behind dynamodb-proxy.ts: an HTTP proxy on loopback in front of DynamoDB. Plain
// JavaScript because a worker thread runs without the TypeScript loader.
import { Agent, createServer, request } from "node:http";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";

/** @type {{ upstream: string, port: number, counts: SharedArrayBuffer, operations: string[], control: import("node:worker_threads").MessagePort }} */
const { upstream, port, counts: shared, operations, control } = workerData;
const counts = new Int32Array(shared);
/** The slot after the operations counts the throttled answers. */
const THROTTLED = operations.length;
const target = new URL(upstream);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** @type {{ remaining: number, match: RegExp | undefined }[]} */
let rules = [];
let standingThrottle = false;
let hang = false;
/** Connections of requests held unanswered; `clear` cuts them. */
const held = new Set();

function apply(message) {
  if (message.type === "throttle") {
    rules.push({
      remaining: message.count,
      match: message.match && new RegExp(message.match.source, message.match.flags),
    });
  } else if (message.type === "standing-throttle") {
    standingThrottle = message.on;
  } else if (message.type === "hang") {
    hang = message.on;
  } else if (message.type === "clear") {
    rules = [];
    standingThrottle = false;
    hang = false;
    for (const socket of held) socket.destroy();
    held.clear();
  } else if (message.type === "close") {
    server.closeAllConnections();
    server.close(() => {
      agent.destroy();
      control.close();
    });
  }
}

/** Applies every control message sent so far, so a fault set just before a request applies to it. */
function catchUp() {
  for (let next = receiveMessageOnPort(control); next; next = receiveMessageOnPort(control)) apply(next.message);
}

function shouldThrottle(described) {
  if (standingThrottle) return true;
  const rule = rules.find((r) => r.remaining > 0 && (!r.match || r.match.test(described)));
  if (!rule) return false;
  rule.remaining -= 1;
  return true;
}

/** DynamoDB's own throttling answer (awsJson 1.0), which the SDK parses and retries with its throttling backoff. */
function answerThrottled(res) {
  const n = Atomics.add(counts, THROTTLED, 1) + 1;
  res.writeHead(400, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": `throttle-${n}`,
    "x-amzn-errortype": "ProvisionedThroughputExceededException:",
  });
  res.end(
    JSON.stringify({
      __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message: "The level of configured provisioned throughput for the table was exceeded.",
    }),
  );
}

const server = createServer((req, res) => {
  const operation = String(req.headers["x-amz-target"] ?? "");
  const slot = operations.indexOf(operation.split(".").pop());
  Atomics.add(counts, slot < 0 ? operations.length - 1 : slot, 1);
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    catchUp();
    const body = Buffer.concat(chunks);
    if (hang) {
      held.add(req.socket);
      req.socket.once("close", () => held.delete(req.socket));
      return;
    }
    if (shouldThrottle(`${operation} ${body.toString("utf8")}`)) return answerThrottled(res);
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    forward.end(body);
  });
});
server.keepAliveTimeout = 5000;

control.on("message", apply);
server.listen(port, "127.0.0.1", () => parentPort.postMessage(server.address().port));
