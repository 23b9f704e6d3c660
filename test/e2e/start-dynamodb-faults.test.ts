import { KEY } from "@caic-handover/local/constants";
import { freePort } from "@caic-handover/local/dynamodb-local";
import { localBaseUrl } from "@caic-handover/local/local-defaults";
import { afterAll, expect, it } from "vitest";
import { endGroup, groupEmptied, type Run, runCommand, waitFor } from "../support/processes";

/** Issue 20: the DynamoDB fault proxy is usable from `npm start` too (SIMULATE_DYNAMODB_FAULTS, docs/local.md). */
let run: Run | undefined;
afterAll(() => endGroup(run?.child.pid));

it("npm start honours SIMULATE_DYNAMODB_FAULTS: the handlers' writes go through the fault proxy", async () => {
  const port = String(await freePort());
  // The claim write throttled on each of the SDK's three attempts: that /handover answers 503, the next one claims.
  run = runCommand("npm", ["start"], { PORT: port, SIMULATE_DYNAMODB_FAULTS: "throttle:count=3:on=claim" });
  await waitFor(run, () => run!.output().includes("Ctrl-C stops everything"), "banner", 60_000);
  expect(run.output()).toMatch(
    /fault proxy http:\/\/127\.0\.0\.1:\d+ \(SIMULATE_DYNAMODB_FAULTS=throttle:count=3:on=claim\)/,
  );
  // The dialog's key (npm start's embedded default): every call below is a CAIC callout.
  const key = KEY;
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${localBaseUrl(port)}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-handover-key": key },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const chatId = "0b7f3c0e-2020-4b4b-8c8c-00000000020b";
  expect((await call("/caic/events", { chatId })).json.status).toBe("started");
  expect((await call("/intake/email", { chatId, value: "faults@example.com" })).json.valid).toBe(true);
  expect((await call("/intake/name", { chatId, value: "Fault Proxy" })).json.valid).toBe(true);
  expect((await call("/handover", { chatId })).status).toBe(503);
  expect(await call("/handover", { chatId })).toEqual({ status: 200, json: { handover: "requested" } });

  process.kill(run.child.pid!, "SIGTERM");
  expect(await groupEmptied(run.child.pid!, 5000)).toEqual([]);
}, 90_000);

it("npm start refuses a malformed SIMULATE_DYNAMODB_FAULTS with one line naming it, before starting anything", async () => {
  const bad = runCommand("npm", ["start"], { PORT: "0", SIMULATE_DYNAMODB_FAULTS: "explode:on=claim" });
  expect(await bad.exited).not.toBe(0);
  expect(bad.output()).toContain('SIMULATE_DYNAMODB_FAULTS: unknown DynamoDB fault "explode"');
  expect(bad.output()).not.toContain("java pid");
}, 60_000);
