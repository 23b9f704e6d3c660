import { defineConfig } from "vitest/config";

/**
 * Three projects, split by directory so a new test file lands in the right one without an edit:
 * `unit` (test/unit: no server, no Java), `stacks` (test/stacks: synthesises the stacks offline, no
 * DynamoDB Local) and `integration` (every other test file: DynamoDB Local, the simulated CM, the
 * bench smoke run, npm start). `npm test` runs all three; `npm run test:unit` / `test:stacks` one.
 */
const UNIT = "test/unit/**/*.test.ts";
const STACKS = "test/stacks/**/*.test.ts";

export default defineConfig({
  test: {
    // Fixes fast-check's seed for every file (TEST_SEED to vary it).
    setupFiles: ["test/support/seed.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Tests that read logs set their own level before importing the handlers.
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
    projects: [
      { extends: true, test: { name: "unit", include: [UNIT] } },
      { extends: true, test: { name: "stacks", include: [STACKS] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: [UNIT, STACKS],
          // The reliability suite's one-line summary (it fails the run if a promise was broken), and one
          // DynamoDB Local for the project. Teardowns run in reverse, so DynamoDB Local stops even then.
          globalSetup: ["test/support/reliability-summary.ts", "test/support/global-setup.ts"],
        },
      },
    ],
  },
});
