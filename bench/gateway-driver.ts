import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { KEY, LOCAL_KEYS, TECHNICAL_LINK } from "@caic-handover/local/constants";
import type { Round } from "./flows";

/**
 * The load generator for (1), in its own thread: the conversations' callers (CAIC, the Router) are
 * not the handler, so their HTTP client must not share the event loop the gateway and handlers run
 * on. Plain `node:http` with a keep-alive agent, one connection per conversation in flight.
 *
 * Each conversation: event → availability (a referrer of its own, so the shared presence answer is
 * claimed, asked and stored as the floor does it; or one web shop's, `shop`) → e-mail → name →
 * handover → the Router's notification; every answer checked.
 */
const WORKER = `
const http = require("node:http");
const { randomUUID } = require("node:crypto");
const { parentPort, workerData } = require("node:worker_threads");
const { baseUrl, key, routerKey, technicalLink } = workerData;
const target = new URL(baseUrl);
let agent;

function call(step, method, path, body, expect) {
  return new Promise((resolve, reject) => {
    // The Router's routes take the Router's key, the dialog's the dialog's (route table).
    const headers = { "x-handover-key": path.startsWith("/router/") ? routerKey : key };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const req = http.request({ host: target.hostname, port: target.port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let answer;
        try { answer = JSON.parse(text); } catch { answer = text; }
        if (res.statusCode !== 200 || !expect(answer)) reject(new Error(step + ": " + res.statusCode + " " + text.slice(0, 200)));
        else resolve();
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function flow(n, shop) {
  const chatId = randomUUID();
  const json = (value) => JSON.stringify({ chatId, ...value });
  const query = new URLSearchParams({ chatId, referrer: shop ?? "https://shop.example/p/" + n });
  const notification = '{"chatId":"' + chatId + '","sessionId":"s-1","accountId":"' + technicalLink +
    '","channel":"CXWebConversations","conversationHostId":"h","conversationClientId":"c","context":}';
  const steps = {};
  const start = performance.now();
  const step = async (name, run) => {
    const t0 = performance.now();
    await run();
    steps[name] = performance.now() - t0;
  };
  await step("event", () => call("event", "POST", "/caic/events", json({}), (a) => a.status === "started"));
  await step("availability", () => call("availability", "GET", "/availability?" + query, undefined, (a) => a.agentStatus === "online"));
  await step("email", () => call("email", "POST", "/intake/email", json({ value: "jane.doe@example.com" }), (a) => a.valid === true));
  await step("name", () => call("name", "POST", "/intake/name", json({ value: "Jane Doe" }), (a) => a.complete === true));
  await step("handover", () => call("handover", "POST", "/handover", json({}), (a) => a.handover === "requested"));
  await step("notification", () => call("notification", "POST", "/router/handover", notification, (a) => a.ok === true));
  return { ms: performance.now() - start, steps };
}

parentPort.on("message", async (message) => {
  if (message === "close") {
    agent?.destroy();
    return parentPort.close();
  }
  const { concurrency, durationMs, maxFlows, first, shop } = message;
  if (!agent || agent.maxSockets !== concurrency) {
    agent?.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  }
  const flows = [];
  const errors = [];
  let next = first;
  const last = first + (maxFlows ?? Infinity);
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline && next < last) {
      const n = next++;
      try { flows.push(await flow(n, shop)); } catch (error) { errors.push(error.message); }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  parentPort.postMessage({ flows, errors, elapsedMs: performance.now() - start });
});
`;

export interface RoundOptions {
  concurrency: number;
  durationMs: number;
  maxFlows?: number;
  first: number;
  /** One referrer for every conversation (a web shop's), instead of one each. */
  shop?: string;
}

export interface GatewayDriver {
  round(options: RoundOptions): Promise<Round>;
  close(): Promise<void>;
}

export function startGatewayDriver(baseUrl: string): GatewayDriver {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { baseUrl, key: KEY, routerKey: LOCAL_KEYS.ROUTER_WEBHOOK_KEY, technicalLink: TECHNICAL_LINK },
  });
  return {
    async round(options) {
      const cpu = process.cpuUsage();
      worker.postMessage(options);
      const [result] = (await once(worker, "message")) as [Omit<Round, "cpuMs">];
      const used = process.cpuUsage(cpu);
      return { ...result, cpuMs: (used.user + used.system) / 1000 };
    },
    async close() {
      worker.postMessage("close");
      await once(worker, "exit");
    },
  };
}
