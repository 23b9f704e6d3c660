import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** Each package of the repository and the source it owns: the root owns the stacks, the bench and the tests. */
const PACKAGES = {
  ".": ["sst.config.ts", "vitest.config.ts", "stacks", "bench", "test"],
  "packages/core": ["packages/core/src"],
  "packages/functions": ["packages/functions/src"],
  "packages/local": ["packages/local/src"],
} as const;

interface Manifest {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: string | Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(PROJECT_ROOT, path), "utf8")) as T;
const manifest = (dir: string) => readJson<Manifest>(join(dir, "package.json"));

function sourceFiles(path: string): string[] {
  const full = join(PROJECT_ROOT, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(ts|mjs)$/.test(name) && !name.includes("node_modules"))
    .map((name) => join(path, name));
}

/** The npm package an import specifier names (`@scope/name/sub` → `@scope/name`); undefined for relative and Node built-ins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) return;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Packages imported by a package's source, type-only imports and dynamic imports included. */
function importedPackages(dir: keyof typeof PACKAGES): Set<string> {
  const imported = new Set<string>();
  for (const file of PACKAGES[dir].flatMap(sourceFiles)) {
    const text = readFileSync(join(PROJECT_ROOT, file), "utf8");
    const { importedFiles } = ts.preProcessFile(text, true, true);
    // A package located rather than imported (`createRequire(…).resolve(<name>)`) is used too.
    const resolved = [...text.matchAll(/\.resolve\(\s*"([^"./][^"]*)"\s*\)/g)].map((match) => ({
      fileName: match[1]!,
    }));
    for (const { fileName } of [...importedFiles, ...resolved]) {
      const name = packageOf(fileName);
      if (name) imported.add(name);
    }
  }
  return imported;
}

const declared = (m: Manifest) => new Set(Object.keys({ ...m.dependencies, ...m.devDependencies }));
/**
 * The root uses its own workspaces without naming them: SST's config loader keeps every package the
 * root package.json names external, and the workspaces export TypeScript that plain Node cannot import
 * (see docs/deploy.md), so naming them there breaks `sst build|deploy|diff|remove`.
 */
const WORKSPACES = new Set(
  (readJson<{ workspaces: string[] }>("package.json").workspaces ?? [])
    .flatMap((glob) =>
      readdirSync(join(PROJECT_ROOT, glob.replace(/\/\*$/, ""))).map((d) => join(glob.replace(/\/\*$/, ""), d)),
    )
    .map((dir) => readJson<{ name: string }>(join(dir, "package.json")).name),
);
/** `aws-lambda` is types only: `@types/aws-lambda` is what declares it. */
const satisfies = (names: Set<string>, name: string) => names.has(name) || names.has(`@types/${name}`);

describe("every package", () => {
  it.each(Object.keys(PACKAGES) as (keyof typeof PACKAGES)[])("%s declares every package it imports", (dir) => {
    const names = declared(manifest(dir));
    if (dir === ".") for (const name of WORKSPACES) names.add(name);
    const undeclared = [...importedPackages(dir)].filter((name) => !satisfies(names, name));
    expect(undeclared).toEqual([]);
  });

  it("the root names none of its workspaces, so SST's config loader bundles them instead of importing their TypeScript", () => {
    expect(WORKSPACES.size).toBe(3);
    expect([...declared(manifest("."))].filter((name) => WORKSPACES.has(name))).toEqual([]);
  });

  it.each(Object.keys(PACKAGES) as (keyof typeof PACKAGES)[])("%s declares nothing it does not use", (dir) => {
    const m = manifest(dir);
    const imported = importedPackages(dir);
    const scripts = Object.values(m.scripts ?? {}).join("\n");
    const used = (name: string) => {
      if (imported.has(name) || imported.has(name.replace(/^@types\//, ""))) return true;
      if (name === "@types/node") return true;
      const installed = readJson<Manifest>(join("node_modules", name, "package.json"));
      // A command-line tool the scripts run (tsc, tsx, vitest, biome, sst).
      const bins = typeof installed.bin === "string" ? [name] : Object.keys(installed.bin ?? {});
      if (bins.some((bin) => new RegExp(`(^|[\\s'"])${bin}\\b`).test(scripts))) return true;
      // A peer another declared package needs from us (constructs for aws-cdk-lib).
      return [...declared(m)].some((other) =>
        Object.hasOwn(readJson<Manifest>(join("node_modules", other, "package.json")).peerDependencies ?? {}, name),
      );
    };
    expect([...declared(m)].filter((name) => !used(name))).toEqual([]);
  });
});
