import { once } from "node:events";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";

/** DynamoDB operations the proxy tells apart (`X-Amz-Target: DynamoDB_20120810.<Operation>`). */
export const OPERATIONS = ["GetItem", "UpdateItem", "DeleteItem", "PutItem", "other"] as const;
export type Operation = (typeof OPERATIONS)[number];
export type OperationCounts = Record<Operation, number> & { total: number };

/**
 * `hold-before`: hold the request, then apply it (unless the caller gave up); `hold-after`: apply it, then
 * hold the answer; `drop-after`: apply it, then drop the connection without answering.
 */
export type WriteFaultMode = "hold-before" | "hold-after" | "drop-after";

type Control =
  | { type: "throttle"; count: number; match?: { source: string; flags: string } }
  | { type: "standing-throttle" | "hang"; on: boolean }
  | {
      type: "fault";
      count: number;
      mode: WriteFaultMode;
      delayMs?: number;
      match?: { source: string; flags: string };
    }
  | { type: "clear" | "close" };

/**
 * An HTTP proxy on loopback in front of DynamoDB (Local), for the tests and the bench. It counts
 * requests by operation (the bench's DynamoDB requests per flow) and can fail them the way DynamoDB
 * does: throttle (`ProvisionedThroughputExceededException`, which the handlers' real SDK client parses
 * and retries: "fail N times"), hang, stop listening so connections are refused, hold a chosen write
 * before or after applying it, or drop the connection after applying it.
 *
 * It runs in a worker thread, so proxying costs the event loop being measured or tested nothing. A
 * fault set here applies to the very next request: the worker reads pending settings before it
 * answers each one.
 */
export class DynamoDbProxy {
  readonly #counts = new SharedArrayBuffer((OPERATIONS.length + 1) * Int32Array.BYTES_PER_ELEMENT);
  #worker: Worker | undefined;
  #control: MessagePort | undefined;
  #port = 0;
  #standingThrottle = false;
  #hang = false;

  constructor(readonly upstream: string) {}

  /** Listens on `port` (a free one by default); after `stop`, on the same port again. */
  async start(port = 0): Promise<this> {
    const channel = new MessageChannel();
    const worker = new Worker(new URL("./dynamodb-proxy-worker.mjs", import.meta.url), {
      workerData: {
        upstream: this.upstream,
        port,
        counts: this.#counts,
        operations: OPERATIONS,
        control: channel.port2,
      },
      transferList: [channel.port2],
    });
    // Rejects with the worker's error when it cannot listen (the port is taken).
    const [listening] = (await once(worker, "message")) as [number];
    this.#worker = worker;
    this.#control = channel.port1;
    this.#port = listening;
    return this;
  }

