import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { hostileRequest, route, sendHostile, toInput, validRequestWorks } from "../../support/reliability-fuzz";
import { type Reliability, startReliability } from "../../support/reliability-harness";

/**
 * Property: any sequence of hostile requests (bodies of every shape and encoding, query strings,
 * headers, key placements) to any route is never a 5xx, a 4xx names its problem and changes nothing,
 * and a well-formed request afterwards works.
 */
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename);
});
afterAll(() => r.finish());

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 80);

describe("fuzzed requests through every handler", () => {
  it(`${RUNS} sequences of hostile requests, each followed by a valid one`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileRequest, { minLength: 1, maxLength: 6 }), route, async (requests, next) => {
        await sendHostile(
          r,
          requests.map((request) => ({
            input: toInput(request),
            label: `${request.spec.method} ${request.path} ${JSON.stringify(toInput(request)).slice(0, 400)}`,
          })),
        );
        await validRequestWorks(r, next);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 150_000);
});
