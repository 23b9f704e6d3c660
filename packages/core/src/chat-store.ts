import type { ChatRecord, PresenceRecord } from "./chat";
import type { IntakeField } from "./config";

export type HandoverClaim =
  | { outcome: "claimed"; record: ChatRecord }
  /** Another caller holds a live claim and is talking to CM right now. */
  | { outcome: "busy"; record: ChatRecord }
  /** A handover was already requested or confirmed for this chat. */
  | { outcome: "done"; record: ChatRecord }
  | { outcome: "incomplete"; missing: IntakeField[] };

export interface ClaimRequest {
  claimId: string;
  leaseSeconds: number;
  required: readonly IntakeField[];
  referrer?: string;
  keywords?: string;
}

/**
 * The chat store port: one record per chat, every change a single conditional write,
 * expired records read and written as if absent (what each write guards against: docs/design.md#write-conditions).
 */
export interface ChatStore {
  get(chatId: string, now: Date): Promise<ChatRecord | undefined>;
  /** Starts intake unless a handover is under way or done; `started` says which. */
  startIntake(chatId: string, now: Date): Promise<{ started: boolean; record: ChatRecord }>;
  recordPresence(chatId: string, presence: PresenceRecord, referrer: string | undefined, now: Date): Promise<void>;
  recordValue(chatId: string, field: IntakeField, value: string, now: Date): Promise<ChatRecord>;
  recordInvalidAttempt(chatId: string, field: IntakeField, now: Date): Promise<ChatRecord>;
  claimHandover(chatId: string, claim: ClaimRequest, now: Date): Promise<HandoverClaim>;
  /** Records the outcome of the claimed request; false when the claim was no longer ours. */
  settleHandover(
    chatId: string,
    claimId: string,
    outcome: { ok: true } | { ok: false; reason: string },
    now: Date,
  ): Promise<boolean>;
  confirmHandover(chatId: string, now: Date): Promise<"confirmed" | "already" | "unknown">;
  endSession(chatId: string, now: Date): Promise<"ended" | "already" | "unknown">;
  /** Removes every value a visitor or dialog supplied (`SUPPLIED_FIELDS`); status and history stay for the funnel; the expiry is not extended. */
  erase(chatId: string, now: Date): Promise<boolean>;
}