  /** Stops listening, cutting open connections: the endpoint refuses connections until `start` again. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#send({ type: "close" });
    await once(worker, "exit");
    this.#control?.close();
    this.#worker = undefined;
    this.#control = undefined;
  }

  /** The endpoint to give DynamoDB clients instead of the upstream's own. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Requests received so far, by operation. */
  counts(): OperationCounts {
    const counts = new Int32Array(this.#counts);
    const result = { total: 0 } as OperationCounts;
    OPERATIONS.forEach((op, i) => {
      result[op] = Atomics.load(counts, i);
      result.total += result[op];
    });
    return result;
  }

  /** Throttling answers given so far. */
  get throttled(): number {
    return Atomics.load(new Int32Array(this.#counts), OPERATIONS.length);
  }

  /** Throttle the next `count` requests (those whose operation and body match, when given). */
  throttle(count: number, match?: RegExp) {
    this.#send({ type: "throttle", count, ...(match ? { match: { source: match.source, flags: match.flags } } : {}) });
  }

  /** Play `mode` on the next `count` requests (those whose operation and body match, when given). */
  fault(mode: WriteFaultMode, options: { count?: number; delayMs?: number; match?: RegExp } = {}) {
    const { count = 1, delayMs, match } = options;
    this.#send({
      type: "fault",
      mode,
      count,
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(match ? { match: { source: match.source, flags: match.flags } } : {}),
    });
  }

  /** Throttle every request until `clear`. */
  get standingThrottle(): boolean {
    return this.#standingThrottle;
  }
  set standingThrottle(on: boolean) {
    this.#standingThrottle = on;
    this.#send({ type: "standing-throttle", on });
  }

  /** Accept requests and never answer them, like an endpoint that hangs. */
  get hang(): boolean {
    return this.#hang;
  }
  set hang(on: boolean) {
    this.#hang = on;
    this.#send({ type: "hang", on });
  }

  /** No more faults; open connections (hung requests among them) are cut. */
  clear() {
    this.#standingThrottle = false;
    this.#hang = false;
    // A stopped proxy has nothing to clear: it starts again without faults.
    if (this.#control) this.#send({ type: "clear" });
  }

  #send(message: Control) {
    if (!this.#control) throw new Error("the DynamoDB proxy is not running");
    this.#control.postMessage(message);
  }
}

export function difference(after: OperationCounts, before: OperationCounts): OperationCounts {
  const result = { total: after.total - before.total } as OperationCounts;
  for (const op of OPERATIONS) result[op] = after[op] - before[op];
  return result;
}

/** The writes a simulated DynamoDB fault can aim at by name (SIMULATE_DYNAMODB_FAULTS `on=`; docs/local.md). */
export const DYNAMODB_FAULT_TARGETS = {
  /** A hand-over or hand-back claim. */
  claim: /UpdateItem.*#claimExpiresAt = :v/,
  /** A write that ends a claim: a settle, the Router's confirmation, a session end. */
  settle: /UpdateItem.*REMOVE #claimExpiresAt/,
  /** The history trim after a write that took the history past its limit. */
  trim: /UpdateItem.*REMOVE #history/,
  /** Any write. */
  write: /UpdateItem|DeleteItem|PutItem/,
  /** Any read. */
  read: /GetItem/,
} as const;
export const DYNAMODB_FAULT_KINDS = ["hold-before", "hold-after", "drop-after", "throttle"] as const;

export interface DynamoDbFault {
  kind: (typeof DYNAMODB_FAULT_KINDS)[number];
  count: number;
  delayMs?: number;
  on?: keyof typeof DYNAMODB_FAULT_TARGETS;
}

/**
 * Reads a setting such as `throttle:count=3:on=claim,hold-after:delay=2000:on=claim`: a comma list of
 * faults, each a kind with optional `count=` (default 1), `delay=` in ms (the holds) and `on=` (a target).
 */
export function parseDynamoDbFaults(setting: string): DynamoDbFault[] {
  return setting
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind, ...options] = part.split(":").map((piece) => piece.trim());
      if (!(DYNAMODB_FAULT_KINDS as readonly string[]).includes(kind!)) {
        throw new Error(`unknown DynamoDB fault "${kind}"; one of ${DYNAMODB_FAULT_KINDS.join(", ")}`);
      }
      const fault: DynamoDbFault = { kind: kind as DynamoDbFault["kind"], count: 1 };
      for (const option of options) {
        const [name, value = ""] = option.split("=");
        if (name === "count" || name === "delay") {
          if (!/^\d{1,7}$/.test(value)) throw new Error(`"${part}": ${name} must be a whole number`);
          if (name === "count") fault.count = Number(value);
          else fault.delayMs = Number(value);
        } else if (name === "on" && Object.hasOwn(DYNAMODB_FAULT_TARGETS, value)) {
          fault.on = value as DynamoDbFault["on"];
        } else {
          throw new Error(
            `"${part}": unknown option "${option}"; count=N, delay=MS or on=${Object.keys(DYNAMODB_FAULT_TARGETS).join("|")}`,
          );
        }
      }
      return fault;
    });
}

/** Sets each fault on the proxy: each plays on the next `count` requests it matches. */
export function applyDynamoDbFaults(proxy: DynamoDbProxy, faults: readonly DynamoDbFault[]) {
  for (const fault of faults) {
    const match = fault.on === undefined ? undefined : DYNAMODB_FAULT_TARGETS[fault.on];
    if (fault.kind === "throttle") proxy.throttle(fault.count, match);
    else
      proxy.fault(fault.kind, {
        count: fault.count,
        ...(fault.delayMs === undefined ? {} : { delayMs: fault.delayMs }),
        ...(match ? { match } : {}),
      });
  }
}
