import { randomUUID } from "node:crypto";
import { type ChatRecord, leaseLapsed, type StoredStatus } from "../chat/chat";
import type { ChatStore, SettleOutcome } from "../chat/chat-store";
import { type Adapters, handbackMutation, type RoutingClient, type RoutingResult } from "../router/routing";
import type { Log, Metrics } from "../shared/metrics";
import { CLAIM_LEASE_SECONDS, settle } from "./handover";

export type HandbackAnswer =
  /** `unconfirmed`: CM may have acted on the hand-back but its answer was lost; never re-sent. */
  | { handback: "requested"; unconfirmed?: true }
  /** `status` is the chat's status when it was never handed over (null for an unknown chat). */
  | { handback: "failed"; reason: string; status?: StoredStatus | null };

const POLL_MS = 200;

export interface HandbackDeps {
  store: Pick<ChatStore, "get" | "claimHandback" | "settleHandback">;
  routing: { requestMutation: RoutingClient["requestMutation"] };
  metrics: Metrics;
  log: Log;
  adapters: Adapters;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long a concurrent duplicate waits for the first caller's outcome. */
  waitMs?: number;
  /** The claim's lease (tests set it short). */
  leaseSeconds?: number;
}

/**
 * Hands a handed-over chat back to the bot exactly once, by the same protocol as the handover
 * (claim, one mutation request with the same retries, settle; docs/features.md): the reverse
 * rule mutation. Repeats answer `requested`; a failed hand-back leaves the chat with the agent
 * and may be tried again; a chat that was never handed over is refused without calling CM.
 */
export async function requestHandback(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const claimId = randomUUID();
  const leaseSeconds = deps.leaseSeconds ?? CLAIM_LEASE_SECONDS;
  const leaseEndsMs = Date.now() + leaseSeconds * 1000;
  const claim = await deps.store.claimHandback(chatId, { claimId, leaseSeconds }, deps.now());
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
      return awaitOutcome(deps, chatId);
    case "claimed":
      return send(deps, claim.record, claimId, leaseEndsMs);
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
  claimId: string,
  leaseEndsMs: number,
): Promise<HandbackAnswer> {
  const budgetMs = leaseEndsMs - Date.now() - 1000;
  const result: RoutingResult =
    budgetMs > 0
      ? await deps.routing.requestMutation(handbackMutation(record.chatId, deps.adapters), { budgetMs })
      : { ok: false, reason: "routing-unavailable", attempts: 0 };
  const outcome: SettleOutcome = result.ok
    ? { ok: true }
    : result.reason === "routing-unconfirmed"
      ? { ok: false, reason: result.detail ?? "unknown", unconfirmed: true }
      : { ok: false, reason: result.reason };
  await settle(
    deps,
    () => deps.store.settleHandback(record.chatId, { claimId, from: record.handbackFrom }, outcome, deps.now()),
    result.ok,
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

async function awaitOutcome(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const until = Date.now() + (deps.waitMs ?? ((deps.leaseSeconds ?? CLAIM_LEASE_SECONDS) + 1) * 1000);
  while (Date.now() < until) {
    await sleep(POLL_MS);
    const record = await deps.store.get(chatId, deps.now());
    if (record?.status === "handing_back") {
      if (leaseLapsed(record, deps.now())) return { handback: "requested", unconfirmed: true };
      continue;
    }
    if (record?.status === "handed_back") return doneAnswer(record, deps.now());
    if (record?.handbackFailureReason) return { handback: "failed", reason: record.handbackFailureReason };
    break;
  }
  deps.log.warn("hand-back still in progress after waiting");
  return { handback: "failed", reason: "in-progress" };
}
