import type { IntakeField } from "./config";

/**
 * A chat's intake state. `ready` is not stored: it is `collecting` (or `started`) with every
 * required field present, derived by `chatStatus` so no extra write is needed to reach it.
 * `requesting` is the short-lived claim while the mutation request is in flight.
 * States and transitions: docs/design.md#chat-states.
 */
export const STORED_STATUSES = [
  "started",
  "collecting",
  "unavailable",
  "requesting",
  "requested",
  "failed",
  "handed_over",
  "handing_back",
  "handed_back",
  "ended",
] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export type ChatStatus = StoredStatus | "ready";

/** Statuses in which a handover (or its hand-back) is under way or done: intake never resets them. */
export const HANDOVER_ACTIVE: readonly StoredStatus[] = ["requesting", "requested", "handed_over", "handing_back"];

/** Statuses a chat may be handed back to the bot from. */
export const HANDED_OVER: readonly StoredStatus[] = ["requested", "handed_over"];

export const PERSONAL_FIELDS = ["email", "name", "message"] as const satisfies readonly IntakeField[];

/** How a handover reaches an agent: a live chat, or a message answered later while nobody is online. */
export type HandoverMode = "live" | "message";

/**
 * Every value a visitor or a dialog supplied that a chat's item keeps: erase and the Router's session
 * end remove all of them (a page URL can carry an e-mail address in its query). A new field of that
 * kind belongs here, and erasing covers it.
 */
export const SUPPLIED_FIELDS = [
  ...PERSONAL_FIELDS,
  "referrer",
  "keywords",
  "reason",
  "skill",
  "culture",
] as const satisfies readonly (keyof ChatRecord)[];

/** History is bounded so a chat that loops (offline, retry, fail) cannot grow its item without end. */
export const HISTORY_LIMIT = 25;

export interface HistoryEntry {
  at: string;
  status: StoredStatus;
  detail?: string;
}

export interface PresenceRecord {
  agentStatus: "online" | "offline";
  reason: string;
  at: string;
}

/** `erased`: CM deleted it; `not-found`: CM had none (404); `failed`: CM could not be reached or refused. */
export interface CmHistoryRecord {
  status: "erased" | "not-found" | "failed";
  at: string;
}

export interface ChatRecord {
  chatId: string;
  status: StoredStatus;
  email?: string;
  name?: string;
  /** The visitor's question, left for an agent. */
  message?: string;
  emailAttempts?: number;
  nameAttempts?: number;
  messageAttempts?: number;
  /** Set by every handover claim. */
  mode?: HandoverMode;
  presence?: PresenceRecord;
  referrer?: string;
  keywords?: string;
  /** The dialog's reason for the handover and its skill (routing keyword), and the visitor's culture tag. */
  reason?: string;
  skill?: string;
  culture?: string;
  /** The Conversational Router's session id, from its Handover Endpoint call: not personal, kept after erase. */
  routerSessionId?: string;
  /** What became of the session's history at CM (ERASE_CM_HISTORY). */
  cmHistory?: CmHistoryRecord;
  failureReason?: string;
  claimId?: string;
  claimExpiresAt?: number;
  /** While handing back: the status to return to if the hand-back fails. */
  handbackFrom?: StoredStatus;
  handbackFailureReason?: string;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
  requestedAt?: string;
  handedOverAt?: string;
  handedBackAt?: string;
  endedAt?: string;
  erasedAt?: string;
  /** Epoch seconds; DynamoDB's TTL attribute. */
  expiresAt: number;
}

export function missingFields(record: ChatRecord | undefined, required: readonly IntakeField[]): IntakeField[] {
  return required.filter((field) => record?.[field] === undefined);
}

export function chatStatus(record: ChatRecord, required: readonly IntakeField[]): ChatStatus {
  const intake = record.status === "started" || record.status === "collecting";
  return intake && missingFields(record, required).length === 0 ? "ready" : record.status;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

export function maskName(name: string): string {
  return name
    .split(" ")
    .map((part) => `${Array.from(part)[0] ?? ""}***`)
    .join(" ");
}

/** A left message shows only its length: free text may hold anything personal. */
export function maskMessage(message: string): string {
  return `[${Array.from(message).length} characters]`;
}

/** Seconds a `requested` handover has waited for the Router's confirmation; null in any other status. */
export function waitingSeconds(record: ChatRecord, now: Date): number | null {
  if (record.status !== "requested" || record.requestedAt === undefined) return null;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(record.requestedAt)) / 1000));
}

/** What an operator or a polling page may see of a chat: no personal data in clear. */
export function chatView(record: ChatRecord, required: readonly IntakeField[], now: Date) {
  return {
    chatId: record.chatId,
    status: chatStatus(record, required),
    email: record.email === undefined ? null : maskEmail(record.email),
    name: record.name === undefined ? null : maskName(record.name),
    message: record.message === undefined ? null : maskMessage(record.message),
    missing: missingFields(record, required),
    agentStatus: record.presence?.agentStatus ?? null,
    mode: record.mode ?? null,
    reason: record.reason ?? null,
    skill: record.skill ?? null,
    culture: record.culture ?? null,
    routerSessionId: record.routerSessionId ?? null,
    cmHistoryErased: record.cmHistory === undefined ? null : record.cmHistory.status !== "failed",
    cmHistory: record.cmHistory ?? null,
    failureReason: record.failureReason ?? null,
    handbackFailureReason: record.handbackFailureReason ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    requestedAt: record.requestedAt ?? null,
    waitingSeconds: waitingSeconds(record, now),
    handedOverAt: record.handedOverAt ?? null,
    handedBackAt: record.handedBackAt ?? null,
    endedAt: record.endedAt ?? null,
    erasedAt: record.erasedAt ?? null,
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
    history: record.history,
  };
}
