import type { OperationCounts } from "@caic-handover/local/dynamodb-proxy";
import type { ColdChainSummary, FleetResult } from "./cold-starts";
import type { Step } from "./flows";
import { median } from "./stats";

/** One figure of SPEC §6, next to its target. */
export interface Figure {
  id: string;
  what: string;
  value: number;
  display: string;
  target: string;
  pass: boolean;
  /** `false`: shown for continuity with earlier runs, not held against a target. */
  judged?: false;
}

export interface PathSummary {
  /** Flows per second, one per measured round. */
  flowsPerSecond: number[];
  /** Median flow time (ms), one per measured round. */
  flowMsP50: number[];
  /** CPU time of the bench process per flow, one per measured round: load on the shared machine does not inflate it. */
  cpuMsPerFlow: number[];
  steps: Record<Step, { p50: number; p99: number }>;
  flows: number;
  errors: string[];
}

export interface LevelResult {
  concurrency: number;
  rounds: number;
  /** (1) the handlers behind the local gateway. */
  full: PathSummary;
  /** (2) the same calls made directly. */
  floor: PathSummary;
  /** (3) floor handlers making only the same I/O, behind the same gateway. */
  floorGateway: PathSummary;
  /** median over rounds of (1)'s flow p50 ÷ the same for (3): like with like. */
  overhead: number;
  /** median (3) flows/s ÷ median (1) flows/s: the same ratio seen as throughput. */
  throughputRatio: number;
  /** (1) ÷ (2), the earlier figure: it counts the gateway's own loopback hop. */
  overheadVsDirect: number;
  throughputRatioVsDirect: number;
  /** DynamoDB requests per flow, counted at the proxy over every measured round. */
  dynamodbPerFlow: { full: number; floor: number; floorGateway: number };
}

export interface BundleResult {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Median wall time of `await import()` in a fresh process (inflated by whatever else the machine runs). */
  coldImportMs: number;
  /** Median CPU time (user + system) of the same imports: what a busy shared machine does not inflate. */
  coldImportCpuMs: number;
  /** Interquartile range of that CPU time. */
  coldImportCpuSpreadMs: number[];
  /** Processes (the baseline's: all of its pairs, over every function). */
  coldImportSamples: number;
  /** Median over the interleaved pairs of (function ÷ baseline) CPU time: the SPEC §6 figure. */
  ratio: number;
  /** Interquartile range of the pairs' ratios. */
  ratioSpread: number[];
  /** The same median of per-pair ratios, in wall time. */
  wallRatio: number;
  largest: { source: string; bytes: number }[];
}

/** How the cold imports ran (bench/bundles.ts `importRunner`), with the 1-minute load before and after. */
export interface ColdImportMethod {
  node: string;
  cpu: number | null;
  nice: number;
  pairs: number;
  load: number[];
}

export interface Results {
  mode: string;
  startedAt: string;
  durationSeconds: number;
  machine: { node: string; cpus: number; loadAverage: number[] };
  settings: Record<string, unknown>;
  figures: Figure[];
  levels: LevelResult[];
  dynamodb: { countedFlows: number; perFlow: number[]; byOperation: OperationCounts; floorPerFlow: number[] };
  presenceFanIn: { requests: number; presenceCalls: number; online: number; otherAnswers: string[] };
  fleet: FleetResult;
  coldChain: ColdChainSummary;
  bundles: { baseline: BundleResult; functions: BundleResult[]; method: ColdImportMethod };
  logBytesPerFlow: number;
}

