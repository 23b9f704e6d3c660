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
  "ended",
] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export type ChatStatus = StoredStatus | "ready";

/** Statuses in which a handover is under way or done: intake never resets them. */
export const HANDOVER_ACTIVE: readonly StoredStatus[] = ["requesting", "requested", "handed_over"];

export const PERSONAL_FIELDS = ["email", "name"] as const satisfies readonly IntakeField[];

/**
 * Every value a visitor or a dialog supplied that a chat's item keeps: erase and the Router's session
 * end remove all of them (a page URL can carry an e-mail address in its query). A new field of that
 * kind belongs here, and erasing covers it.
 */
export const SUPPLIED_FIELDS = [
  ...PERSONAL_FIELDS,
  "referrer",
  "keywords",
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

export interface ChatRecord {
  chatId: string;
  status: StoredStatus;
  email?: string;
  name?: string;
  emailAttempts?: number;
  nameAttempts?: number;
  presence?: PresenceRecord;
  referrer?: string;
  keywords?: string;
  failureReason?: string;
  claimId?: string;
  claimExpiresAt?: number;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
  requestedAt?: string;
  handedOverAt?: string;
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

/** What an operator or a polling page may see of a chat: no personal data in clear. */
export function chatView(record: ChatRecord, required: readonly IntakeField[]) {
  return {
    chatId: record.chatId,
    status: chatStatus(record, required),
    email: record.email === undefined ? null : maskEmail(record.email),
    name: record.name === undefined ? null : maskName(record.name),
    missing: missingFields(record, required),
    agentStatus: record.presence?.agentStatus ?? null,
    failureReason: record.failureReason ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    requestedAt: record.requestedAt ?? null,
    handedOverAt: record.handedOverAt ?? null,
    endedAt: record.endedAt ?? null,
    erasedAt: record.erasedAt ?? null,
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
    history: record.history,
  };
}
