import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import esbuild from "esbuild";
import { median, quantile, round } from "./stats";

const run = promisify(execFile);

/**
 * The options SST 2.49.8 gives esbuild for an ESM function (node_modules/sst/runtime/handlers/node.js),
 * with `minify: true` and `keepNames: false` as the stack sets them (stacks/defaults.ts). Only `sharp` and `pg-native` are external: the AWS SDK is bundled.
 * SST writes a source map beside the bundle but does not ship it, so only the `.mjs` is measured.
 */
export const SST_ESM_OPTIONS = {
  platform: "node",
  bundle: true,
  keepNames: false,
  format: "esm",
  target: "esnext",
  mainFields: ["module", "main"],
  external: ["sharp", "pg-native"],
  sourcemap: true,
  minify: true,
  metafile: true,
  logLevel: "silent",
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      `const require = topLevelCreateRequire(import.meta.url);`,
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      "",
    ].join("\n"),
  },
} satisfies esbuild.BuildOptions;

export interface BundleEntry {
  name: string;
  entry: string;
}

export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** What takes the bytes: packages (or first-party folders) by minified bytes, largest first. */
  largest: { source: string; bytes: number }[];
}

/** One esbuild run for all entries (they share parsing); without splitting each output is what its own build gives. */
export async function buildBundles(entries: readonly BundleEntry[], outDir: string): Promise<Bundle[]> {
  await mkdir(outDir, { recursive: true });
  const result = await esbuild.build({
    ...SST_ESM_OPTIONS,
    entryPoints: Object.fromEntries(entries.map(({ name, entry }) => [name, entry])),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
  });
  const bundles: Bundle[] = [];
  for (const { name } of entries) {
    const file = resolve(outDir, `${name}.mjs`);
    const output = Object.entries(result.metafile.outputs).find(([path]) => resolve(path) === file)![1];
    const bySource = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const source = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split("/").slice(0, 3).join("/");
      bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
    }
    const largest = [...bySource].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes);
    bundles.push({
      name,
      file,
      bytes: output.bytes,
      gzipBytes: gzipSync(await readFile(file)).length,
      largest: largest.slice(0, 8),
    });
  }
  return bundles;
}

/**
 * One fresh `node` process: `await import(bundle)` timed inside it, as wall time and as the process's
 * CPU time (user + system, every thread), which waiting for a busy shared CPU does not inflate.
 */
const IMPORT_TIMER = [
  "const c0 = process.cpuUsage(); const t0 = performance.now();",
  "await import(process.env.BENCH_BUNDLE_URL);",
  "const wall = performance.now() - t0; const c = process.cpuUsage(c0);",
  "process.stdout.write('\\n' + JSON.stringify({ wall, cpu: (c.user + c.system) / 1000 }));",
].join("\n");

/** How the import processes run: which `node`, pinned to which CPU, at what priority. */
export interface ImportRunner {
  node: string;
  nodeVersion: string;
  /** The CPU every import process is pinned to (`taskset`), or undefined where that is not possible. */
  cpu: number | undefined;
  /** The niceness the processes run at: -10 as root (ahead of the machine's other work), else 0. */
  nice: number;
  /** The command line before `node`. */
  prefix: string[];
}

const has = async (command: string) =>
  run(command, ["--version"]).then(
    () => true,
    () => false,
  );

/**
 * Pin every import process to one CPU (the last one) with util-linux's `taskset`, and as root run it at
 * niceness -10, so that baseline and function share one core and the machine's other work waits rather
 * than interrupting them. Where either is unavailable the bench runs without it and says so.
 */
export async function importRunner(node: string, nodeVersion: string): Promise<ImportRunner> {
  const cpu = process.platform === "linux" && (await has("taskset")) ? availableParallelism() - 1 : undefined;
  const nice = process.getuid?.() === 0 && (await has("nice")) ? -10 : 0;
  const prefix = [
    ...(nice !== 0 ? ["nice", "-n", String(nice)] : []),
    ...(cpu !== undefined ? ["taskset", "-c", String(cpu)] : []),
  ];
  return { node, nodeVersion, cpu, nice, prefix };
}

