import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { KEY } from "../../support/harness";
import {
  chatIdish,
  hostileRequest,
  route,
  sendHostile,
  toInput,
  validRequestWorks,
} from "../../support/reliability-fuzz";
import { type Reliability, startReliability } from "../../support/reliability-harness";

/**
 * Property over raw API Gateway events, past what a well-behaved gateway builds: base64 bodies of
 * invalid UTF-8, broken base64, stray path parameters, missing query maps, null bodies, repeated and
 * oddly cased key headers. Same invariants as the request fuzzing.
 */
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename);
});
afterAll(() => r.finish());

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 80);

type ApiEvent = Parameters<Parameters<Reliability["event"]>[1] & object>[0];
type Alteration = { label: string; alter: (event: ApiEvent) => void };

const alteration: fc.Arbitrary<Alteration> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((bytes) => ({
    label: "base64 bytes",
    alter: (e: ApiEvent) => Object.assign(e, { body: Buffer.from(bytes).toString("base64"), isBase64Encoded: true }),
  })),
  fc.string({ unit: "binary", maxLength: 200 }).map((body) => ({
    label: "broken base64",
    alter: (e: ApiEvent) => Object.assign(e, { body, isBase64Encoded: true }),
  })),
  fc.integer({ min: 12_300, max: 30_000 }).map((n) => ({
    label: "base64 body over 16 KB once decoded",
    alter: (e: ApiEvent) => Object.assign(e, { body: Buffer.alloc(n, 0x61).toString("base64"), isBase64Encoded: true }),
  })),
  chatIdish.map((id) => ({
    label: "stray path parameter",
    alter: (e: ApiEvent) => Object.assign(e, { pathParameters: { chatId: id as string } }),
  })),
  fc.constant({
    label: "no query map",
    alter: (e: ApiEvent) => Object.assign(e, { queryStringParameters: undefined }),
  }),
  fc.constant({ label: "null body", alter: (e: ApiEvent) => Object.assign(e, { body: null }) }),
  fc.constant({ label: "no headers", alter: (e: ApiEvent) => Object.assign(e, { headers: undefined }) }),
  fc.constant({
    label: "repeated key header",
    alter: (e: ApiEvent) => Object.assign(e.headers, { "x-handover-key": `${KEY},${KEY}` }),
  }),
  fc.constant({
    label: "key header not lower-cased",
    alter: (e: ApiEvent) => {
      delete e.headers["x-handover-key"];
      e.headers["X-Handover-Key"] = KEY;
    },
  }),
  fc.string({ maxLength: 60 }).map((key) => ({
    label: "key in query map only",
    alter: (e: ApiEvent) => {
      delete e.headers["x-handover-key"];
      e.queryStringParameters = { ...e.queryStringParameters, key };
    },
  })),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => ({
    label: "huge header",
    alter: (e: ApiEvent) => Object.assign(e.headers, { "x-huge": "h".repeat(n), accept: "text/plain;".repeat(n / 20) }),
  })),
  fc
    .array(fc.string({ maxLength: 30 }), { maxLength: 4 })
    .map((cookies) => ({ label: "cookies", alter: (e: ApiEvent) => Object.assign(e, { cookies }) })),
);

describe("fuzzed raw events through every handler", () => {
  it(`${RUNS} sequences of altered events, each followed by a valid request`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(hostileRequest, alteration), { minLength: 1, maxLength: 6 }),
        route,
        async (requests, next) => {
          await sendHostile(
            r,
            requests.map(([request, { label, alter }]) => {
              const input = toInput(request);
              return {
                input,
                label: `${label}: ${request.spec.method} ${request.path} ${JSON.stringify(input).slice(0, 300)}`,
                run: () => r.event(input, alter),
              };
            }),
          );
          await validRequestWorks(r, next);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 150_000);
});
