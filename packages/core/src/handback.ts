import { randomUUID } from "node:crypto";
import type { ChatRecord, StoredStatus } from "./chat";
import type { ChatStore } from "./chat-store";
import { StoreUnavailableError } from "./errors";
import { CLAIM_LEASE_SECONDS } from "./handover";
import type { Log, Metrics } from "./metrics";
import { type Adapters, handbackMutation, type RoutingClient } from "./routing";

export type HandbackAnswer =
  | { handback: "requested" }
  /** `status` is the chat's status when it was never handed over (null for an unknown chat). */
  | { handback: "failed"; reason: string; status?: StoredStatus | null };

const POLL_MS = 200;

export interface HandbackDeps {
  store: Pick<ChatStore, "get" | "claimHandback" | "settleHandback">;
  routing: Pick<RoutingClient, "requestMutation">;
  metrics: Metrics;
  log: Log;
  adapters: Adapters;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long a concurrent duplicate waits for the first caller's outcome. */
  waitMs?: number;
}

/**
 * Hands a handed-over chat back to the bot exactly once, by the same protocol as the handover
 * (claim, one mutation request with the same retries, settle; docs/no-dead-ends.md): the reverse
 * rule mutation. Repeats answer `requested`; a failed hand-back leaves the chat with the agent
 * and may be tried again; a chat that was never handed over is refused without calling CM.
 */
export async function requestHandback(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const claimId = randomUUID();
  const claim = await deps.store.claimHandback(chatId, { claimId, leaseSeconds: CLAIM_LEASE_SECONDS }, deps.now());
  switch (claim.outcome) {
    case "not-handed-over": {
      const status = claim.record?.status ?? null;
      deps.metrics.count("HandbackFailed", "not-handed-over");
      deps.log.info("hand-back refused: not handed over", { status });
      return { handback: "failed", reason: "not-handed-over", status };
    }
    case "done":
      deps.log.info("hand-back already done");
      return { handback: "requested" };
    case "busy":
      return awaitOutcome(deps, chatId);
    case "claimed":
      return send(deps, claim.record, claimId);
  }
}

async function send(
  deps: HandbackDeps,
  record: ChatRecord & { handbackFrom: StoredStatus },
  claimId: string,
): Promise<HandbackAnswer> {
  const result = await deps.routing.requestMutation(handbackMutation(record.chatId, deps.adapters));
  const outcome = result.ok ? ({ ok: true } as const) : ({ ok: false, reason: result.reason } as const);
  try {
    const settled = await deps.store.settleHandback(
      record.chatId,
      { claimId, from: record.handbackFrom },
      outcome,
      deps.now(),
    );
    if (!settled) deps.log.warn("hand-back claim was taken over before it settled", { ok: result.ok });
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    // CM has the answer already; the claim's lease ends on its own and a repeat learns the truth.
    deps.log.error("could not record hand-back outcome", { ok: result.ok, error: error.message });
  }
  if (result.ok) {
    deps.metrics.count("HandedBack");
    deps.log.info("handed back to the bot", { attempts: result.attempts, status: result.status });
    return { handback: "requested" };
  }
  deps.metrics.count("HandbackFailed", result.reason);
  deps.log.warn("hand-back failed", { reason: result.reason, status: result.status, attempts: result.attempts });
  return { handback: "failed", reason: result.reason };
}

async function awaitOutcome(deps: HandbackDeps, chatId: string): Promise<HandbackAnswer> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const until = Date.now() + (deps.waitMs ?? CLAIM_LEASE_SECONDS * 1000);
  while (Date.now() < until) {
    await sleep(POLL_MS);
    const record = await deps.store.get(chatId, deps.now());
    if (record?.status === "handing_back") continue;
    if (record?.status === "handed_back") return { handback: "requested" };
    if (record?.handbackFailureReason) return { handback: "failed", reason: record.handbackFailureReason };
    break;
  }
  deps.log.warn("hand-back still in progress after waiting");
  return { handback: "failed", reason: "in-progress" };
}