interface ImportTime {
  wall: number;
  cpu: number;
}

async function importOnce(runner: ImportRunner, file: string, env: Record<string, string>): Promise<ImportTime> {
  const [command, ...args] = [...runner.prefix, runner.node, "--input-type=module", "-e", IMPORT_TIMER];
  const { stdout } = await run(command!, args, {
    env: { ...env, BENCH_BUNDLE_URL: pathToFileURL(file).href },
    timeout: 30_000,
  });
  const sample = JSON.parse(stdout.trim().split("\n").pop() ?? "null") as ImportTime | null;
  if (!sample || !Number.isFinite(sample.wall) || !Number.isFinite(sample.cpu))
    throw new Error(`cold import of ${file} printed ${JSON.stringify(stdout)}`);
  return sample;
}

/** One function's paired samples: each pair is a baseline import and the function's, one right after the other. */
export interface ImportPairs {
  baseline: ImportTime[];
  fn: ImportTime[];
}

/**
 * Cold import time per function bundle against the baseline, in pairs: in every round each function
 * gets a fresh baseline process and a fresh process of its own, one right after the other on the same
 * pinned CPU, the order alternating from round to round and the function order rotating, so that what
 * the machine's other work does to one side of a pair it does, about equally, to the other. One
 * untimed round first: the first process to read a file pays the page cache, not the module's cost.
 */
export async function measureColdImports(
  baseline: Pick<Bundle, "name" | "file">,
  bundles: readonly Pick<Bundle, "name" | "file">[],
  samples: number,
  /** The whole environment of both processes of a pair (bench/env.ts#lambdaEnv): nothing of the shell's. */
  envFor: (name: string) => Record<string, string>,
  runner: ImportRunner,
): Promise<Map<string, ImportPairs>> {
  const pairs = new Map(bundles.map((b) => [b.name, { baseline: [], fn: [] } as ImportPairs]));
  for (let round = -1; round < samples; round++) {
    for (let i = 0; i < bundles.length; i++) {
      const index = (Math.max(round, 0) + i) % bundles.length;
      const bundle = bundles[index]!;
      // Each function's pairs alternate which side goes first, round by round.
      const baselineFirst = (round + index) % 2 === 0;
      const env = envFor(bundle.name);
      const first = await importOnce(runner, baselineFirst ? baseline.file : bundle.file, env);
      const second = await importOnce(runner, baselineFirst ? bundle.file : baseline.file, env);
      if (round < 0) continue;
      pairs.get(bundle.name)!.baseline.push(baselineFirst ? first : second);
      pairs.get(bundle.name)!.fn.push(baselineFirst ? second : first);
    }
  }
  return pairs;
}

/**
 * What the report keeps of one function's pairs. The figure is the median of the per-pair ratios of
 * CPU time: a pair shares its few hundred milliseconds of machine, so a slow moment moves both sides,
 * and the median ignores the pairs it moved unequally. The spread is the ratios' interquartile range.
 */
export function summarisePairs(pairs: ImportPairs) {
  const ratios = pairs.fn.map((f, i) => f.cpu / pairs.baseline[i]!.cpu);
  const wallRatios = pairs.fn.map((f, i) => f.wall / pairs.baseline[i]!.wall);
  return {
    pairs: ratios.length,
    ratio: round(median(ratios), 3),
    ratioP25: round(quantile(ratios, 0.25), 3),
    ratioP75: round(quantile(ratios, 0.75), 3),
    cpuMs: round(median(pairs.fn.map((s) => s.cpu)), 1),
    cpuP25Ms: round(
      quantile(
        pairs.fn.map((s) => s.cpu),
        0.25,
      ),
      1,
    ),
    cpuP75Ms: round(
      quantile(
        pairs.fn.map((s) => s.cpu),
        0.75,
      ),
      1,
    ),
    wallMs: round(median(pairs.fn.map((s) => s.wall)), 1),
    wallRatio: round(median(wallRatios), 3),
  };
}

export const bundleDir = (root: string) => join(root, ".build", "bench", "bundles");
