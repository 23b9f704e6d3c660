import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";

/** The open-source runtime interface client of Lambda's Node.js runtimes, as npm ships it. */
export const RIC_PACKAGE = "aws-lambda-ric@4.0.2";
const CACHE = join(PROJECT_ROOT, ".build", "ric");
const PACKAGE_DIR = join(CACHE, "node_modules", "aws-lambda-ric");
const LOADER = join(PACKAGE_DIR, "handler-loader.mjs");
/** The one statement of the client's entry point that starts the runtime loop. */
const IGNITION = "\nignition();\n";

/**
 * The `nodejs22.x` runtime's own handler loader: `UserFunctionLoader.load(LAMBDA_TASK_ROOT, _HANDLER)`
 * from `aws-lambda-ric` (installed on first use into `.build/ric`, install scripts skipped: only its
 * JavaScript is needed). The package is one bundled `index.mjs` that starts the runtime loop against
 * the Runtime API with a native HTTP client; the loader file is that same text with the last statement,
 * `ignition();`, replaced by an export of the loader class, so a handler is resolved and imported by
 * exactly the runtime's code (extension order "", .js, .mjs, .cjs; nested handler names; its errors).
 */
export function ricLoader(): string {
  if (!existsSync(join(PACKAGE_DIR, "index.mjs"))) {
    const install = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        CACHE,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        RIC_PACKAGE,
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    if (!existsSync(join(PACKAGE_DIR, "index.mjs")))
      throw new Error(`npm install ${RIC_PACKAGE} into ${CACHE} failed: ${install.stderr}`);
  }
  const entry = readFileSync(join(PACKAGE_DIR, "index.mjs"), "utf8");
  if (!entry.endsWith(IGNITION) || !entry.includes("var UserFunctionLoader = class"))
    throw new Error(`${RIC_PACKAGE}'s index.mjs no longer ends with ignition(): update ricLoader()`);
  writeFileSync(LOADER, `${entry.slice(0, -IGNITION.length)}\nexport { UserFunctionLoader };\n`);
  return LOADER;
}
