import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, posix } from "node:path";
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

/** The core's layering, written down in docs/layout.md. */
const CORE = "packages/core/src";
const CORE_FOLDERS = readdirSync(join(PROJECT_ROOT, CORE), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

interface CoreImport {
  /** The importing file and its concept folder. */
  file: string;
  folder: string;
  specifier: string;
  /** For an import of a core file: its path under packages/core/src, without extension. */
  target?: string;
}

/** Every import of every core file, type-only and dynamic imports included. */
const coreImports: CoreImport[] = sourceFiles(CORE).flatMap((file) => {
  const folder = file.slice(CORE.length + 1).split("/")[0]!;
  const { importedFiles } = ts.preProcessFile(readFileSync(join(PROJECT_ROOT, file), "utf8"), true, true);
  return importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith(".")) return { file, folder, specifier };
    const path = posix.normalize(posix.join(posix.dirname(file), specifier));
    return { file, folder, specifier, target: path.replace(/\.(ts|mjs)$/, "") };
  });
});
const inCore = (i: CoreImport) => i.target?.startsWith(`${CORE}/`);
const targetFolder = (i: CoreImport) => i.target!.slice(CORE.length + 1).split("/")[0]!;
const shown = (imports: CoreImport[]) => imports.map((i) => `${i.file} imports ${i.specifier}`);

describe("the core's layering (docs/layout.md)", () => {
  it("only dynamodb/ imports the AWS SDK: every other folder is AWS-free", () => {
    const sdk = coreImports.filter((i) => packageOf(i.specifier)?.startsWith("@aws-sdk/"));
    expect(sdk.some((i) => i.folder === "dynamodb")).toBe(true);
    expect(shown(sdk.filter((i) => i.folder !== "dynamodb"))).toEqual([]);
  });

  it("no concept imports dynamodb/: the stores are adapters the functions wire in, behind the ports", () => {
    expect(
      shown(coreImports.filter((i) => inCore(i) && i.folder !== "dynamodb" && targetFolder(i) === "dynamodb")),
    ).toEqual([]);
  });

  it.each([
    ["shared", "imports no other folder", ["shared"]],
    ["language", "imports only shared/", ["language", "shared"]],
  ])("%s/ %s", (folder, _rule, allowed) => {
    const outside = coreImports.filter((i) => i.folder === folder && inCore(i) && !allowed.includes(targetFolder(i)));
    expect(shown(outside)).toEqual([]);
  });

  it("config/ imports only shared/, language/ and the business-hours parser of availability/", () => {
    const allowed = (i: CoreImport) =>
      ["config", "shared", "language"].includes(targetFolder(i)) || i.target === `${CORE}/availability/business-hours`;
    expect(shown(coreImports.filter((i) => i.folder === "config" && inCore(i) && !allowed(i)))).toEqual([]);
  });

  it("the core imports neither the functions nor the local runner, and no file outside packages/core/src", () => {
    const outward = coreImports.filter(
      (i) => (i.target !== undefined && !inCore(i)) || packageOf(i.specifier)?.startsWith("@caic-handover/"),
    );
    expect(shown(outward)).toEqual([]);
  });

  it("every core file lives in a concept folder, and docs/layout.md names each folder", () => {
    const layout = readFileSync(join(PROJECT_ROOT, "docs/layout.md"), "utf8");
    expect(sourceFiles(CORE).filter((file) => !file.slice(CORE.length + 1).includes("/"))).toEqual([]);
    expect(CORE_FOLDERS.filter((folder) => !new RegExp(`^${folder}/ `, "m").test(layout))).toEqual([]);
  });

  it("has no barrels: no index.ts in any package and no re-export, so each bundle imports only what it uses", () => {
    const files = ["packages/core/src", "packages/functions/src", "packages/local/src"].flatMap(sourceFiles);
    expect(files.filter((file) => posix.basename(file) === "index.ts")).toEqual([]);
    const reexport = /^export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*(?:as\s+\w+\s+)?from\s/m;
    expect(files.filter((file) => reexport.test(readFileSync(join(PROJECT_ROOT, file), "utf8")))).toEqual([]);
  });
});
