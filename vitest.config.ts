import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The second prints the reliability suite's one-line summary and fails the run if a promise was broken.
    globalSetup: ["test/support/global-setup.ts", "test/support/reliability-summary.ts"],
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
  },
});
