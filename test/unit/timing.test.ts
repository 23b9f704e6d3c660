import { PRESENCE_TIMEOUT_MS } from "@caic-handover/core/availability/presence-call";
import {
  CLAIM_LEASE_SECONDS,
  OUTCOME_POLL_MS,
  SETTLE_RESERVE_MS,
  SETTLE_RETRY_MS,
} from "@caic-handover/core/handover/handover";
import { HISTORY_DEADLINES } from "@caic-handover/core/router/cm-history";
import { FORWARD_TIMEOUT_MS } from "@caic-handover/core/router/notification";
import { ROUTING_DEADLINES } from "@caic-handover/core/router/routing";
import { DYNAMODB_CALL_S, FUNCTIONS, type FunctionName } from "@caic-handover/functions/routes";
import { describe, expect, it } from "vitest";

/** The timing rules of docs/design.md#timing, computed from the values the code runs with. */
const API_GATEWAY_TIMEOUT_MS = 30_000;
const dynamodb = DYNAMODB_CALL_S * 1000;
const lease = CLAIM_LEASE_SECONDS * 1000;

/**
 * The claimer: the claim (and its read-back) and the routing all end before the lease less the settle's
 * reserve, counted from before the claim; then the settle is retried for SETTLE_RETRY_MS, its last call
 * taking a whole DynamoDB call.
 */
function claimer() {
  return lease - SETTLE_RESERVE_MS + SETTLE_RETRY_MS + dynamodb;
}
/** A duplicate: its claim, a wait until the lease's end (+1 s for whole seconds), a last poll. */
function duplicate() {
  return dynamodb + lease + 1000 + OUTCOME_POLL_MS + dynamodb;
}

/** Each function's longest answer when every dependency takes its full deadline (the design page's second table). */
const WORST_CASE_MS: Record<FunctionName, number> = {
  "caic-event": dynamodb,
  // A second write follows only an answered first one, so one of them at most is slow.
  availability: PRESENCE_TIMEOUT_MS + dynamodb,
  "intake-email": 2 * dynamodb,
  "intake-name": 2 * dynamodb,
  "intake-message": 2 * dynamodb,
  handover: Math.max(claimer(), duplicate()),
  // The same claim, routing and settle as the handover, in reverse.
  handback: Math.max(claimer(), duplicate()),
  "handover-notification": dynamodb + FORWARD_TIMEOUT_MS,
  // With ERASE_CM_HISTORY: the erase, a read for the session id, CM's history deletion, its outcome recorded.
  "router-events": 3 * dynamodb + HISTORY_DEADLINES.budgetMs,
  "chat-status": dynamodb,
  "chat-erase": 3 * dynamodb + HISTORY_DEADLINES.budgetMs,
};

describe("timing rules", () => {
  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    "%s answers before its Lambda timeout, which ends before API Gateway's 30 s",
    (fn) => {
      const timeout = FUNCTIONS[fn].timeoutSeconds * 1000;
      expect(WORST_CASE_MS[fn]).toBeLessThan(timeout);
      expect(timeout).toBeLessThan(API_GATEWAY_TIMEOUT_MS);
    },
  );

  it("one DynamoDB call ends before the shortest Lambda timeout, so an outage is our 503", () => {
    const shortest = Math.min(...Object.values(FUNCTIONS).map((spec) => spec.timeoutSeconds));
    expect(DYNAMODB_CALL_S).toBeLessThan(shortest);
  });

  it("a claim outlasts the routing budget, so a live claimer is not overtaken", () => {
    expect(lease).toBeGreaterThan(ROUTING_DEADLINES.budgetMs);
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
