import { type ChatRecord, leaseLapsed, type StoredStatus } from "../chat/chat";
import type { ChatStore } from "../chat/chat-store";
import { type Adapters, handbackMutation } from "../router/routing";
import type { Metrics } from "../shared/metrics";
import { awaitOutcome, type Claim, type ClaimDeps, claimWrite, newClaim, sendClaimed } from "./claim";

export type HandbackAnswer =
  /** `unconfirmed`: CM may have acted on the hand-back but its answer was lost; never re-sent. */
  | { handback: "requested"; unconfirmed?: true }
  /** `status` is the chat's status when it was never handed over (null for an unknown chat). */
  | { handback: "failed"; reason: string; status?: StoredStatus | null };

export interface HandbackDeps extends ClaimDeps {
  store: Pick<ChatStore, "get" | "claimHandback" | "settleHandback">;
  metrics: Metrics;
  adapters: Adapters;
}

/**
 * Hands a handed-over chat back to the bot exactly once, by the handover's claim protocol
 * (./claim.ts: claim, one mutation request with the same retries, settle; docs/features.md): the
 * reverse rule mutation. A claim write whose answer is lost is read back, and the claimer recognises its
 * own claim by its id (else the call fails, nothing sent). Repeats answer `requested`; a failed
 * hand-back leaves the chat with the agent and may be tried again; a chat that was never handed over is refused without calling CM.
 */
export async function requestHandback(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const own = newClaim(deps);
  const claim = await claimWrite(
    deps,
    chatId,
    () => deps.store.claimHandback(chatId, { claimId: own.id, leaseSeconds: own.leaseSeconds }, deps.now()),
    (record) =>
      record.status === "handing_back" && record.claimId === own.id && record.handbackFrom !== undefined
        ? { outcome: "claimed" as const, record: { ...record, handbackFrom: record.handbackFrom } }
        : undefined,
  );
  switch (claim.outcome) {
    case "not-handed-over": {
      const status = claim.record?.status ?? null;
      deps.metrics.count("HandbackFailed", "not-handed-over");
      deps.log.info("hand-back refused: not handed over", { status });
      return { handback: "failed", reason: "not-handed-over", status };
    }
    case "done":
      deps.log.info("hand-back already done");
      return doneAnswer(claim.record, deps.now());
    case "busy":
      return awaitHandback(deps, chatId);
    case "claimed":
      return send(deps, claim.record, own);
  }
}

/** Handed back, or unconfirmed: its answer was lost, or its claim lapsed (never taken over). */
function doneAnswer(record: ChatRecord, now: Date): HandbackAnswer {
  const unconfirmed = record.handbackUnconfirmed === true || leaseLapsed(record, now);
  return unconfirmed ? { handback: "requested", unconfirmed: true } : { handback: "requested" };
}

async function send(
  deps: HandbackDeps,
  record: ChatRecord & { handbackFrom: StoredStatus },
  claim: Claim,
): Promise<HandbackAnswer> {
  const result = await sendClaimed(deps, claim, handbackMutation(record.chatId, deps.adapters), (outcome) =>
    deps.store.settleHandback(record.chatId, { claimId: claim.id, from: record.handbackFrom }, outcome, deps.now()),
  );
  if (result.ok) {
    deps.metrics.count("HandedBack");
    deps.log.info("handed back to the bot", { attempts: result.attempts, status: result.status });
    return { handback: "requested" };
  }
  if (result.reason === "routing-unconfirmed") {
    deps.metrics.count("HandbackUnconfirmed");
    deps.log.warn("hand-back unconfirmed: CM's answer was lost, not re-sent", { detail: result.detail });
    return { handback: "requested", unconfirmed: true };
  }
  deps.metrics.count("HandbackFailed", result.reason);
  deps.log.warn("hand-back failed", { reason: result.reason, status: result.status, attempts: result.attempts });
  return { handback: "failed", reason: result.reason };
}

/** A concurrent duplicate's answer: the claimer's outcome, or `in-progress` when none was read in time. */
async function awaitHandback(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const { record, over } = await awaitOutcome(
    deps,
    chatId,
    (record) => record?.status !== "handing_back" || leaseLapsed(record, deps.now()),
  );
  if (over) {
    // Still handing back once the wait is over: its lease lapsed (never taken over).
    if (record?.status === "handing_back") return { handback: "requested", unconfirmed: true };
    if (record?.status === "handed_back") return doneAnswer(record, deps.now());
    if (record?.handbackFailureReason) return { handback: "failed", reason: record.handbackFailureReason };
  }
  deps.log.warn("hand-back still in progress after waiting");
  return { handback: "failed", reason: "in-progress" };
}
