import { defineConfig } from "vitest/config";

/**
 * Four projects, split by directory so a new test file lands in the right one without an edit
 * (docs/testing.md): `unit` (test/unit: no server, no Java), `stacks` (test/stacks: synthesises the
 * stacks offline, no DynamoDB Local), `integration` (every other test file: the handlers in-process
 * against DynamoDB Local and the simulated CM on loopback) and `e2e` (test/e2e and the bench smoke run
 * in test/bench: processes as a user starts them, npm start, npm run check, sst build). `npm test` runs
 * all four, each file once; `npm run test:<project>` one.
 */
const UNIT = "test/unit/**/*.test.ts";
const STACKS = "test/stacks/**/*.test.ts";
const E2E = ["test/e2e/**/*.test.ts", "test/bench/**/*.test.ts"];

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
          exclude: [UNIT, STACKS, ...E2E],
          // The reliability suite's one-line summary (it fails the run if a promise was broken), and one
          // DynamoDB Local for the project. Teardowns run in reverse, so DynamoDB Local stops even then.
          globalSetup: ["test/support/reliability-summary.ts", "test/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        // Its own DynamoDB Local: the harness behind the processes it starts reads the endpoint.
        test: { name: "e2e", include: E2E, globalSetup: ["test/support/global-setup.ts"] },
      },
    ],
  },
});
