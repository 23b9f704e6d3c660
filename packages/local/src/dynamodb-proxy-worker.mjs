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
/** Write faults: hold before or after applying, drop the connection after applying. */
/** @type {{ remaining: number, match: RegExp | undefined, mode: string, delayMs: number }[]} */
let faults = [];
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
  } else if (message.type === "fault") {
    faults.push({
      remaining: message.count,
      match: message.match && new RegExp(message.match.source, message.match.flags),
      mode: message.mode,
      delayMs: message.delayMs ?? 0,
    });
  } else if (message.type === "standing-throttle") {
    standingThrottle = message.on;
  } else if (message.type === "hang") {
    hang = message.on;
  } else if (message.type === "clear") {
    rules = [];
    faults = [];
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

function takeFault(described) {
  const fault = faults.find((f) => f.remaining > 0 && (!f.match || f.match.test(described)));
  if (fault) fault.remaining -= 1;
  return fault;
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
    const described = `${operation} ${body.toString("utf8")}`;
    if (shouldThrottle(described)) return answerThrottled(res);
    const fault = takeFault(described);
    const go = () => {
      const forward = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          if (fault?.mode === "drop-after") {
            // Applied upstream; the caller never hears it.
            answer.resume();
            answer.on("end", () => req.socket.destroy());
            return;
          }
          if (fault?.mode === "hold-after") {
            const chunks = [];
            answer.on("data", (chunk) => chunks.push(chunk));
            answer.on("end", () =>
              setTimeout(() => {
                if (res.destroyed) return;
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(Buffer.concat(chunks));
              }, fault.delayMs),
            );
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    };
    if (fault?.mode === "hold-before") setTimeout(() => (req.socket.destroyed ? undefined : go()), fault.delayMs);
    else go();
  });
});
server.keepAliveTimeout = 5000;

control.on("message", apply);
server.listen(port, "127.0.0.1", () => parentPort.postMessage(server.address().port));
