import type { OperationCounts } from "@caic-handover/local/dynamodb-proxy";
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
  full: PathSummary;
  floor: PathSummary;
  /** median over rounds of the full flow's p50 ÷ the same for the floor. */
  overhead: number;
  /** median floor flows/s ÷ median full flows/s: the same ratio seen as throughput. */
  throughputRatio: number;
  /** DynamoDB requests per flow, counted at the proxy over every measured round. */
  dynamodbPerFlow: { full: number; floor: number };
}

export interface BundleResult {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Median wall time of `await import()` in a fresh process. */
  coldImportMs: number;
  /** Median CPU time (user + system) of the same imports: what a busy shared machine does not inflate. */
  coldImportCpuMs: number;
  coldImportSamples: number;
  /** Median cold import ÷ the DocumentClient-only bundle's median (wall time). */
  ratio: number;
  /** The same ratio in CPU time. */
  cpuRatio: number;
  largest: { source: string; bytes: number }[];
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
  bundles: { baseline: BundleResult; functions: BundleResult[] };
  logBytesPerFlow: number;
}

const KB = 1024;
export const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const times = (value: number) => `${value.toFixed(2)}×`;
const mark = (pass: boolean) => (pass ? "pass" : "**falls short**");

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
      results.figures.map((f) => [f.what, f.display, f.target, mark(f.pass)]),
    ),
  );

  parts.push("### Full flows through the local gateway (1) vs the same calls made directly (2)");
  const levelRows = results.levels.flatMap((level) => [
    [
      `${level.concurrency}`,
      "gateway (1)",
      median(level.full.flowsPerSecond).toFixed(1),
      ms(median(level.full.flowMsP50)),
      ms(median(level.full.cpuMsPerFlow)),
      `${level.full.flows}`,
      `${level.full.errors.length}`,
      level.dynamodbPerFlow.full.toFixed(2),
    ],
    [
      `${level.concurrency}`,
      "direct (2)",
      median(level.floor.flowsPerSecond).toFixed(1),
      ms(median(level.floor.flowMsP50)),
      ms(median(level.floor.cpuMsPerFlow)),
      `${level.floor.flows}`,
      `${level.floor.errors.length}`,
      level.dynamodbPerFlow.floor.toFixed(2),
    ],
    [
      `${level.concurrency}`,
      "**(1)/(2)**",
      times(level.throughputRatio),
      `**${times(level.overhead)}**`,
      times(median(level.full.cpuMsPerFlow) / median(level.floor.cpuMsPerFlow)),
      "",
      "",
      "",
    ],
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
      ms(level.floor.steps[step].p50),
      ms(level.floor.steps[step].p99),
      times(level.full.steps[step].p50 / level.floor.steps[step].p50),
    ]),
  );
  parts.push("Per route (all measured rounds pooled):");
  parts.push(
    table(["at once", "route", "gateway p50", "gateway p99", "direct p50", "direct p99", "p50 ratio"], stepRows),
  );

  parts.push("### Bundles (esbuild 0.18.13 with SST v2's ESM options, minified, AWS SDK bundled) and cold import");
  const { baseline, functions } = results.bundles;
  const bundleRow = (b: BundleResult, isBaseline = false) => [
    isBaseline ? `${b.name} (baseline)` : b.name,
    kb(b.bytes),
    kb(b.gzipBytes),
    ms(b.coldImportMs),
    isBaseline ? "1.00×" : times(b.ratio),
    ms(b.coldImportCpuMs),
    isBaseline ? "1.00×" : times(b.cpuRatio),
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
        `cold import, wall (median of ${baseline.coldImportSamples})`,
        "vs baseline",
        "cold import, CPU",
        "vs baseline",
        "size / import",
        "largest parts",
      ],
      [bundleRow(baseline, true), ...functions.map((b) => bundleRow(b))],
    ),
  );
  return parts.join("\n\n");
}
