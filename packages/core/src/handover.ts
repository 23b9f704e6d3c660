import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import type { ChatRecord } from "./chat";
import type { ChatStore } from "./chat-store";
import type { IntakeField } from "./config";
import { StoreUnavailableError } from "./errors";
import { optionalText } from "./input";
import type { Log, Metrics } from "./metrics";
import { type Adapters, handoverMutation, type RoutingClient } from "./routing";

export const HandoverRequestSchema = z.object({
  referrer: optionalText(2048),
  keywords: optionalText(512),
});
export type HandoverRequest = z.infer<typeof HandoverRequestSchema>;

export type HandoverAnswer =
  | { handover: "requested" }
  | { handover: "failed"; reason: string; missing?: IntakeField[] };

/** How long a claim protects an in-flight request: above the routing budget (docs/design.md#timing). */
export const CLAIM_LEASE_SECONDS = 12;
/** How often a concurrent duplicate reads the chat while it waits for the claimer's outcome. */
export const OUTCOME_POLL_MS = 200;

export interface HandoverDeps {
  store: ChatStore;
  routing: Pick<RoutingClient, "requestMutation">;
  metrics: Metrics;
  log: Log;
  adapters: Adapters;
  required: readonly IntakeField[];
  defaultReferrer: string | undefined;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long a concurrent duplicate waits for the first caller's outcome. */
  waitMs?: number;
}

/**
 * Hands the chat to a live agent exactly once: one caller claims the chat with a conditional
 * write and sends the mutation request; concurrent duplicates wait for that outcome; later
 * repeats get the same `requested`. A failed handover may be tried again.
 * The protocol, its timing and its known gaps: docs/design.md#exactly-once-handover.
 */
export async function requestHandover(
  deps: HandoverDeps,
  chatId: string,
  request: HandoverRequest,
): Promise<HandoverAnswer> {
  const claimId = randomUUID();
  const claim = await deps.store.claimHandover(
    chatId,
    {
      claimId,
      leaseSeconds: CLAIM_LEASE_SECONDS,
      required: deps.required,
      ...(request.referrer === undefined ? {} : { referrer: request.referrer }),
      ...(request.keywords === undefined ? {} : { keywords: request.keywords }),
    },
    deps.now(),
  );

  switch (claim.outcome) {
    case "incomplete":
      deps.metrics.count("HandoverFailed", "intake-incomplete");
      deps.log.info("handover refused: intake incomplete", { missing: claim.missing });
      return { handover: "failed", reason: "intake-incomplete", missing: claim.missing };
    case "done":
      deps.log.info("handover already requested", { status: claim.record.status });
      return { handover: "requested" };
    case "busy":
      return awaitOutcome(deps, chatId);
    case "claimed":
      return send(deps, claim.record, claimId);
  }
}

async function send(deps: HandoverDeps, record: ChatRecord, claimId: string): Promise<HandoverAnswer> {
  const request = handoverMutation(record.chatId, deps.adapters, {
    name: record.name!,
    email: record.email!,
    referrer: record.referrer ?? deps.defaultReferrer,
    keywords: record.keywords,
  });
  const result = await deps.routing.requestMutation(request);
  const outcome = result.ok ? ({ ok: true } as const) : ({ ok: false, reason: result.reason } as const);
  try {
    const settled = await deps.store.settleHandover(record.chatId, claimId, outcome, deps.now());
    if (!settled) deps.log.warn("handover claim was taken over before it settled", { ok: result.ok });
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    // CM has the answer already; the claim's lease ends on its own and the caller learns the truth.
    deps.log.error("could not record handover outcome", { ok: result.ok, error: error.message });
  }
  if (result.ok) {
    deps.metrics.count("HandoverRequested");
    deps.log.info("handover requested", { attempts: result.attempts, status: result.status });
    return { handover: "requested" };
  }
  deps.metrics.count("HandoverFailed", result.reason);
  deps.log.warn("handover failed", { reason: result.reason, status: result.status, attempts: result.attempts });
  return { handover: "failed", reason: result.reason };
}

async function awaitOutcome(deps: HandoverDeps, chatId: string): Promise<HandoverAnswer> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const until = Date.now() + (deps.waitMs ?? CLAIM_LEASE_SECONDS * 1000);
  while (Date.now() < until) {
    await sleep(OUTCOME_POLL_MS);
    const record = await deps.store.get(chatId, deps.now());
    if (record === undefined || record.status === "requesting") continue;
    if (record.status === "requested" || record.status === "handed_over") return { handover: "requested" };
    if (record.status === "failed")
      return { handover: "failed", reason: record.failureReason ?? "routing-unavailable" };
    break;
  }
  deps.log.warn("handover still in progress after waiting");
  return { handover: "failed", reason: "in-progress" };
}
