import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { SECRET_NAMES, type SecretName } from "@caic-handover/core/config/config";
import { boundSecrets, type FunctionName, ROUTES, routeKey } from "@caic-handover/functions/routes";
import { toApiEvent } from "@caic-handover/local/api-event";
import { localKeyFor } from "@caic-handover/local/constants";
import { lambdaEnv } from "./env";
import { median, round } from "./stats";

const run = promisify(execFile);

/** Where deployed functions find their bound secrets: SST's SSM paths for this app and stage. */
const SST_APP = "caic-handover";
const SST_STAGE = "bench";

/**
 * A stand-in for SSM's `GetParameters` on loopback: each cold process fetches its bound secrets from
 * it as a deployed function does from SSM (`packages/functions/src/secrets.ts`), one signed call.
 */
export async function startFakeSsm(values: Record<string, string>) {
  let calls = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    calls += 1;
    const signed = /^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? "");
    const target = req.headers["x-amz-target"];
    if (!signed || target !== "AmazonSSM.GetParameters") {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end('{"__type":"ValidationException"}');
      return;
    }
    const { Names } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Names: string[] };
    const Parameters = Names.flatMap((Name) => {
      const secret = /\/Secret\/([A-Z_]+)\/value$/.exec(Name)?.[1];
      return Name.includes(`/${SST_STAGE}/`) && secret && values[secret] !== undefined
        ? [{ Name, Value: values[secret], Type: "SecureString" }]
        : [];
    });
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ Parameters }));
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    get calls() {
      return calls;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** A deployed function's environment for its bound secrets: placeholders SST resolves from SSM at cold start. */
export function boundSecretsEnv(
  base: Record<string, string>,
  secrets: readonly SecretName[],
  ssmEndpoint: string,
): Record<string, string> {
  const env: Record<string, string> = { ...base, SST_APP, SST_STAGE, AWS_ENDPOINT_URL_SSM: ssmEndpoint };
  for (const name of SECRET_NAMES) delete env[name];
  for (const name of secrets) env[`SST_Secret_value_${name}`] = "__FETCH_FROM_SSM__";
  return env;
}

const processEnv = (env: Record<string, string>) => {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  delete merged.NODE_OPTIONS;
  for (const name of SECRET_NAMES) if (!(name in env)) delete merged[name];
  return merged;
};

/** The payload 2.0 event API Gateway would hand the function for this request. */
export function apiEvent(method: "GET" | "POST", path: string, options: { query?: object; body?: object } = {}) {
  const route = ROUTES.find((r) => r.method === method && r.path === path)!;
  const query = options.query ? `?${new URLSearchParams(options.query as Record<string, string>)}` : "";
  return toApiEvent(
    {
      method,
      url: `${path}${query}`,
      headers: {
        "x-handover-key": localKeyFor(route),
        ...(options.body ? { "content-type": "application/json" } : {}),
      },
      ...(options.body ? { body: JSON.stringify(options.body) } : {}),
    },
    { routeKey: routeKey(route) },
  );
}

/** One instance: imports the bundle (a cold start), then runs every event it is sent, answering over IPC. */
const INSTANCE = `
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
process.on("message", async (event) => {
  try {
    const result = await handler(event);
    process.send({ statusCode: result.statusCode, body: result.body });
  } catch (error) {
    process.send({ statusCode: 0, body: String(error) });
  }
});
process.on("disconnect", () => process.exit(0));
process.send("ready");
`;

interface InstanceAnswer {
  statusCode: number;
  body: string;
}

export interface FleetResult {
  instances: number;
  requests: number;
  presenceCalls: number;
  refused: number;
  /** Visitors told `offline` while every presence answer was `Online`. */
  toldOffline: number;
  reasons: Record<string, number>;
  dynamodbRequests: number;
  burstMs: number[];
}

/**
 * The availability function scaled out cold: `instances` separate processes of its bundle as built
 * for deploy, each imported fresh; one burst of one request each, the same again 1 s after the first
 * began. The caller counts presence calls at the simulated CM (rate limits on) for the referrer.
 */
export async function measureFleet(options: {
  bundle: string;
  env: Record<string, string>;
  instances: number;
  referrer: string;
  presenceCalls: () => { status: number }[];
  dynamodbRequests: () => number;
}): Promise<FleetResult> {
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < options.instances; i++) {
      const child = spawn(process.execPath, ["--input-type=module", "-e", INSTANCE], {
        env: processEnv({ ...options.env, BENCH_BUNDLE_URL: pathToFileURL(options.bundle).href }),
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      children.push(child);
    }
    await Promise.all(children.map((child) => once(child, "message")));
    const ask = (child: ChildProcess) => {
      const event = apiEvent("GET", "/availability", { query: { chatId: randomUUID(), referrer: options.referrer } });
      const answered = once(child, "message") as Promise<[InstanceAnswer]>;
      child.send(event);
      return answered.then(([answer]) => answer);
    };
    const dynamodbBefore = options.dynamodbRequests();
    const answers: InstanceAnswer[] = [];
    const burstMs: number[] = [];
    const firstBurst = performance.now();
    for (const startAt of [firstBurst, firstBurst + 1000]) {
      const wait = startAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const began = performance.now();
      answers.push(...(await Promise.all(children.map(ask))));
      burstMs.push(performance.now() - began);
    }
    const calls = options.presenceCalls();
    const reasons: Record<string, number> = {};
    let toldOffline = 0;
    for (const answer of answers) {
      let parsed: { agentStatus?: string; reason?: string } = {};
      try {
        parsed = JSON.parse(answer.body);
      } catch {}
      const reason = answer.statusCode === 200 ? (parsed.reason ?? "?") : `HTTP ${answer.statusCode}`;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
      if (parsed.agentStatus !== "online") toldOffline += 1;
    }
    return {
      instances: options.instances,
      requests: answers.length,
      presenceCalls: calls.length,
      refused: calls.filter((call) => call.status === 429).length,
      toldOffline,
      reasons,
      dynamodbRequests: options.dynamodbRequests() - dynamodbBefore,
      burstMs,
    };
  } finally {
    for (const child of children) child.kill();
  }
}

/** One fresh process: import the bundle, run one event, print the times and the answer. */
const COLD_CALL = `
const c0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
const t1 = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT));
const t2 = performance.now();
const c = process.cpuUsage(c0);
const cpuMs = (c.user + c.system) / 1000;
process.stdout.write("\\n" + JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, cpuMs, statusCode: result.statusCode, body: result.body }));
process.exit(0);
`;

/** The five API Callouts of one handover dialog, the function each reaches, and the answer the dialog needs. */
export const DIALOG: {
  fn: FunctionName;
  request: (chatId: string, referrer: string) => unknown;
  ok: (a: any) => boolean;
}[] = [
  {
    fn: "caic-event",
    request: (chatId) => apiEvent("POST", "/caic/events", { body: { chatId } }),
    ok: (a) => a.status === "started",
  },
  {
    fn: "availability",
    request: (chatId, referrer) => apiEvent("GET", "/availability", { query: { chatId, referrer } }),
    ok: (a) => a.agentStatus === "online",
  },
  {
    fn: "intake-email",
    request: (chatId) => apiEvent("POST", "/intake/email", { body: { chatId, value: "jane.doe@example.com" } }),
    ok: (a) => a.valid === true,
  },
  {
    fn: "intake-name",
    request: (chatId) => apiEvent("POST", "/intake/name", { body: { chatId, value: "Jane Doe" } }),
    ok: (a) => a.complete === true,
  },
  {
    fn: "handover",
    request: (chatId) => apiEvent("POST", "/handover", { body: { chatId } }),
    ok: (a) => a.handover === "requested",
  },
];

export interface ChainSample {
  /** Import + first invocation, summed over the five calls (measured inside each process). */
  ms: number;
  /** The same, as CPU time (user + system): what waiting for a busy shared CPU does not inflate. */
  cpuMs: number;
  /** Spawn to exit, summed over the five processes (the Node runtime's own start included). */
  processMs: number;
  perCall: { fn: FunctionName; importMs: number; invokeMs: number }[];
}

/** One dialog, each call in a fresh process of `bundleFor(fn)`; throws if any answer is not the one the dialog needs. */
async function runChain(
  node: string,
  bundleFor: (fn: FunctionName) => { file: string; env?: Record<string, string> },
  env: Record<string, string>,
  ssmEndpoint: string,
): Promise<ChainSample> {
  const chatId = randomUUID();
  const referrer = `https://shop.example/cold/${chatId}`;
  const sample: ChainSample = { ms: 0, cpuMs: 0, processMs: 0, perCall: [] };
  for (const step of DIALOG) {
    const bundle = bundleFor(step.fn);
    const started = performance.now();
    // As Lambda starts it: only the runtime's variables and the template's (bench/env.ts#lambdaEnv).
    const { stdout } = await run(node, ["--input-type=module", "-e", COLD_CALL], {
      env: lambdaEnv(step.fn, {
        ...boundSecretsEnv(env, boundSecrets(step.fn), ssmEndpoint),
        ...bundle.env,
        BENCH_BUNDLE_URL: pathToFileURL(bundle.file).href,
        BENCH_EVENT: JSON.stringify(step.request(chatId, referrer)),
      }),
      timeout: 30_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    sample.processMs += performance.now() - started;
    const result = JSON.parse(stdout.trim().split("\n").pop() ?? "null") as {
      importMs: number;
      invokeMs: number;
      cpuMs: number;
      statusCode: number;
      body: string;
    } | null;
    if (result?.statusCode !== 200 || !step.ok(JSON.parse(result.body))) {
      throw new Error(`cold chain: ${step.fn} answered ${JSON.stringify(result)}`);
    }
    sample.ms += result.importMs + result.invokeMs;
    sample.cpuMs += result.cpuMs;
    sample.perCall.push({ fn: step.fn, importMs: result.importMs, invokeMs: result.invokeMs });
  }
  return sample;
}

export interface ColdChainResult {
  samples: number;
  product: ChainSample[];
  floor: ChainSample[];
  /** Median of the product's sums ÷ median of the floor's. */
  ratio: number;
  productMs: number;
  floorMs: number;
}

/**
 * The first conversation after idle: the dialog's five calls, each to a fresh (cold) process of its
 * own function as built for deploy — module import, secrets from (fake) SSM, first DynamoDB
 * connection, the call — against the same chain of floor-bundle processes making the same calls.
 * Chains alternate which goes first; one untimed pair first warms the page cache.
 */
export async function measureColdChain(options: {
  bundles: Map<FunctionName, string>;
  floorBundle: string;
  env: Record<string, string>;
  ssmEndpoint: string;
  samples: number;
  /** The `node` the processes run on: Lambda's Node 22 (test/support/lambda-node.ts). */
  node: string;
}): Promise<ColdChainResult> {
  const product = () =>
    runChain(options.node, (fn) => ({ file: options.bundles.get(fn)! }), options.env, options.ssmEndpoint);
  const floor = () =>
    runChain(
      options.node,
      (fn) => ({ file: options.floorBundle, env: { BENCH_FLOOR_FUNCTION: fn } }),
      options.env,
      options.ssmEndpoint,
    );
  const result = { product: [] as ChainSample[], floor: [] as ChainSample[] };
  // With a single sample (--smoke) there is nothing to compare run to run: no warming pass.
  for (let round = options.samples > 1 ? -1 : 0; round < options.samples; round++) {
    const order = round % 2 === 0 ? (["product", "floor"] as const) : (["floor", "product"] as const);
    for (const path of order) {
      const sample = await (path === "product" ? product() : floor());
      if (round >= 0) result[path].push(sample);
    }
  }
  const productMs = median(result.product.map((s) => s.ms));
  const floorMs = median(result.floor.map((s) => s.ms));
  return { samples: options.samples, ...result, ratio: productMs / floorMs, productMs, floorMs };
}

/** What the report keeps of the cold chain: medians per call and of the sums. */
export function summariseChain(result: ColdChainResult) {
  const per = (samples: ChainSample[], fn: FunctionName) => {
    const calls = samples.map((s) => s.perCall.find((c) => c.fn === fn)!);
    return {
      importMs: round(median(calls.map((c) => c.importMs))),
      invokeMs: round(median(calls.map((c) => c.invokeMs))),
    };
  };
  return {
    samples: result.samples,
    ratio: round(result.ratio, 3),
    productMs: round(result.productMs),
    floorMs: round(result.floorMs),
    cpuMs: {
      product: round(median(result.product.map((s) => s.cpuMs))),
      floor: round(median(result.floor.map((s) => s.cpuMs))),
    },
    processMs: {
      product: round(median(result.product.map((s) => s.processMs))),
      floor: round(median(result.floor.map((s) => s.processMs))),
    },
    perCall: DIALOG.map(({ fn }) => ({ fn, product: per(result.product, fn), floor: per(result.floor, fn) })),
  };
}

export type ColdChainSummary = ReturnType<typeof summariseChain>;
