import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@caic-handover/local/dynamodb-local";
import { localBaseUrl } from "@caic-handover/local/local-defaults";
import { afterAll, describe, expect, it } from "vitest";
import { commandOf, endGroup, groupEmptied, processGroup, type Run, runCommand, waitFor } from "../support/processes";

/** What a user starts, stopped the way a user or a process manager stops it: a signal to npm itself. */

const started: Run[] = [];
afterAll(() => {
  for (const run of started) endGroup(run.child.pid);
});

const hasJava = (run: Run) => processGroup(run.child.pid!).some((pid) => commandOf(pid).startsWith("java "));

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s to the npm process stops the API, the simulator and Java within 5 s, and frees the port",
    async (signal) => {
      const port = String(await freePort());
      const run = runCommand("npm", ["start"], { PORT: port });
      started.push(run);
      await waitFor(run, () => run.output().includes("Ctrl-C stops everything"), "banner", 60_000);
      expect(hasJava(run)).toBe(true);
      const health = await fetch(`${localBaseUrl(port)}/__local/info`);
      expect(health.status).toBe(200);

      process.kill(run.child.pid!, signal);
      expect(await groupEmptied(run.child.pid!, 5000)).toEqual([]);
      await expect(fetch(`${localBaseUrl(port)}/__local/info`)).rejects.toThrow();
    },
    90_000,
  );
});

describe("npm run bench", () => {
  it("refuses an unknown option before starting anything, and writes no results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-options-"));
    try {
      const out = join(dir, "results.json");
      const run = runCommand("npm", ["run", "bench", "--", "--bogus", `--out=${out}`]);
      started.push(run);
      expect(await run.exited).toBe(2);
      expect(run.output()).toContain("bench: Unknown option '--bogus'");
      expect(run.output()).toContain("npm run bench -- [options]");
      expect(run.output()).not.toContain("starting DynamoDB Local");
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("--help prints the options and runs nothing", async () => {
    const run = runCommand("npm", ["run", "bench", "--", "--help"]);
    started.push(run);
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/--quick[\s\S]*--smoke[\s\S]*--out <file>[\s\S]*--dynamodb-endpoint <url>/);
    expect(run.output()).not.toContain("bench [");
  }, 30_000);

  it("SIGTERM to the npm process during a run stops it and its Java, writing no results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-interrupted-"));
    try {
      const out = join(dir, "results.json");
      const run = runCommand("npm", ["run", "bench", "--", "--smoke", `--out=${out}`]);
      started.push(run);
      await waitFor(run, () => hasJava(run), "Java", 60_000);
      process.kill(run.child.pid!, "SIGTERM");
      expect(await groupEmptied(run.child.pid!, 5000)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
