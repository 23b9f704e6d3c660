import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import type { ChatRecord, HandoverMode } from "./chat";
import type { ChatStore, HandoverClaim } from "./chat-store";
import type { IntakeField, OfflineHandover } from "./config";
import { StoreUnavailableError } from "./errors";
import type { HandoverDetails } from "./handover-details";
import { optionalText } from "./input";
import type { Log, Metrics } from "./metrics";
import { type Adapters, handoverMutation, type RoutingClient } from "./routing";

export const HandoverRequestSchema = z.object({
  referrer: optionalText(2048),
  keywords: optionalText(512),
});
export type HandoverRequest = z.infer<typeof HandoverRequestSchema>;

/** `mode` only for a message left while nobody was online, so the bot can say how the visitor hears back. */
export type HandoverAnswer =
  | { handover: "requested"; mode?: "message" }
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
  /** What a handover does while the chat's last availability was a real offline (OFFLINE_HANDOVER). */
  offlineHandover: OfflineHandover;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long a concurrent duplicate waits for the first caller's outcome. */
  waitMs?: number;
}

/**
 * Hands the chat to a live agent exactly once: one caller claims the chat with a conditional
 * write and sends the mutation request; concurrent duplicates wait for that outcome; later
 * repeats get the same `requested`. A failed handover may be tried again.
 *
 * While the chat's last availability was a real offline, the live claim is refused: the answer is
 * `agents-offline`, or with OFFLINE_HANDOVER=message the chat is claimed again as a message, which
 * also needs an e-mail address (an agent answers by e-mail). Presence errors never block.
 *
 * The protocol, its timing and its known gaps: docs/design.md#exactly-once-handover.
 */
export async function requestHandover(
  deps: HandoverDeps,
  chatId: string,
  request: HandoverRequest,
  details: HandoverDetails = {},
): Promise<HandoverAnswer> {
  const claimId = randomUUID();
  const claimAs = (mode: HandoverMode) =>
    deps.store.claimHandover(
      chatId,
      {
        claimId,
        leaseSeconds: CLAIM_LEASE_SECONDS,
        required: requiredFor(mode, deps.required),
        mode,
        ...(request.referrer === undefined ? {} : { referrer: request.referrer }),
        ...(request.keywords === undefined ? {} : { keywords: request.keywords }),
        ...(Object.keys(details).length === 0 ? {} : { details }),
      },
      deps.now(),
    );
  let claim: HandoverClaim = await claimAs("live");
  if (claim.outcome === "offline" && deps.offlineHandover === "message") claim = await claimAs("message");

  switch (claim.outcome) {
    case "offline":
      deps.metrics.count("HandoverFailed", "agents-offline");
      deps.log.info("handover refused: agents offline", { reason: claim.record.presence?.reason });
      return { handover: "failed", reason: "agents-offline" };
    case "incomplete":
      return incomplete(deps, claim.missing);
    case "done":
      deps.log.info("handover already requested", { status: claim.record.status });
      return requested(claim.record);
    case "busy":
      return awaitOutcome(deps, chatId);
    case "claimed":
      return send(deps, claim.record, claimId);
  }
}

/**
 * A message is the visitor's question, answered by e-mail: that mode needs both whatever
 * INTAKE_REQUIRED_FIELDS says.
 */
export function requiredFor(mode: HandoverMode, required: readonly IntakeField[]): IntakeField[] {
  if (mode !== "message") return [...required];
  return [...required, ...(["email", "message"] as const).filter((field) => !required.includes(field))];
}

function incomplete(deps: HandoverDeps, missing: IntakeField[]): HandoverAnswer {
  deps.metrics.count("HandoverFailed", "intake-incomplete");
  deps.log.info("handover refused: intake incomplete", { missing });
  return { handover: "failed", reason: "intake-incomplete", missing };
}

const requested = (record: Pick<ChatRecord, "mode">): HandoverAnswer =>
  record.mode === "message" ? { handover: "requested", mode: "message" } : { handover: "requested" };

async function send(deps: HandoverDeps, record: ChatRecord, claimId: string): Promise<HandoverAnswer> {
  const request = handoverMutation(record.chatId, deps.adapters, {
    name: record.name!,
    email: record.email!,
    referrer: record.referrer ?? deps.defaultReferrer,
    keywords: record.keywords,
    message: record.message,
    reason: record.reason,
    skill: record.skill,
    culture: record.culture,
    ...(record.mode === "message" ? { mode: "message" as const } : {}),
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
    deps.metrics.count(record.mode === "message" ? "MessageLeft" : "HandoverRequested");
    deps.log.info("handover requested", { mode: record.mode, attempts: result.attempts, status: result.status });
    return requested(record);
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
    if (record.status === "requested" || record.status === "handed_over") return requested(record);
    if (record.status === "failed")
      return { handover: "failed", reason: record.failureReason ?? "routing-unavailable" };
    break;
  }
  deps.log.warn("handover still in progress after waiting");
  return { handover: "failed", reason: "in-progress" };
}
