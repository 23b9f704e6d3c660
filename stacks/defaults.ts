import type { FunctionProps } from "sst/constructs";

/**
 * Defaults for every function of the app, set by `sst.config.ts` through
 * `app.setDefaultFunctionProps`. SST's own defaults are x86, 1 GB, unminified and logs kept forever.
 */
export const FUNCTION_DEFAULTS = {
  runtime: "nodejs22.x",
  architecture: "arm_64",
  memorySize: 512,
  logRetention: "one_month",
  // No Tracer in the code: the dashboard and the chatId-keyed logs carry the diagnosis.
  tracing: "disabled",
  // ESM for the handlers' top-level await (secrets fetched once per cold start); minified for cold starts.
  // Without SST's keepNames: it adds a name helper call per class and function (about 25 KB a bundle);
  // no code here reads a minified function's name (errors set their own `name`).
  nodejs: { format: "esm", minify: true, esbuild: { keepNames: false } },
} as const satisfies FunctionProps;
