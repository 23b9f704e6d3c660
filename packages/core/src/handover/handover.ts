import * as z from "zod/mini";
import { type ChatRecord, type HandoverMode, leaseLapsed } from "../chat/chat";
import type { ChatStore, HandoverClaim } from "../chat/chat-store";
import type { IntakeField, OfflineHandover } from "../config/config";
import { type Adapters, handoverMutation } from "../router/routing";
import { optionalText } from "../shared/input";
import type { Metrics } from "../shared/metrics";
import { awaitOutcome, type Claim, type ClaimDeps, claimOver, claimWrite, newClaim, sendClaimed } from "./claim";
import type { HandoverDetails } from "./handover-details";

export const HandoverRequestSchema = z.object({
  referrer: optionalText(2048),
  keywords: optionalText(512),
});
export type HandoverRequest = z.infer<typeof HandoverRequestSchema>;

/**
 * `mode` only for a message left while nobody was online, so the bot can say how the visitor hears back;
 * `unconfirmed` when CM may have acted on the request but its answer was lost (docs/design.md#never-resend).
 */
export type HandoverAnswer =
  | { handover: "requested"; mode?: "message"; unconfirmed?: true }
  | { handover: "failed"; reason: string; missing?: IntakeField[] };

/** A failed handover is not claimed again sooner: at most one round of attempts per chat per back-off period. */
export const FAILED_BACKOFF_SECONDS = 10;

export interface HandoverDeps extends ClaimDeps {
  store: Pick<ChatStore, "claimHandover" | "settleHandover" | "get">;
  metrics: Metrics;
  adapters: Adapters;
  required: readonly IntakeField[];
  defaultReferrer: string | undefined;
  /** What a handover does while the chat's last availability was a real offline (OFFLINE_HANDOVER). */
  offlineHandover: OfflineHandover;
}

/**
 * Hands the chat to a live agent at most once per run (docs/design.md#runs), by the claim protocol
 * (./claim.ts): one caller claims the chat and sends the mutation request; concurrent duplicates wait
 * for that outcome; later repeats get the same answer. A request CM may have acted on (timeout, reset, 5xx)
 * is never re-sent in the run: it settles as `unconfirmed` and the dialog hears `requested`.
 * A failed handover may be tried again after its back-off.
 *
 * While the chat's last availability was a real offline, the live claim is refused: the answer is
 * `agents-offline`, or with OFFLINE_HANDOVER=message the chat is claimed again as a message, which
 * also needs an e-mail address (an agent answers by e-mail). Presence errors never block.
 */
export async function requestHandover(
  deps: HandoverDeps,
  chatId: string,
  request: HandoverRequest,
  details: HandoverDetails = {},
): Promise<HandoverAnswer> {
  const own = newClaim(deps);
  const claimAs = (mode: HandoverMode): Promise<HandoverClaim> =>
    claimWrite(
      deps,
      chatId,
      () =>
        deps.store.claimHandover(
          chatId,
          {
            claimId: own.id,
            leaseSeconds: own.leaseSeconds,
            required: requiredFor(mode, deps.required),
            mode,
            ...(request.referrer === undefined ? {} : { referrer: request.referrer }),
            ...(request.keywords === undefined ? {} : { keywords: request.keywords }),
            ...(Object.keys(details).length === 0 ? {} : { details }),
          },
          deps.now(),
        ),
      (record) =>
        record.status === "requesting" && record.claimId === own.id ? { outcome: "claimed", record } : undefined,
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
      return answerOf(claim.record, deps.now());
    case "closed":
      deps.metrics.count("HandoverFailed", "run-closed");
      deps.log.info("handover refused: the run is over", { status: claim.record.status });
      return { handover: "failed", reason: "run-closed" };
    case "backoff":
      deps.log.info("handover failed less than a back-off ago", { reason: claim.record.failureReason });
      return { handover: "failed", reason: claim.record.failureReason ?? "routing-unavailable" };
    case "busy":
      return awaitHandover(deps, chatId);
    case "claimed":
      return send(deps, claim.record, own);
  }
}

/** A handover of this run already requested, confirmed or unconfirmed (a lapsed claim counts as unconfirmed). */
function answerOf(record: ChatRecord, now: Date): HandoverAnswer {
  const base: HandoverAnswer =
    record.mode === "message" ? { handover: "requested", mode: "message" } : { handover: "requested" };
  const unconfirmed = record.status === "unconfirmed" || (record.status === "requesting" && leaseLapsed(record, now));
  return unconfirmed ? { ...base, unconfirmed: true } : base;
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

async function send(deps: HandoverDeps, record: ChatRecord, claim: Claim): Promise<HandoverAnswer> {
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
  const result = await sendClaimed(
    deps,
    claim,
    request,
    (outcome) => deps.store.settleHandover(record.chatId, claim.id, outcome, deps.now()),
    FAILED_BACKOFF_SECONDS,
  );
  if (result.ok) {
    deps.metrics.count(record.mode === "message" ? "MessageLeft" : "HandoverRequested");
    deps.log.info("handover requested", { mode: record.mode, attempts: result.attempts, status: result.status });
    return answerOf({ ...record, status: "requested" }, deps.now());
  }
  if (result.reason === "routing-unconfirmed") {
    deps.metrics.count("HandoverUnconfirmed");
    deps.log.warn("handover unconfirmed: CM's answer was lost, not re-sent", {
      detail: result.detail,
      status: result.status,
    });
    return answerOf({ ...record, status: "unconfirmed" }, deps.now());
  }
  deps.metrics.count("HandoverFailed", result.reason);
  deps.log.warn("handover failed", { reason: result.reason, status: result.status, attempts: result.attempts });
  return { handover: "failed", reason: result.reason };
}

/** A concurrent duplicate's answer: the claimer's outcome, or `in-progress` when none was read in time. */
async function awaitHandover(deps: HandoverDeps, chatId: string): Promise<HandoverAnswer> {
  const { record } = await awaitOutcome(
    deps,
    chatId,
    (record) => record !== undefined && claimOver(record, deps.now()),
  );
  if (record === undefined) {
    deps.log.warn("handover still in progress after waiting");
    return { handover: "failed", reason: "in-progress" };
  }
  switch (record.status) {
    case "requesting":
    case "requested":
    case "unconfirmed":
    case "handed_over":
      return answerOf(record, deps.now());
    case "handing_back":
      // A lapsed hand-back counts as unconfirmed: the chat is, or may be, back with the bot.
      return { handover: "failed", reason: "run-closed" };
    case "failed":
      return { handover: "failed", reason: record.failureReason ?? "routing-unavailable" };
    case "handed_back":
    case "ended":
      return { handover: "failed", reason: "run-closed" };
    default:
      deps.log.warn("handover claim ended without an outcome", { status: record.status });
      return { handover: "failed", reason: "in-progress" };
  }
}
