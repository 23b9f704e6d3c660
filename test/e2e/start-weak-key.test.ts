import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { expect, it } from "vitest";

it("npm start refuses a webhook key under 32 characters, or SST's placeholder, without printing it", () => {
  for (const key of ["too-short-local-key", "__FETCH_FROM_SSM__"]) {
    const run = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "packages/local/src/start.ts"],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, HANDOVER_WEBHOOK_KEY: key, PORT: "0" },
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(run.status, key).not.toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(
      /npm start: caic-handover configuration: HANDOVER_WEBHOOK_KEY is (invalid \(at least 32 characters|missing \(it holds SST's placeholder)/,
    );
    expect(output).not.toContain(key);
  }
});
