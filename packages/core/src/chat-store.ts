import type { ChatRecord, CmHistoryRecord, HandoverMode, PresenceRecord, StoredStatus } from "./chat";
import type { IntakeField } from "./config";
import type { HandoverDetails } from "./handover-details";

export type HandoverClaim =
  | { outcome: "claimed"; record: ChatRecord }
  /** Another caller holds a live claim and is talking to CM right now. */
  | { outcome: "busy"; record: ChatRecord }
  /** A handover was already requested or confirmed for this chat. */
  | { outcome: "done"; record: ChatRecord }
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
  /** Already handed back. */
  | { outcome: "done"; record: ChatRecord }
  /** Never handed over (or ended): nothing to hand back. */
  | { outcome: "not-handed-over"; record: ChatRecord | undefined };

/** Values the bot already knew, validated: stored beside the write they came with. */
export type KnownFieldValues = Partial<Record<IntakeField, string>>;

/**
 * The chat store port: one record per chat, every change a single conditional write,
 * expired records read and written as if absent (what each write guards against: docs/design.md#write-conditions).
 */
export interface ChatStore {
  get(chatId: string, now: Date): Promise<ChatRecord | undefined>;
  /** Starts intake unless a handover is under way or done; `started` says which. Known values are stored either way. */
  startIntake(
    chatId: string,
    now: Date,
    known?: KnownFieldValues,
    details?: HandoverDetails,
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
  settleHandover(
    chatId: string,
    claimId: string,
    outcome: { ok: true } | { ok: false; reason: string },
    now: Date,
  ): Promise<boolean>;
  /** Marks the chat handed over, keeping the Router's session id when given. */
  confirmHandover(chatId: string, now: Date, routerSessionId?: string): Promise<"confirmed" | "already" | "unknown">;
  /** Claims a handed-over chat for its hand-back to the bot (docs/no-dead-ends.md). */
  claimHandback(chatId: string, claim: { claimId: string; leaseSeconds: number }, now: Date): Promise<HandbackClaim>;
  /** Records the hand-back's outcome: `handed_back`, or back to the status it came from; false when no longer ours. */
  settleHandback(
    chatId: string,
    claim: { claimId: string; from: StoredStatus },
    outcome: { ok: true } | { ok: false; reason: string },
    now: Date,
  ): Promise<boolean>;
  endSession(chatId: string, now: Date): Promise<"ended" | "already" | "unknown">;
  /** Removes every value a visitor or dialog supplied (`SUPPLIED_FIELDS`); status and history stay for the funnel; the expiry is not extended. */
  erase(chatId: string, now: Date): Promise<boolean>;
  /** Records what became of the session's history at CM; the expiry is not extended. */
  recordCmHistory(chatId: string, outcome: CmHistoryRecord["status"], now: Date): Promise<void>;
}
