import type { IntakeField } from "../config/config";

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
  /** CM may have acted on the request but its answer was lost: never re-sent in this run (docs/design.md#runs). */
  "unconfirmed",
  "failed",
  "handed_over",
  "handing_back",
  "handed_back",
  "ended",
] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export type ChatStatus = StoredStatus | "ready";

/**
 * Statuses in which this run's handover (or its hand-back) is under way or done: intake never resets
 * them, and only a new run (`POST /caic/events`) leaves them (docs/design.md#runs).
 */
export const HANDOVER_ACTIVE: readonly StoredStatus[] = [
  "requesting",
  "requested",
  "unconfirmed",
  "handed_over",
  "handing_back",
  "handed_back",
];

/** Statuses a chat may be handed back to the bot from (CM may have acted on an unconfirmed request). */
export const HANDED_OVER: readonly StoredStatus[] = ["requested", "unconfirmed", "handed_over"];

/**
 * Statuses in which a `POST /caic/events` within the retry window is a retry of the run, not a new run:
 * in flight, unconfirmed, or confirmed by the Router less than the window after the run began (a CAIC
 * retry after a fast confirm must not cause a second request; docs/design.md#runs).
 */
export const IN_FLIGHT: readonly StoredStatus[] = [
  "requesting",
  "requested",
  "unconfirmed",
  "handed_over",
  "handing_back",
];

/** Statuses in which a handover request of this run is outstanding: the only ones a Router notification confirms. */
export const OUTSTANDING: readonly StoredStatus[] = ["requesting", "requested", "unconfirmed"];

/** Statuses of a claim (hand-over or hand-back) whose lease, while live, no new run may take over (rule 3). */
export const CLAIMED: readonly StoredStatus[] = ["requesting", "handing_back"];

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

/** `erased`: CM confirmed the deletion; `not-found`: CM answered 404; `failed`: CM could not be reached, refused, or named another chat. */
export interface CmHistoryRecord {
  /** `erased` only when CM confirmed a deletion; `not-found` is CM's 404 (no such session, or a wrong account). */
  status: "erased" | "not-found" | "failed";
  /** Why it failed: `history-rejected`, `history-unavailable`, `other-chat` (CM's read named another chat), `invalid-id`. */
  reason?: string;
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
  /** Epoch seconds the current run started (docs/design.md#runs). */
  runStart?: number;
  /** The last claim's id: kept after settling, so a claimer recognises its own write whatever landed in between. */
  claimId?: string;
  /** Epoch seconds; while `requesting`/`handing_back`, past it the claim counts as unconfirmed. */
  claimExpiresAt?: number;
  /** Epoch seconds before which no handover is claimed again after a failed round, in this run or a new one (one round per back-off). */
  retryAt?: number;
  /** Why CM's answer is unknown (timeout, reset, 5xx, lease ran out); set with status `unconfirmed`. */
  unconfirmedReason?: string;
  /** A hand-back whose answer from CM was lost. */
  handbackUnconfirmed?: boolean;
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

/** A claim whose lease ran out is not in flight any more: its claimer may have sent, so it counts as unconfirmed. */
export function leaseLapsed(record: ChatRecord, now: Date): boolean {
  return (
    (record.status === "requesting" || record.status === "handing_back") &&
    (record.claimExpiresAt ?? 0) < Math.floor(now.getTime() / 1000)
  );
}

export function chatStatus(record: ChatRecord, required: readonly IntakeField[], now?: Date): ChatStatus {
  if (now !== undefined && record.status === "requesting" && leaseLapsed(record, now)) return "unconfirmed";
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
    status: chatStatus(record, required, now),
    /** True while CM's answer to this run's handover (or hand-back) request was lost and the Router has not confirmed it. */
    unconfirmed: chatStatus(record, required, now) === "unconfirmed" || record.handbackUnconfirmed === true,
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
    /** True only when CM confirmed the deletion; `cmHistory.status` says why not (`not-found`, `failed`). */
    cmHistoryErased: record.cmHistory === undefined ? null : record.cmHistory.status === "erased",
    cmHistory: record.cmHistory ?? null,
    failureReason: record.failureReason ?? null,
    unconfirmedReason: record.unconfirmedReason ?? (leaseLapsed(record, now) ? "lease-lapsed" : null),
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
