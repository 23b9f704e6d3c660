import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DynamoDbPresenceStore } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import type { Handler } from "@caic-handover/functions/http/route";
import { FUNCTIONS, type FunctionName } from "@caic-handover/functions/routes";
import { createRuntime } from "@caic-handover/functions/runtime";
import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { PRESENCE_KEY, PRODUCT_TOKEN, TARGETS, TECHNICAL_LINK } from "@caic-handover/local/constants";
import { loadHandlers } from "@caic-handover/local/dispatch";
import { createChatTable, LOCAL_AWS_ENV, startDynamoDbLocal } from "@caic-handover/local/dynamodb-local";
import { DynamoDbProxy, difference } from "@caic-handover/local/dynamodb-proxy";
import { startGateway } from "@caic-handover/local/gateway";
import { LOCAL_DEFAULTS } from "@caic-handover/local/local-defaults";
import { onStopRequest, STOP_EXIT_CODE } from "@caic-handover/local/stop-request";
import { lambdaNode } from "../test/support/lambda-node";
import { buildBundles, bundleDir, importRunner, measureColdImports, summarisePairs } from "./bundles";
import { DIALOG, measureColdChain, measureFleet, startFakeSsm, summariseChain } from "./cold-starts";
import { handlerEnv, lambdaEnv } from "./env";
import { floorFlow, type Round, runRound, STEPS, type Step } from "./flows";
import { type RoundOptions, startGatewayDriver } from "./gateway-driver";
import { redactionGrowth } from "./redaction";
import {
  type BundleResult,
  type Figure,
  kb,
  type LevelResult,
  type PathSummary,
  type Results,
  toMarkdown,
} from "./report";
import { median, quantile, round } from "./stats";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** How long each part runs: the default about 5 minutes (half of it the cold-import pairs), `--quick` shorter, `--smoke` a few seconds. */
const MODES = {
  default: {
    levels: [1, 16],
    warmMs: 4000,
    rounds: 5,
    roundMs: 3500,
    countedFlows: 10,
    fleet: 12,
    coldChains: 7,
    coldSamples: 41,
  },
  quick: {
    levels: [1, 16],
    warmMs: 1500,
    rounds: 3,
    roundMs: 1500,
    countedFlows: 5,
    fleet: 12,
    coldChains: 3,
    coldSamples: 11,
  },
  smoke: {
    levels: [1, 4],
    warmMs: 200,
    rounds: 1,
    roundMs: 300,
    countedFlows: 2,
    fleet: 12,
    coldChains: 1,
    coldSamples: 1,
  },
} as const;
type Mode = keyof typeof MODES;
/** Concurrent availability requests of the presence fan-in, in every mode. */
const FAN_IN = TARGETS.presenceFanIn.requests;

const began = performance.now();
const progress = (message: string) =>
  process.stderr.write(`bench [${((performance.now() - began) / 1000).toFixed(1)} s]: ${message}\n`);

/** Handler logs and EMF metrics go to stdout; during measurement they are counted and dropped, so stdout keeps the report. */
function discardStdout() {
  const write = process.stdout.write;
  const counter = { bytes: 0 };
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    counter.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    written: () => counter.bytes,
    restore: () => {
      process.stdout.write = write;
    },
  };
}

function summarise(rounds: Round[]): PathSummary {
  const flows = rounds.flatMap((r) => r.flows);
  const steps = Object.fromEntries(
    STEPS.map((step) => {
      const samples = flows.map((f) => f.steps[step]);
      return [step, { p50: round(quantile(samples, 0.5), 3), p99: round(quantile(samples, 0.99), 3) }];
    }),
  ) as Record<Step, { p50: number; p99: number }>;
  return {
    flowsPerSecond: rounds.map((r) => round((r.flows.length * 1000) / r.elapsedMs, 1)),
    flowMsP50: rounds.map((r) => round(median(r.flows.map((f) => f.ms)), 3)),
    cpuMsPerFlow: rounds.map((r) => round(r.cpuMs / Math.max(1, r.flows.length), 2)),
    steps,
    flows: flows.length,
    errors: [...new Set(rounds.flatMap((r) => r.errors))].slice(0, 10),
  };
}

