import fc from "fast-check";

/** One fixed seed for every generated test input, so a failure reproduces; `TEST_SEED=<n>` explores others. */
export const SEED = Number(process.env.TEST_SEED ?? 20_261_123);

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: SEED });
