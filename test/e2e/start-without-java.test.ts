import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { expect, it } from "vitest";

it("npm start without Java says in one line how to get it and exits non-zero", () => {
  // A PATH that holds node and nothing else, so `java` cannot be found.
  const bin = mkdtempSync(join(tmpdir(), "no-java-"));
  symlinkSync(process.execPath, join(bin, "node"));
  try {
    const run = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "packages/local/src/start.ts"],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: bin, HOME: process.env.HOME ?? tmpdir(), PORT: "0" },
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(run.status).not.toBe(0);
    const lines = `${run.stdout}${run.stderr}`
      .trim()
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java 17\+.*openjdk-17-jre-headless/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
