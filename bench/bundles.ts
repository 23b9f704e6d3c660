import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import esbuild from "esbuild";

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
 * CPU time (user + system), which waiting for a busy shared CPU does not inflate.
 */
const IMPORT_TIMER = [
  "const c0 = process.cpuUsage(); const t0 = performance.now();",
  "await import(process.env.BENCH_BUNDLE_URL);",
  "const wall = performance.now() - t0; const c = process.cpuUsage(c0);",
  "process.stdout.write('\\n' + JSON.stringify({ wall, cpu: (c.user + c.system) / 1000 }));",
].join("\n");

export interface ColdImportSamples {
  wall: number[];
  cpu: number[];
}

/**
 * Cold import time per bundle: `samples` fresh processes each, round-robin so drift hits every
 * bundle alike (the starting bundle rotates each round).
 */
export async function measureColdImports(
  bundles: readonly Pick<Bundle, "name" | "file">[],
  samples: number,
  env: Record<string, string>,
): Promise<Map<string, ColdImportSamples>> {
  const times = new Map(bundles.map((b) => [b.name, { wall: [], cpu: [] } as ColdImportSamples]));
  const baseEnv = { ...process.env, ...env };
  delete baseEnv.NODE_OPTIONS;
  // One untimed pass first: the first process to read a file pays the page cache, not the module's cost.
  for (let round = -1; round < samples; round++) {
    for (let i = 0; i < bundles.length; i++) {
      const bundle = bundles[(Math.max(round, 0) + i) % bundles.length]!;
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", IMPORT_TIMER], {
        env: { ...baseEnv, BENCH_BUNDLE_URL: pathToFileURL(bundle.file).href },
        timeout: 30_000,
      });
      const sample = JSON.parse(stdout.trim().split("\n").pop() ?? "null") as { wall: number; cpu: number } | null;
      if (!sample || !Number.isFinite(sample.wall))
        throw new Error(`cold import of ${bundle.name} printed ${JSON.stringify(stdout)}`);
      if (round < 0) continue;
      times.get(bundle.name)!.wall.push(sample.wall);
      times.get(bundle.name)!.cpu.push(sample.cpu);
    }
  }
  return times;
}

export const bundleDir = (root: string) => join(root, ".build", "bench", "bundles");
