import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FUNCTIONS } from "@caic-handover/functions/routes";
import { TARGETS } from "@caic-handover/local/constants";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Results } from "../../bench/report";

const run = promisify(execFile);

/** Keeps `npm run bench` working: a few seconds of every measurement. No time is asserted, only that figures exist. */
describe("npm run bench --smoke", () => {
  let dir: string;
  let results: Results;
  let stdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bench-smoke-"));
    const out = join(dir, "smoke.json");
    ({ stdout } = await run(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "--smoke", `--out=${out}`, `--dynamodb-endpoint=${inject("ddbEndpoint")}`],
      { timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    ));
    results = JSON.parse(await readFile(out, "utf8"));
  }, 180_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("produces every SPEC §6 figure, next to its target", () => {
    expect(results.figures.map((f) => f.id).sort()).toEqual(
      [
        "bundleSize",
        "coldChain",
        "coldImportRatio",
        "dynamodbRequestsPerFlow",
        "gatewayOverDirect",
        "gatewayOverDirectSequential",
        "handlerOverhead",
        "handlerOverheadSequential",
        "presenceFanIn",
        "redactionGrowth",
        "presenceFleet",
      ].sort(),
    );
    for (const figure of results.figures) {
      expect(Number.isFinite(figure.value), figure.id).toBe(true);
      expect(figure.target, figure.id).not.toBe("");
      expect(stdout).toContain(figure.what);
    }
    for (const level of results.levels) {
      for (const path of [level.full, level.floor, level.floorGateway]) {
        expect(path.flows).toBeGreaterThan(0);
        expect(path.errors).toEqual([]);
      }
    }
    expect(results.fleet).toMatchObject({ instances: 12, requests: 24 });
    expect(results.coldChain.perCall.map((call) => call.fn)).toEqual([
      "caic-event",
      "availability",
      "intake-email",
      "intake-name",
      "handover",
    ]);
    expect(results.bundles.functions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const bundle of [results.bundles.baseline, ...results.bundles.functions]) {
      expect(bundle.bytes, bundle.name).toBeGreaterThan(0);
      expect(Number.isFinite(bundle.coldImportMs), bundle.name).toBe(true);
    }
  });

  it("counts at most 7 DynamoDB requests per complete flow, the same for the direct path", () => {
    expect(Math.max(...results.dynamodb.perFlow)).toBeLessThanOrEqual(TARGETS.dynamodbRequestsPerFlow);
    expect(results.dynamodb.floorPerFlow).toEqual(results.dynamodb.perFlow);
  });

  it("fans 100 concurrent availability requests into one presence call", () => {
    const { requests, calls } = TARGETS.presenceFanIn;
    expect(results.presenceFanIn).toMatchObject({ requests, presenceCalls: calls });
    // Each request also records the answer on its chat: on an overloaded machine some of those 100
    // concurrent writes outlast the SDK's deadline and answer 503 "please try again", as specified.
    // What may never happen is any other answer, an offline one above all.
    for (const other of results.presenceFanIn.otherAnswers) expect(other).toMatch(/^503 .*please try again/);
  });
});
