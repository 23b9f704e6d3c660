import type { IntakeField } from "../config/config";
import type { HandoverDetails } from "../handover/handover-details";
import type { ChatRecord, CmHistoryRecord, HandoverMode, PresenceRecord, StoredStatus } from "./chat";

export type HandoverClaim =
  | { outcome: "claimed"; record: ChatRecord }
  /** Another caller holds a live claim and is talking to CM right now. */
  | { outcome: "busy"; record: ChatRecord }
  /** A handover was already requested, confirmed or left unconfirmed in this run (`requested`, `handed_over`, `unconfirmed`, or a lapsed claim). */
  | { outcome: "done"; record: ChatRecord }
  /** The run is over (handed back, ended or erased): only a new run (`POST /caic/events`) may claim again. */
  | { outcome: "closed"; record: ChatRecord }
  /** A round failed less than a back-off period ago (in this run or the one before): no new round yet. */
  | { outcome: "backoff"; record: ChatRecord }
  | { outcome: "incomplete"; missing: IntakeField[] }
  /** A live claim found the chat's last availability a real offline (presence or closed). */
  | { outcome: "offline"; record: ChatRecord };

export interface ClaimRequest {
  claimId: string;
  leaseSeconds: number;
  required: readonly IntakeField[];
  referrer?: string;
  keywords?: string;
  /** The dialog's reason and skill and the visitor's culture, when this call gave them. */
  details?: HandoverDetails;
  /** `live` (the default) refuses a chat whose last availability was a real offline; `message` takes it. */
  mode?: HandoverMode;
}

export type HandbackClaim =
  | { outcome: "claimed"; record: ChatRecord & { handbackFrom: StoredStatus } }
  /** Another caller is handing this chat back right now. */
  | { outcome: "busy"; record: ChatRecord }
  /** Already handed back, or a hand-back whose claim lapsed (it counts as unconfirmed, never re-sent). */
  | { outcome: "done"; record: ChatRecord }
  /** Never handed over (or ended): nothing to hand back. */
  | { outcome: "not-handed-over"; record: ChatRecord | undefined };

/** What a claimer learnt from CM: accepted, refused or not reached (`failed`), or its answer lost (`unconfirmed`). */
export type SettleOutcome =
  | { ok: true }
  | { ok: false; reason: string; unconfirmed?: false; retryAfterSeconds?: number }
  | { ok: false; reason: string; unconfirmed: true };

/** Values the bot already knew, validated: stored beside the write they came with. */
export type KnownFieldValues = Partial<Record<IntakeField, string>>;

/**
 * The chat store port: one record per chat, every change a single conditional write,
 * expired records read and written as if absent (what each write guards against: docs/design.md#write-conditions).
 */
export interface ChatStore {
  get(chatId: string, now: Date): Promise<ChatRecord | undefined>;
  /**
   * Starts a new run (docs/design.md#runs) unless this is a retry: the run began less than `retryWindowSeconds`
   * ago and is still in flight or unconfirmed. `started` says which. Known values are stored either way.
   */
  startIntake(
    chatId: string,
    now: Date,
    known?: KnownFieldValues,
    details?: HandoverDetails,
    retryWindowSeconds?: number,
  ): Promise<{ started: boolean; record: ChatRecord }>;
  recordPresence(chatId: string, presence: PresenceRecord, referrer: string | undefined, now: Date): Promise<void>;
  recordValue(
    chatId: string,
    field: IntakeField,
    value: string,
    now: Date,
    known?: KnownFieldValues,
  ): Promise<ChatRecord>;
  recordInvalidAttempt(chatId: string, field: IntakeField, now: Date, known?: KnownFieldValues): Promise<ChatRecord>;
  claimHandover(chatId: string, claim: ClaimRequest, now: Date): Promise<HandoverClaim>;
  /** Records the outcome of the claimed request; false when the claim was no longer ours. */
  settleHandover(chatId: string, claimId: string, outcome: SettleOutcome, now: Date): Promise<boolean>;
  /**
   * The Router's confirmation, keeping the Router's session id when given: `confirmed` only while this
   * run's handover request is outstanding (`requesting`, `requested`, `unconfirmed`); `already` for a
   * repeat while handed over (same or unknown session); `stale` otherwise (a notification of an earlier
   * run, or after a hand-back or an end): such a notification changes nothing and is not forwarded.
   */
  confirmHandover(
    chatId: string,
    now: Date,
    routerSessionId?: string,
  ): Promise<"confirmed" | "already" | "stale" | "unknown">;
  /** Keeps the session id a session end carried, only for a chat whose handover this run asked for and that has none. */
  recordRouterSession(chatId: string, routerSessionId: string, now: Date): Promise<boolean>;
  /** Claims a handed-over chat for its hand-back to the bot (docs/features.md). */
  claimHandback(chatId: string, claim: { claimId: string; leaseSeconds: number }, now: Date): Promise<HandbackClaim>;
  /** Records the hand-back's outcome: `handed_back`, or back to the status it came from; false when no longer ours. */
  settleHandback(
    chatId: string,
    claim: { claimId: string; from: StoredStatus },
    outcome: SettleOutcome,
    now: Date,
  ): Promise<boolean>;
  endSession(chatId: string, now: Date): Promise<"ended" | "already" | "unknown">;
  /** Removes every value a visitor or dialog supplied (`SUPPLIED_FIELDS`); status and history stay for the funnel; the expiry is not extended. */
  erase(chatId: string, now: Date): Promise<boolean>;
  /** Records what became of the session's history at CM; the expiry is not extended. */
  recordCmHistory(chatId: string, outcome: CmHistoryRecord["status"], now: Date, reason?: string): Promise<void>;
}
