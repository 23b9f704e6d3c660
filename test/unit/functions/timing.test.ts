import { LEASE_MARGIN_MS } from "@caic-handover/core/availability/presence";
import { SETTLE_TIMEOUT_MS } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import { HISTORY_DEADLINES } from "@caic-handover/core/router/cm-history";
import { ROUTING_DEADLINES } from "@caic-handover/core/router/routing";
import {
  API_GATEWAY_TIMEOUT_MS,
  BUDGETS,
  CLAIM_LEASE_MS,
  DYNAMODB_CALL_MS,
  pathMs,
  worstCaseMs,
} from "@caic-handover/functions/budgets";
import { FUNCTIONS, type FunctionName } from "@caic-handover/functions/routes";
import { DYNAMODB_CLIENT } from "@caic-handover/functions/wiring";
import { describe, expect, it } from "vitest";

/** The timing rules of docs/design.md#timing, asserted on the budgets the route table's functions run with (budgets.ts). */
const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const timeoutMs = (fn: FunctionName) => FUNCTIONS[fn].timeoutSeconds * 1000;

describe("timing rules", () => {
  it.each(FUNCTION_NAMES)("%s answers before its Lambda timeout, which ends before API Gateway's 30 s", (fn) => {
    expect(worstCaseMs(fn)).toBeLessThan(timeoutMs(fn));
    expect(timeoutMs(fn)).toBeLessThan(API_GATEWAY_TIMEOUT_MS);
  });

  const gaps = FUNCTION_NAMES.flatMap((fn) => (BUDGETS[fn].gaps ?? []).map((gap) => [fn, gap.case, gap] as const));
  it.each(gaps)("the known gap of %s (%s) still outlasts its Lambda timeout, so the list is true", (fn, _, gap) => {
    expect(pathMs(gap)).toBeGreaterThan(timeoutMs(fn));
  });

  it("one DynamoDB call ends before the shortest Lambda timeout, so an outage is our 503", () => {
    const shortest = Math.min(...FUNCTION_NAMES.map(timeoutMs));
    expect(DYNAMODB_CALL_MS).toBeLessThan(shortest);
  });

  it("one DynamoDB call's budget covers what the client is set to do: every attempt at its deadline, and the backoff between them", () => {
    const { maxAttempts, requestTimeoutMs, connectionTimeoutMs } = DYNAMODB_CLIENT;
    // The SDK's backoff after a throttling error: a base of 1 s, doubling (docs/design.md#timing).
    const throttledBackoffMs = Array.from({ length: maxAttempts - 1 }, (_, i) => 1000 * 2 ** i).reduce(
      (a, b) => a + b,
      0,
    );
    expect(connectionTimeoutMs).toBeLessThanOrEqual(requestTimeoutMs);
    expect(maxAttempts * requestTimeoutMs + 75).toBeLessThanOrEqual(DYNAMODB_CALL_MS);
    expect(throttledBackoffMs + maxAttempts * 100).toBeLessThanOrEqual(DYNAMODB_CALL_MS);
  });

  it("a claim outlasts the routing budget, so a live claimer is not overtaken", () => {
    expect(CLAIM_LEASE_MS).toBeGreaterThan(ROUTING_DEADLINES.budgetMs);
  });

  it("the presence lease covers storing the outcome after the call, so a waiting instance does not give up on a live one", () => {
    expect(SETTLE_TIMEOUT_MS).toBeLessThanOrEqual(LEASE_MARGIN_MS);
  });

  it("CM's history deletion fits at least two attempts and its backoff in its budget", () => {
    const { attemptTimeoutMs, budgetMs, maxAttempts, baseDelayMs } = HISTORY_DEADLINES;
    expect(maxAttempts).toBeGreaterThanOrEqual(2);
    expect(2 * attemptTimeoutMs + baseDelayMs).toBeLessThan(budgetMs);
  });

  it("routing fits at least two attempts and its backoff in the budget", () => {
    const { attemptTimeoutMs, budgetMs, maxAttempts, baseDelayMs } = ROUTING_DEADLINES;
    expect(maxAttempts).toBeGreaterThanOrEqual(2);
    expect(2 * attemptTimeoutMs + baseDelayMs).toBeLessThan(budgetMs);
  });
});
