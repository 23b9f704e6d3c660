import { randomUUID } from "node:crypto";
import { type ChatRecord, CLAIMED, leaseLapsed } from "../chat/chat";
import type { ChatStore, SettleOutcome } from "../chat/chat-store";
import type { MutationRequest, RoutingClient, RoutingResult } from "../router/routing";
import { StoreUnavailableError } from "../shared/errors";
import type { Log } from "../shared/metrics";

/**
 * The claim protocol, the same for the handover and the hand-back (docs/design.md#runs): one caller
 * claims the chat with a conditional write and sends the one mutation request within the claim's
 * lease; it settles CM's answer on the claim, retrying a settle that fails; concurrent duplicates
 * wait for that outcome. A request CM may have acted on is never re-sent: it settles as unconfirmed.
 * Each direction says what its writes are and what its answers mean.
 */

/** How long a claim protects an in-flight request: above the routing budget (docs/design.md#timing). */
export const CLAIM_LEASE_SECONDS = 12;
/** How often a concurrent duplicate reads the chat while it waits for the claimer's outcome. */
export const OUTCOME_POLL_MS = 200;
/** Left of the lease for the settle write after the routing request's budget. */
export const SETTLE_RESERVE_MS = 1000;
/** How long a settle that fails is retried (within the handover function's 25 s). */
export const SETTLE_RETRY_MS = 6000;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ClaimDeps {
  store: Pick<ChatStore, "get">;
  routing: { requestMutation: RoutingClient["requestMutation"] };
  log: Log;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long a concurrent duplicate waits for the first caller's outcome. */
  waitMs?: number;
  /** The claim's lease (tests set it short). */
  leaseSeconds?: number;
}

/** One caller's claim: the id it recognises its own writes by, and when its lease ends. */
export interface Claim {
  id: string;
  leaseSeconds: number;
  leaseEndsMs: number;
}

/** A new claim. Its lease is counted from before the claim write: the routing budget is what is left of it. */
export function newClaim(deps: Pick<ClaimDeps, "leaseSeconds">): Claim {
  const id = randomUUID();
  const leaseSeconds = deps.leaseSeconds ?? CLAIM_LEASE_SECONDS;
  return { id, leaseSeconds, leaseEndsMs: Date.now() + leaseSeconds * 1000 };
}

/**
 * The claim write. When its answer is lost (`StoreUnavailableError`) the claim may have landed:
 * with `ownClaim`, the chat is read back and a claimer recognises its own claim by its id.
 */
export async function claimWrite<T>(
  deps: Pick<ClaimDeps, "store" | "now">,
  chatId: string,
  write: () => Promise<T>,
  ownClaim?: (record: ChatRecord) => T | undefined,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError) || ownClaim === undefined) throw error;
    const record = await deps.store.get(chatId, deps.now());
    const own = record === undefined ? undefined : ownClaim(record);
    if (own !== undefined) return own;
    throw error;
  }
}

/**
 * The claimer's one request, with what is left of the lease less the settle's reserve (none left:
 * not sent, `routing-unavailable`), then its outcome settled on the claim. A request CM may have
 * acted on settles as unconfirmed; a failed one with `retryAfterSeconds` when the direction has a back-off.
 */
export async function sendClaimed(
  deps: Pick<ClaimDeps, "routing" | "log" | "sleep">,
  claim: Claim,
  request: MutationRequest,
  settleWrite: (outcome: SettleOutcome) => Promise<boolean>,
  retryAfterSeconds?: number,
): Promise<RoutingResult> {
  const budgetMs = claim.leaseEndsMs - Date.now() - SETTLE_RESERVE_MS;
  const result: RoutingResult =
    budgetMs > 0
      ? await deps.routing.requestMutation(request, { budgetMs })
      : { ok: false, reason: "routing-unavailable", attempts: 0 };
  const outcome: SettleOutcome = result.ok
    ? { ok: true }
    : result.reason === "routing-unconfirmed"
      ? { ok: false, reason: result.detail ?? "unknown", unconfirmed: true }
      : { ok: false, reason: result.reason, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  await settle(deps, () => settleWrite(outcome), result.ok);
  return result;
}

/** A settle that fails is retried within the function's remaining time (rule 3); CM's answer is already known. */
export async function settle(
  deps: Pick<ClaimDeps, "log" | "sleep">,
  write: () => Promise<boolean>,
  ok: boolean,
): Promise<void> {
  const sleep = deps.sleep ?? wait;
  const until = Date.now() + SETTLE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const settled = await write();
      if (!settled) deps.log.warn("claim was no longer ours when it settled", { ok });
      return;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      if (Date.now() + 250 * attempt >= until) {
        // The claim's lease ends on its own; it then counts as unconfirmed (never re-sent).
        deps.log.error("could not record the outcome", { ok, attempts: attempt, error: error.message });
        return;
      }
      await sleep(250 * attempt);
    }
  }
}

/** Whether a record read while waiting holds the claimer's outcome: no claim in flight, or its lease lapsed. */
export function claimOver(record: ChatRecord, now: Date): boolean {
  return !CLAIMED.includes(record.status) || leaseLapsed(record, now);
}

/**
 * A concurrent duplicate's wait: reads the chat every OUTCOME_POLL_MS until `over` says the record
 * holds the outcome, or the wait ends (by default the lease and a second). The last record read,
 * and whether the wait ended with `over`.
 */
export async function awaitOutcome(
  deps: Pick<ClaimDeps, "store" | "now" | "sleep" | "waitMs" | "leaseSeconds">,
  chatId: string,
  over: (record: ChatRecord | undefined) => boolean,
): Promise<{ record: ChatRecord | undefined; over: boolean }> {
  const sleep = deps.sleep ?? wait;
  const until = Date.now() + (deps.waitMs ?? ((deps.leaseSeconds ?? CLAIM_LEASE_SECONDS) + 1) * 1000);
  let record: ChatRecord | undefined;
  while (Date.now() < until) {
    await sleep(OUTCOME_POLL_MS);
    record = await deps.store.get(chatId, deps.now());
    if (over(record)) return { record, over: true };
  }
  return { record, over: false };
}