const USAGE = `npm run bench -- [options]
  (no option)                 the full run, about 5 minutes; JSON to bench/results/latest.json
  --quick                     a shorter run: fewer rounds, 11 cold-import pairs
  --smoke                     a few seconds of everything, as npm test runs it
  --out <file>                write the JSON there instead of bench/results/latest.json
  --dynamodb-endpoint <url>   use this running DynamoDB Local instead of starting one
  --help                      this text`;

/** The command line, checked before anything starts: an unknown option never starts a run or overwrites results. */
function parseOptions(args: string[]) {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        quick: { type: "boolean" },
        smoke: { type: "boolean" },
        out: { type: "string" },
        "dynamodb-endpoint": { type: "string" },
        help: { type: "boolean" },
      },
    });
    if (values.quick && values.smoke) throw new Error("--quick and --smoke exclude each other");
    return values;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}
const OPTIONS = parseOptions(process.argv.slice(2));
if (OPTIONS.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

/** `--name=value` or `--name value`. */
const option = (name: "out" | "dynamodb-endpoint"): string | undefined => OPTIONS[name];

async function main() {
  const mode: Mode = process.argv.includes("--smoke")
    ? "smoke"
    : process.argv.includes("--quick")
      ? "quick"
      : "default";
  /** Where the JSON goes; the smoke test writes elsewhere so it never replaces a real run's figures. */
  const out = resolve(option("out") ?? join(ROOT, "bench/results/latest.json"));
  /** An already running DynamoDB Local (the tests' own) instead of starting one; a fresh table is made in it. */
  const existingDynamoDb = option("dynamodb-endpoint");
  const settings = MODES[mode];
  const started = performance.now();
  const startedAt = new Date().toISOString();
  progress(`${mode} mode: ${JSON.stringify(settings)}`);
  Object.assign(process.env, LOCAL_AWS_ENV);

  const cleanup: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop().catch(() => undefined);
  };
  onStopRequest((reason) => void stopAll().then(() => process.exit(STOP_EXIT_CODE[reason])));

  let stdout: ReturnType<typeof discardStdout> | undefined;
  try {
    progress("starting DynamoDB Local and the simulated CM");
    // DynamoDB Local, reached by every client through the counting proxy; the simulated CM.
    const ddb = existingDynamoDb ? { endpoint: existingDynamoDb } : await startDynamoDbLocal();
    if ("stop" in ddb) cleanup.push(() => ddb.stop());
    const tableName = `bench-${randomUUID().slice(0, 8)}`;
    await createChatTable(ddb.endpoint, tableName);
    const proxy = await new DynamoDbProxy(ddb.endpoint).start();
    cleanup.push(() => proxy.stop());
    const cm = await new CmSimulator({
      presenceApiKey: PRESENCE_KEY,
      productToken: PRODUCT_TOKEN,
      technicalLinkId: TECHNICAL_LINK,
    }).start();
    cleanup.push(() => cm.stop());
    const env = handlerEnv({
      dynamodbEndpoint: proxy.endpoint,
      tableName,
      presenceUrl: cm.presenceUrl,
      routingUrl: cm.routingUrl,
      webConversationsUrl: cm.webConversationsUrl,
    });
    Object.assign(process.env, env);

    // (1) every handler imported once (one warm process), behind the local gateway.
    const handlers = await loadHandlers();
    const gateway = await startGateway({ handlers });
    cleanup.push(() => gateway.close());
    const driver = startGatewayDriver(gateway.url);
    cleanup.push(() => driver.close());
    // (3) the same gateway in front of floor handlers that make only the same I/O (bench/floor-handler.ts).
    const { handler: floorHandler } = (await import("./floor-handler")) as { handler: Handler };
    const floorHandlers = new Map((Object.keys(FUNCTIONS) as FunctionName[]).map((fn) => [fn, floorHandler]));
    const floorGateway = await startGateway({ handlers: floorHandlers });
    cleanup.push(() => floorGateway.close());
    const floorDriver = startGatewayDriver(floorGateway.url);
    cleanup.push(() => floorDriver.close());
    // (2) the product's own DynamoDB adapters, built by the handlers' own runtime factory (same client settings).
    const runtime = await createRuntime("handover");
    const targets = {
      store: runtime.store,
      presence: new DynamoDbPresenceStore({ client: runtime.dynamodb, tableName }),
      presenceUrl: cm.presenceUrl,
      routingUrl: cm.routingUrl,
      webConversationsUrl: cm.webConversationsUrl,
    };
    const floorConversation = floorFlow(targets);
    type Path = (options: RoundOptions) => Promise<Round>;
    const full: Path = (options) => driver.round(options);
    const floor: Path = (options) => runRound(floorConversation, options);
    const floorViaGateway: Path = (options) => floorDriver.round(options);

    stdout = discardStdout();
    let n = 0;
    const roundOf = async (path: Path, concurrency: number, durationMs: number, maxFlows?: number) => {
      const result = await path({ concurrency, durationMs, first: n, ...(maxFlows ? { maxFlows } : {}) });
      n += result.flows.length + result.errors.length + concurrency;
      return result;
    };

    progress("warming up (JIT, connection pools, DynamoDB Local's JVM)");
    const widest = Math.max(...settings.levels);
    for (const path of [full, floor, floorViaGateway, full, floor, floorViaGateway]) {
      await roundOf(path, widest, settings.warmMs / 3);
    }

    // 3. DynamoDB requests per complete flow of one warm process serving one web shop, counted at the
    //    proxy, one flow at a time. Before each, an uncounted availability call keeps the shop's
    //    presence answer in the process (as steady traffic does), so the flow costs what a warm one does.
    const shop = `https://shop.example/${randomUUID()}`;
    const shopFloor = floorFlow(targets, { shop });
    const primeShop = async () => {
      const response = await fetch(`${gateway.url}/availability?${new URLSearchParams({ referrer: shop })}`, {
        headers: { "x-handover-key": env.HANDOVER_WEBHOOK_KEY! },
      });
      if (!(await response.text()).includes('"reason":"presence"')) throw new Error("priming the shop's answer failed");
    };
    const countOne = async (path: Path) => {
      if (path === full) await primeShop();
      const before = proxy.counts();
      const result = await path({
        concurrency: 1,
        durationMs: Number.POSITIVE_INFINITY,
        maxFlows: 1,
        first: n++,
        shop,
      });
      if (result.errors.length > 0) throw new Error(`counted flow failed: ${result.errors[0]}`);
      return difference(proxy.counts(), before);
    };
    const counted = [];
    const floorCounted = [];
    for (let i = 0; i < settings.countedFlows; i++) {
      counted.push(await countOne(full));
      floorCounted.push(await countOne((options) => runRound(shopFloor, options)));
    }
    const byOperation = counted.reduce(
      (sum, c) => {
        for (const key of Object.keys(c) as (keyof typeof c)[]) sum[key] = (sum[key] ?? 0) + c[key];
        return sum;
      },
      {} as (typeof counted)[number],
    );
    for (const key of Object.keys(byOperation) as (keyof typeof byOperation)[]) {
      byOperation[key] = round(byOperation[key] / counted.length, 2);
    }

    // 1 and 2, interleaved: rounds rotate which path goes first, so drift hits all three.
    const levels: LevelResult[] = [];
    const logs = { bytes: 0, flows: 0 };
    const paths = { full, floor, floorGateway: floorViaGateway } as const;
    type PathName = keyof typeof paths;
    const pathNames = Object.keys(paths) as PathName[];
    for (const concurrency of settings.levels) {
      const rounds: Record<PathName, Round[]> = { full: [], floor: [], floorGateway: [] };
      const requests: Record<PathName, number> = { full: 0, floor: 0, floorGateway: 0 };
      for (let r = 0; r < settings.rounds; r++) {
        progress(`concurrency ${concurrency}: round ${r + 1} of ${settings.rounds}`);
        const order = pathNames.map((_, i) => pathNames[(i + r) % pathNames.length]!);
        for (const path of order) {
          const before = proxy.counts();
          const logged = stdout.written();
          const result = await roundOf(paths[path], concurrency, settings.roundMs);
          rounds[path].push(result);
          requests[path] += difference(proxy.counts(), before).total;
          if (path === "full") {
            logs.bytes += stdout.written() - logged;
            logs.flows += result.flows.length;
          }
        }
      }
      const summary = {
        full: summarise(rounds.full),
        floor: summarise(rounds.floor),
        floorGateway: summarise(rounds.floorGateway),
      };
      const p50 = (path: PathName) => median(summary[path].flowMsP50);
      const perSecond = (path: PathName) => median(summary[path].flowsPerSecond);
      const perFlow = (path: PathName) =>
        round(requests[path] / (summary[path].flows + summary[path].errors.length), 3);
      levels.push({
        concurrency,
        rounds: settings.rounds,
        ...summary,
        overhead: round(p50("full") / p50("floorGateway"), 3),
        throughputRatio: round(perSecond("floorGateway") / perSecond("full"), 3),
        overheadVsDirect: round(p50("full") / p50("floor"), 3),
        throughputRatioVsDirect: round(perSecond("floor") / perSecond("full"), 3),
        dynamodbPerFlow: { full: perFlow("full"), floor: perFlow("floor"), floorGateway: perFlow("floorGateway") },
      });
    }

    // 4. Presence fan-in: 100 concurrent availability requests for one (channel, referrer) nobody asked before.
    progress(`presence fan-in: ${FAN_IN} concurrent availability requests`);
    const referrer = `https://shop.example/fan-in/${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: FAN_IN }, async () => {
        const query = new URLSearchParams({ chatId: randomUUID(), referrer });
        const response = await fetch(`${gateway.url}/availability?${query}`, {
          headers: { "x-handover-key": env.HANDOVER_WEBHOOK_KEY! },
        });
        return `${response.status} ${await response.text()}`;
      }),
    );
    const online = answers.filter((a) => a.startsWith("200") && a.includes('"agentStatus":"online"')).length;
    const presenceCalls = cm.presence.calls.filter((call) => call.referrer === referrer).length;

    stdout.restore();
    stdout = undefined;

    // 5. Bundles as SST v2 builds them (and the floor, built the same way).
    progress("building bundles");
    const names = Object.keys(FUNCTIONS) as FunctionName[];
    const built = await buildBundles(
      [
        { name: "baseline-documentclient", entry: join(ROOT, "bench/baseline-handler.ts") },
        ...names.map((name) => ({ name, entry: join(ROOT, `packages/functions/src/${name}.ts`) })),
        { name: "floor", entry: join(ROOT, "bench/floor-handler.ts") },
      ],
      bundleDir(ROOT),
    );
    const floorBundle = built.find((b) => b.name === "floor")!;
    const functionFiles = new Map(
      built.filter((b) => b.name in FUNCTIONS).map((b) => [b.name as FunctionName, b.file]),
    );

    // 6. The availability function scaled out cold, CM limiting presence to its documented rates.
    progress(`fleet: ${settings.fleet} cold availability instances, two bursts 1 s apart, CM rate limits on`);
    const fleetReferrer = `https://shop.example/fleet/${randomUUID()}`;
    cm.presence.rateLimited = true;
    cm.presence.limiter.reset();
    const fleet = await measureFleet({
      bundle: functionFiles.get("availability")!,
      env,
      instances: settings.fleet,
      referrer: fleetReferrer,
      presenceCalls: () => cm.presence.calls.filter((call) => call.referrer === fleetReferrer),
      dynamodbRequests: () => proxy.counts().total,
    });
    cm.presence.rateLimited = false;

    // 7. The first conversation after idle: five cold processes, each of its own function, vs the floor's.
    progress(`cold chain: ${settings.coldChains} dialogs of five cold processes each, product and floor alternating`);
    const ssm = await startFakeSsm({
      HANDOVER_WEBHOOK_KEY: LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY,
      ROUTER_WEBHOOK_KEY: LOCAL_DEFAULTS.ROUTER_WEBHOOK_KEY,
      OPERATOR_KEY: LOCAL_DEFAULTS.OPERATOR_KEY,
      PRESENCE_WEBHOOK_KEY: LOCAL_DEFAULTS.PRESENCE_WEBHOOK_KEY,
      CM_PRODUCT_TOKEN: LOCAL_DEFAULTS.CM_PRODUCT_TOKEN,
      MSC_PRESENCE_API_KEY: LOCAL_DEFAULTS.MSC_PRESENCE_API_KEY,
    });
    cleanup.push(() => ssm.close());
    // Every timed process from here on runs on Lambda's Node 22.
    const lambda = lambdaNode();
    if (lambda.fallback)
      progress(`cold chain and cold import on Node ${process.versions.node}, not Lambda's Node 22: ${lambda.fallback}`);
    const coldChain = await measureColdChain({
      node: lambda.path,
      bundles: functionFiles,
      floorBundle: floorBundle.file,
      env,
      ssmEndpoint: ssm.endpoint,
      samples: settings.coldChains,
    });
    await stopAll();

    // 8. Cold import in fresh processes against a DocumentClient-only bundle, in pairs on one pinned CPU, on Node 22.
    const runner = await importRunner(lambda.path, lambda.version);
    const baselineBuilt = built.find((b) => b.name === "baseline-documentclient")!;
    const functionBuilt = built.filter((b) => b !== floorBundle && b !== baselineBuilt);
    progress(
      `cold import: ${settings.coldSamples} baseline/function pairs per function on Node ${runner.nodeVersion}, ` +
        `${runner.cpu === undefined ? "not pinned (no taskset)" : `pinned to CPU ${runner.cpu}`}, niceness ${runner.nice}`,
    );
    const loadBefore = loadavg()[0]!;
    const cold = await measureColdImports(
      baselineBuilt,
      functionBuilt,
      settings.coldSamples,
      (name) =>
        lambdaEnv(
          name,
          handlerEnv({
            dynamodbEndpoint: "http://127.0.0.1:1",
            tableName: "cold-import",
            presenceUrl: "http://127.0.0.1:1/presence",
            routingUrl: "http://127.0.0.1:1/routing",
            webConversationsUrl: "http://127.0.0.1:1/wc",
          }),
        ),
      runner,
    );
    const coldImportMethod = {
      node: runner.nodeVersion,
      cpu: runner.cpu ?? null,
      nice: runner.nice,
      pairs: settings.coldSamples,
      load: [round(loadBefore, 2), round(loadavg()[0]!, 2)],
    };
    const baselineTimes = [...cold.values()].flatMap((pairs) => pairs.baseline);
    const spread = (values: number[]) => [round(quantile(values, 0.25), 1), round(quantile(values, 0.75), 1)];
    const baselineBundle: BundleResult = {
      name: baselineBuilt.name,
      bytes: baselineBuilt.bytes,
      gzipBytes: baselineBuilt.gzipBytes,
      coldImportMs: round(median(baselineTimes.map((t) => t.wall)), 1),
      coldImportCpuMs: round(median(baselineTimes.map((t) => t.cpu)), 1),
      coldImportCpuSpreadMs: spread(baselineTimes.map((t) => t.cpu)),
      coldImportSamples: baselineTimes.length,
      ratio: 1,
      ratioSpread: [1, 1],
      wallRatio: 1,
      largest: baselineBuilt.largest,
    };
    const functionBundles = functionBuilt.map((b): BundleResult => {
      const summary = summarisePairs(cold.get(b.name)!);
      return {
        name: b.name,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        coldImportMs: summary.wallMs,
        coldImportCpuMs: summary.cpuMs,
        coldImportCpuSpreadMs: [summary.cpuP25Ms, summary.cpuP75Ms],
        coldImportSamples: summary.pairs,
        ratio: summary.ratio,
        ratioSpread: [summary.ratioP25, summary.ratioP75],
        wallRatio: summary.wallRatio,
        largest: b.largest,
      };
    });

    // The figures of SPEC §6.
    const perFlow = counted.map((c) => c.total);
    const largestBundle = functionBundles.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const slowestImport = functionBundles.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const concurrent = levels[levels.length - 1]!;
    const sequential = levels[0]!;
    const redaction = redactionGrowth(mode === "smoke" ? 1 : 9);
    const overheadFigure = (level: LevelResult, id: string, what: string): Figure => ({
      id,
      what,
      value: level.overhead,
      display: `${level.overhead.toFixed(2)}×`,
      target: `≤ ${TARGETS.handlerOverhead}×`,
      pass: level.overhead <= TARGETS.handlerOverhead,
    });
    const continuityFigure = (level: LevelResult, id: string, what: string): Figure => ({
      id,
      what,
      value: level.overheadVsDirect,
      display: `${level.overheadVsDirect.toFixed(2)}×`,
      target: "none (counts the gateway's own hop)",
      pass: true,
      judged: false,
    });
    const chainRatio = round(coldChain.ratio, 3);
    const figures: Figure[] = [
      overheadFigure(
        concurrent,
        "handlerOverhead",
        `Warm handler overhead, ${concurrent.concurrency} conversations at once: flow p50, gateway + handlers ÷ gateway + floor handlers`,
      ),
      overheadFigure(
        sequential,
        "handlerOverheadSequential",
        `Warm handler overhead, ${sequential.concurrency} conversation at a time: flow p50, gateway + handlers ÷ gateway + floor handlers`,
      ),
      continuityFigure(
        concurrent,
        "gatewayOverDirect",
        `Earlier figure, ${concurrent.concurrency} at once: flow p50 via gateway ÷ direct (kept for continuity)`,
      ),
      continuityFigure(
        sequential,
        "gatewayOverDirectSequential",
        `Earlier figure, ${sequential.concurrency} at a time: flow p50 via gateway ÷ direct (kept for continuity)`,
      ),
      {
        id: "dynamodbRequestsPerFlow",
        what: `DynamoDB requests per complete flow, one warm process serving one shop (counted at a proxy, max of ${perFlow.length} flows)`,
        value: Math.max(...perFlow),
        display: `${Math.max(...perFlow)} (${Object.entries(byOperation)
          .filter(([op, count]) => op !== "total" && count > 0)
          .map(([op, count]) => `${round(count, 2)} ${op}`)
          .join(", ")})`,
        target: `≤ ${TARGETS.dynamodbRequestsPerFlow}`,
        pass: Math.max(...perFlow) <= TARGETS.dynamodbRequestsPerFlow,
      },
      {
        id: "presenceFanIn",
        what: `Presence calls for ${FAN_IN} concurrent availability requests (one warm process)`,
        value: presenceCalls,
        display: `${presenceCalls} (${online} of ${FAN_IN} answered online)`,
        target: `${TARGETS.presenceFanIn.calls}`,
        pass: presenceCalls === TARGETS.presenceFanIn.calls && online === FAN_IN,
      },
      {
        id: "presenceFleet",
        what: `Presence calls across ${fleet.instances} cold availability processes, a burst and another 1 s later, CM limiting presence to 3/s`,
        value: fleet.presenceCalls,
        display:
          `${fleet.presenceCalls} (${fleet.refused} refused with 429); ` +
          `${fleet.toldOffline} of ${fleet.requests} visitors told offline; ${fleet.dynamodbRequests} DynamoDB requests`,
        target: `≤ ${TARGETS.fleetPresenceCalls} per cache period, 0 told offline`,
        pass: fleet.presenceCalls <= TARGETS.fleetPresenceCalls && fleet.toldOffline === 0,
      },
      {
        id: "coldChain",
        what: `First conversation after idle: ${DIALOG.length} calls, each a cold process of its function on Node ${lambda.version.replace(/^v/, "")}, ÷ the same with the floor bundle (median of ${coldChain.samples})`,
        value: chainRatio,
        display:
          `${chainRatio.toFixed(2)}× (${coldChain.productMs.toFixed(0)} vs ${coldChain.floorMs.toFixed(0)} ms, sum of ${DIALOG.length} calls; ` +
          `CPU time ${(median(coldChain.product.map((c) => c.cpuMs)) / median(coldChain.floor.map((c) => c.cpuMs))).toFixed(2)}×)`,
        target: `≤ ${TARGETS.coldChain}×`,
        pass: chainRatio <= TARGETS.coldChain,
      },
      {
        id: "bundleSize",
        what: `Largest function bundle (${largestBundle.name}), minified, AWS SDK bundled`,
        value: largestBundle.bytes,
        display: `${kb(largestBundle.bytes)} (${largestBundle.bytes} B)`,
        target: `≤ ${kb(TARGETS.bundleBytes)}`,
        pass: largestBundle.bytes <= TARGETS.bundleBytes,
      },
      {
        id: "coldImportRatio",
        what: `Slowest cold import (${slowestImport.name}) vs DocumentClient-only bundle: median CPU-time ratio of ${settings.coldSamples} interleaved pairs`,
        value: slowestImport.ratio,
        display:
          `${slowestImport.ratio.toFixed(2)}× (IQR ${slowestImport.ratioSpread.map((r) => r.toFixed(2)).join("–")}; ` +
          `CPU ${slowestImport.coldImportCpuMs.toFixed(1)} vs ${baselineBundle.coldImportCpuMs.toFixed(1)} ms)`,
        target: `≤ ${TARGETS.coldImport}×`,
        pass: slowestImport.ratio <= TARGETS.coldImport,
      },
      {
        id: "redactionGrowth",
        what: "Log e-mail redaction of a 16 KB value ÷ a 1 KB value (a run without @, and @s without a domain)",
        value: round(redaction.ratio, 2),
        display: `${redaction.ratio.toFixed(1)}× (${redaction.largeMs.toFixed(3)} vs ${redaction.smallMs.toFixed(3)} ms)`,
        target: `≤ ${TARGETS.redactionGrowth}× (linear)`,
        pass: redaction.ratio <= TARGETS.redactionGrowth,
      },
    ];

    const results: Results = {
      mode,
      startedAt,
      durationSeconds: round((performance.now() - started) / 1000, 1),
      machine: { node: process.versions.node, cpus: cpus().length, loadAverage: loadavg().map((l) => round(l, 2)) },
      settings: {
        ...settings,
        fanIn: FAN_IN,
        referrers:
          "load rounds: one per conversation, so every availability call claims, asks and stores the shared answer " +
          "(as both floors do); counted flows: one shop whose answer the warm process holds",
      },
      figures,
      levels,
      dynamodb: { countedFlows: perFlow.length, perFlow, byOperation, floorPerFlow: floorCounted.map((c) => c.total) },
      presenceFanIn: {
        requests: FAN_IN,
        presenceCalls,
        online,
        otherAnswers: [...new Set(answers.filter((a) => !a.includes('"online"')))].slice(0, 5),
      },
      fleet,
      coldChain: summariseChain(coldChain),
      bundles: { baseline: baselineBundle, functions: functionBundles, method: coldImportMethod },
      logBytesPerFlow: round(logs.bytes / Math.max(1, logs.flows), 0),
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${toMarkdown(results)}\n\nJSON: ${out}\n`);
  } finally {
    stdout?.restore();
    await stopAll();
  }
}

await main();