const KB = 1024;
export const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const times = (value: number) => `${value.toFixed(2)}×`;
const mark = (pass: boolean) => (pass ? "pass" : "**falls short**");
const verdict = (figure: Figure) => (figure.judged === false ? "for continuity" : mark(figure.pass));

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function toMarkdown(results: Results): string {
  const parts: string[] = [];
  parts.push(
    `### SPEC §6 targets (${results.mode} run, ${results.startedAt}, ${results.durationSeconds.toFixed(0)} s, ` +
      `Node ${results.machine.node}, ${results.machine.cpus} CPUs, load ${results.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")})`,
  );
  parts.push(
    table(
      ["figure", "measured", "target", "result"],
      results.figures.map((f) => [f.what, f.display, f.target, verdict(f)]),
    ),
  );

  parts.push(
    "### Full flows: handlers behind the local gateway (1), the same calls made directly (2), floor handlers behind the same gateway (3)",
  );
  const pathRow = (level: LevelResult, label: string, path: PathSummary, requests: number) => [
    `${level.concurrency}`,
    label,
    median(path.flowsPerSecond).toFixed(1),
    ms(median(path.flowMsP50)),
    ms(median(path.cpuMsPerFlow)),
    `${path.flows}`,
    `${path.errors.length}`,
    requests.toFixed(2),
  ];
  const ratioRow = (level: LevelResult, label: string, throughput: number, overhead: number, over: PathSummary) => [
    `${level.concurrency}`,
    label,
    times(throughput),
    `**${times(overhead)}**`,
    times(median(level.full.cpuMsPerFlow) / median(over.cpuMsPerFlow)),
    "",
    "",
    "",
  ];
  const levelRows = results.levels.flatMap((level) => [
    pathRow(level, "gateway + handlers (1)", level.full, level.dynamodbPerFlow.full),
    pathRow(level, "direct (2)", level.floor, level.dynamodbPerFlow.floor),
    pathRow(level, "gateway + floor handlers (3)", level.floorGateway, level.dynamodbPerFlow.floorGateway),
    ratioRow(level, "**(1)/(3)**", level.throughputRatio, level.overhead, level.floorGateway),
    ratioRow(level, "(1)/(2), earlier figure", level.throughputRatioVsDirect, level.overheadVsDirect, level.floor),
  ]);
  parts.push(
    table(
      [
        "conversations at once",
        "path",
        "flows/s (median of rounds)",
        "flow p50 (median of rounds)",
        "bench CPU per flow",
        "flows",
        "errors",
        "DynamoDB req/flow",
      ],
      levelRows,
    ),
  );

  parts.push(
    "bench CPU per flow: user + system time of the whole bench process (gateway, handlers, load generator thread, " +
      `simulated CM, counting proxy; not DynamoDB Local's JVM) per completed flow. Handler logs and EMF metrics: ` +
      `${results.logBytesPerFlow} bytes per flow (written, then discarded).`,
  );
  const steps = Object.keys(results.levels[0]?.full.steps ?? {}) as Step[];
  const stepRows = results.levels.flatMap((level) =>
    steps.map((step) => [
      `${level.concurrency}`,
      step,
      ms(level.full.steps[step].p50),
      ms(level.full.steps[step].p99),
      ms(level.floorGateway.steps[step].p50),
      ms(level.floorGateway.steps[step].p99),
      times(level.full.steps[step].p50 / level.floorGateway.steps[step].p50),
      ms(level.floor.steps[step].p50),
    ]),
  );
  parts.push("Per route (all measured rounds pooled):");
  parts.push(
    table(["at once", "route", "(1) p50", "(1) p99", "(3) p50", "(3) p99", "p50 (1)/(3)", "direct (2) p50"], stepRows),
  );

  const { fleet, coldChain } = results;
  parts.push(
    `### The availability function scaled out cold: ${fleet.instances} processes of its deploy bundle, a burst and another 1 s later, CM limiting presence`,
  );
  parts.push(
    table(
      [
        "presence calls",
        "refused (429)",
        "visitors",
        "told offline",
        "answers by reason",
        "DynamoDB requests",
        "bursts took",
      ],
      [
        [
          `${fleet.presenceCalls}`,
          `${fleet.refused}`,
          `${fleet.requests}`,
          `${fleet.toldOffline}`,
          Object.entries(fleet.reasons)
            .map(([reason, count]) => `${count} ${reason}`)
            .join(", "),
          `${fleet.dynamodbRequests}`,
          fleet.burstMs.map(ms).join(", "),
        ],
      ],
    ),
  );
  parts.push(
    `### The first conversation after idle: each call a fresh process of its deploy bundle (import, secrets from SSM, first DynamoDB connection, the call), median of ${coldChain.samples}`,
  );
  parts.push(
    table(
      ["call", "function: import", "function: call", "floor: import", "floor: call"],
      [
        ...coldChain.perCall.map((call) => [
          call.fn,
          ms(call.product.importMs),
          ms(call.product.invokeMs),
          ms(call.floor.importMs),
          ms(call.floor.invokeMs),
        ]),
        [
          "**sum (import + call)**",
          `**${ms(coldChain.productMs)}**`,
          "",
          `**${ms(coldChain.floorMs)}**`,
          `**${times(coldChain.ratio)}**`,
        ],
        [
          "CPU time, import + call, all five",
          ms(coldChain.cpuMs.product),
          "",
          ms(coldChain.cpuMs.floor),
          times(coldChain.cpuMs.product / coldChain.cpuMs.floor),
        ],
        ["spawn to exit, all five", ms(coldChain.processMs.product), "", ms(coldChain.processMs.floor), ""],
      ],
    ),
  );

  parts.push("### Bundles (esbuild 0.18.13 with SST v2's ESM options, minified, AWS SDK bundled) and cold import");
  const { baseline, functions, method } = results.bundles;
  parts.push(
    `Cold import: ${method.pairs} interleaved baseline/function pairs per function, fresh processes on Node ${method.node}, ` +
      `${method.cpu === null ? "not pinned (no taskset)" : `pinned to CPU ${method.cpu}`}, niceness ${method.nice}, ` +
      `load ${method.load.map((l) => l.toFixed(1)).join(" → ")}. The ratio is the median of the pairs' CPU-time ratios, ` +
      "its spread their interquartile range.",
  );
  const range = (values: number[], format: (n: number) => string) => values.map(format).join("–");
  const bundleRow = (b: BundleResult, isBaseline = false) => [
    isBaseline ? `${b.name} (baseline)` : b.name,
    kb(b.bytes),
    kb(b.gzipBytes),
    isBaseline ? "1.00×" : `**${times(b.ratio)}**`,
    isBaseline ? "" : range(b.ratioSpread, (r) => r.toFixed(2)),
    `${ms(b.coldImportCpuMs)} (${range(b.coldImportCpuSpreadMs, (n) => n.toFixed(1))})`,
    ms(b.coldImportMs),
    isBaseline ? "" : times(b.wallRatio),
    isBaseline ? "" : `${mark(b.bytes <= 450 * KB)} / ${mark(b.ratio <= 1.25)}`,
    b.largest
      .slice(0, 4)
      .map((l) => `${l.source} ${kb(l.bytes)}`)
      .join(", "),
  ];
  parts.push(
    table(
      [
        "bundle",
        "size",
        "gzip",
        "cold import vs baseline (CPU)",
        "spread (IQR)",
        "CPU ms, median (IQR)",
        "wall ms, median",
        "wall vs baseline",
        "size / import",
        "largest parts",
      ],
      [bundleRow(baseline, true), ...functions.map((b) => bundleRow(b))],
    ),
  );
  return parts.join("\n\n");
}
