import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  type ChatRecord,
  CLAIMED,
  type CmHistoryRecord,
  HANDED_OVER,
  HANDOVER_ACTIVE,
  HISTORY_LIMIT,
  type HistoryEntry,
  IN_FLIGHT,
  OUTSTANDING,
  PERSONAL_FIELDS,
  type PresenceRecord,
  type StoredStatus,
  SUPPLIED_FIELDS,
} from "../chat/chat";
import type {
  ChatStore,
  ClaimRequest,
  HandbackClaim,
  HandoverClaim,
  KnownFieldValues,
  SettleOutcome,
} from "../chat/chat-store";
import type { IntakeField } from "../config/config";
import type { HandoverDetails } from "../handover/handover-details";
import { StoreUnavailableError } from "../shared/errors";
import type { ChatKey } from "./table";

/** Collects attribute-name and value placeholders for one expression. */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  #count = 0;
  name(attribute: string): string {
    this.names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  }
  value(value: unknown): string {
    const key = `:v${this.#count++}`;
    this.values[key] = value;
    return key;
  }
  statusIn(statuses: readonly StoredStatus[]): string {
    return `${this.name("status")} IN (${statuses.map((s) => this.value(s)).join(", ")})`;
  }
}

interface Change {
  set?: (e: Expression) => string[];
  remove?: (e: Expression) => string[];
  add?: (e: Expression) => string[];
  condition?: (e: Expression) => string;
  /** Status a record gets when this change creates it and does not set one itself. */
  initialStatus?: StoredStatus;
  history?: Omit<HistoryEntry, "at">;
  /** May this change create a missing record? */
  create: boolean;
  /** Leave `expiresAt` as it is: removing data must not make the rest live longer. */
  keepExpiry?: true;
  /** Refuse a closed run (ended or erased): such a write would store data or reopen the chat (rule 5). */
  refuseClosed?: true;
  /** Starts a new run: may clear an erasure's tombstone and renew the expiry. */
  reopens?: true;
}

type Outcome = { ok: true; record: ChatRecord } | { ok: false; old: ChatRecord | undefined };

/** Intake and offline presence never reset a handover under way or done (docs/design.md#write-conditions). */
const ACTIVE_OR_ABSENT = (e: Expression) =>
  `(attribute_not_exists(${e.name("status")}) OR NOT ${e.statusIn(HANDOVER_ACTIVE)})`;

/** The run is closed: the session ended, or the chat was erased (its tombstone `erasedAt` stays until a new run). */
const OPEN = (e: Expression) =>
  `(NOT ${e.name("status")} = ${e.value("ended")} AND attribute_not_exists(${e.name("erasedAt")}))`;
const isClosed = (record: ChatRecord) => record.status === "ended" || record.erasedAt !== undefined;

/** The chat's last availability was a real offline: presence said Offline, or the desk was closed. */
const OFFLINE_REASONS = ["presence", "closed"];
const LAST_SEEN_OFFLINE = (e: Expression) =>
  `(${e.name("presence")}.${e.name("agentStatus")} = ${e.value("offline")} AND ${e.name("presence")}.${e.name(
    "reason",
  )} IN (${OFFLINE_REASONS.map((reason) => e.value(reason)).join(", ")}))`;
const seenOffline = (record: ChatRecord) =>
  record.presence?.agentStatus === "offline" && OFFLINE_REASONS.includes(record.presence.reason);

/**
 * A new run starts without the previous run's claim, outcome, timestamps and erasure tombstone. The last
 * failed round's `retryAt` and `failureReason` stay: the back-off holds across runs (rule 4).
 */
const RUN_FIELDS = [
  "claimId",
  "claimExpiresAt",
  "unconfirmedReason",
  "handbackFrom",
  "handbackFailureReason",
  "handbackUnconfirmed",
  "requestedAt",
  "handedOverAt",
  "handedBackAt",
  "endedAt",
  "erasedAt",
] as const;

/** Each known value set, with its attempt counter reset, as a valid answer to its step would. */
const setKnown = (known: KnownFieldValues | undefined) => (e: Expression) =>
  Object.entries(known ?? {}).flatMap(([field, value]) => [
    `${e.name(field)} = ${e.value(value)}`,
    `${e.name(`${field}Attempts`)} = ${e.value(0)}`,
  ]);

/** Each detail the call gave set (latest wins); absent ones keep what was recorded. */
const setDetails = (details: HandoverDetails | undefined) => (e: Expression) =>
  Object.entries(details ?? {}).map(([field, value]) => `${e.name(field)} = ${e.value(value)}`);

export interface DynamoDbChatStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  ttlHours: number;
}

/** Every change one conditional UpdateItem; each write's condition and what it guards against: docs/design.md#write-conditions. */
export class DynamoDbChatStore implements ChatStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;

  constructor(options: DynamoDbChatStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#ttlSeconds = options.ttlHours * 3600;
  }

  async get(chatId: string, now: Date): Promise<ChatRecord | undefined> {
    const { Item } = await this.#send(() =>
      this.#client.send(
        new GetCommand({ TableName: this.#table, Key: { chatId } satisfies ChatKey, ConsistentRead: true }),
      ),
    );
    const record = Item as ChatRecord | undefined;
    return record && record.expiresAt > epochSeconds(now) ? record : undefined;
  }

  /** A new run (docs/design.md#runs) unless the run in flight began less than the retry window ago. */
  async startIntake(
    chatId: string,
    now: Date,
    known?: KnownFieldValues,
    details?: HandoverDetails,
    retryWindowSeconds = 120,
  ) {
    const knownFields = Object.keys(known ?? {});
    const given = knownFields.length + Object.keys(details ?? {}).length;
    const nowSec = epochSeconds(now);
    const outcome = await this.#change(chatId, now, {
      create: true,
      reopens: true,
      // A retry of the run in flight (or confirmed) within the window, or a claim whose lease is live (rule 3).
      condition: (e) =>
        `NOT (${e.statusIn(IN_FLIGHT)} AND ${e.name("runStart")} > ${e.value(nowSec - retryWindowSeconds)}) AND NOT (${e.statusIn(
          CLAIMED,
        )} AND ${e.name("claimExpiresAt")} >= ${e.value(nowSec)})`,
      set: (e) => [
        `${e.name("status")} = ${e.value("started")}`,
        `${e.name("runStart")} = ${e.value(nowSec)}`,
        ...setKnown(known)(e),
        ...setDetails(details)(e),
      ],
      remove: (e) => [
        ...RUN_FIELDS.map((field) => e.name(field)),
        ...PERSONAL_FIELDS.filter((field) => !knownFields.includes(field)).map((field) => e.name(`${field}Attempts`)),
      ],
      history: { status: "started", ...(knownFields.length > 0 ? { detail: `known ${knownFields.join(",")}` } : {}) },
    });
    if (outcome.ok) return { started: true, record: outcome.record };
    // A retry of the run in flight: its status stays, the known values and details are kept (latest wins).
    if (given === 0) return { started: false, record: outcome.old! };
    const set = (e: Expression) => [...setKnown(known)(e), ...setDetails(details)(e)];
    const kept = await this.#change(chatId, now, { create: true, refuseClosed: true, set });
    return { started: false, record: kept.ok ? kept.record : outcome.old! };
  }

  async recordPresence(chatId: string, presence: PresenceRecord, referrer: string | undefined, now: Date) {
    const setPresence = (e: Expression) => [
      `${e.name("presence")} = ${e.value(presence)}`,
      ...(referrer === undefined ? [] : [`${e.name("referrer")} = ${e.value(referrer)}`]),
    ];
    if (presence.agentStatus === "offline") {
      const outcome = await this.#change(chatId, now, {
        create: true,
        refuseClosed: true,
        condition: ACTIVE_OR_ABSENT,
        set: (e) => [...setPresence(e), `${e.name("status")} = ${e.value("unavailable")}`],
        history: { status: "unavailable", detail: presence.reason },
      });
      if (outcome.ok || (outcome.old !== undefined && isClosed(outcome.old))) return;
    }
    await this.#change(chatId, now, { create: true, refuseClosed: true, initialStatus: "started", set: setPresence });
  }

  async recordValue(chatId: string, field: IntakeField, value: string, now: Date, known?: KnownFieldValues) {
    const setValue = setKnown({ ...known, [field]: value });
    const outcome = await this.#change(chatId, now, {
      create: true,
      refuseClosed: true,
      condition: ACTIVE_OR_ABSENT,
      set: (e) => [...setValue(e), `${e.name("status")} = ${e.value("collecting")}`],
      history: { status: "collecting", detail: field },
    });
    if (outcome.ok) return outcome.record;
    // A closed run stores nothing (rule 5): the record is answered as it is.
    if (outcome.old !== undefined && isClosed(outcome.old)) return outcome.old;
    // A handover is under way or done: keep the value (latest wins) without touching the status.
    const kept = await this.#change(chatId, now, { create: true, refuseClosed: true, set: setValue });
    if (kept.ok) return kept.record;
    if (kept.old !== undefined) return kept.old;
    throw new StoreUnavailableError("unexpected condition failure for upsert");
  }

  async recordInvalidAttempt(chatId: string, field: IntakeField, now: Date, known?: KnownFieldValues) {
    const outcome = await this.#change(chatId, now, {
      create: true,
      refuseClosed: true,
      initialStatus: "collecting",
      set: setKnown(known),
      add: (e) => [`${e.name(`${field}Attempts`)} ${e.value(1)}`],
    });
    if (outcome.ok) return outcome.record;
    if (outcome.old !== undefined) return outcome.old;
    throw new StoreUnavailableError("unexpected condition failure for upsert");
  }

  /** The claim of docs/design.md#runs: fields present, run open, nothing of this run under way or done, back-off over. */
  async claimHandover(chatId: string, claim: ClaimRequest, now: Date): Promise<HandoverClaim> {
    const mode = claim.mode ?? "live";
    const nowSec = epochSeconds(now);
    const outcome = await this.#change(chatId, now, {
      create: false,
      refuseClosed: true,
      condition: (e) =>
        [
          ...claim.required.map((field) => `attribute_exists(${e.name(field)})`),
          `NOT ${e.statusIn(HANDOVER_ACTIVE)}`,
          // The back-off of a failed round holds in a new run too (rule 4).
          `(attribute_not_exists(${e.name("retryAt")}) OR ${e.name("retryAt")} <= ${e.value(nowSec)})`,
          ...(mode === "live" ? [`NOT ${LAST_SEEN_OFFLINE(e)}`] : []),
        ].join(" AND "),
      set: (e) => [
        `${e.name("status")} = ${e.value("requesting")}`,
        `${e.name("mode")} = ${e.value(mode)}`,
        `${e.name("claimId")} = ${e.value(claim.claimId)}`,
        `${e.name("claimExpiresAt")} = ${e.value(nowSec + claim.leaseSeconds)}`,
        `${e.name("runStart")} = if_not_exists(${e.name("runStart")}, ${e.value(nowSec)})`,
        ...(claim.referrer === undefined ? [] : [`${e.name("referrer")} = ${e.value(claim.referrer)}`]),
        ...(claim.keywords === undefined ? [] : [`${e.name("keywords")} = ${e.value(claim.keywords)}`]),
        ...setDetails(claim.details)(e),
      ],
      remove: (e) => [e.name("failureReason"), e.name("retryAt")],
      history: { status: "requesting" },
    });
    if (outcome.ok) return { outcome: "claimed", record: outcome.record };
    return this.#claimRefused(outcome.old, claim, mode, nowSec);
  }

  /** Why a claim did not apply; our own claim (by its id) is recognised whatever landed in between. */
  #claimRefused(old: ChatRecord | undefined, claim: ClaimRequest, mode: string, nowSec: number): HandoverClaim {
    if (old === undefined) return { outcome: "incomplete", missing: [...claim.required] };
    if (old.status === "requesting" && old.claimId === claim.claimId) return { outcome: "claimed", record: old };
    if (["requested", "handed_over", "unconfirmed"].includes(old.status)) return { outcome: "done", record: old };
    if (old.status === "requesting") {
      // A lapsed claim is not active: its claimer may have sent, so it counts as unconfirmed.
      return (old.claimExpiresAt ?? 0) >= nowSec ? { outcome: "busy", record: old } : { outcome: "done", record: old };
    }
    if (old.status === "handing_back") return { outcome: "busy", record: old };
    if (old.status === "handed_back" || isClosed(old)) return { outcome: "closed", record: old };
    if ((old.retryAt ?? 0) > nowSec) return { outcome: "backoff", record: old };
    if (mode === "live" && seenOffline(old)) return { outcome: "offline", record: old };
    return { outcome: "incomplete", missing: claim.required.filter((field) => old[field] === undefined) };
  }

  /** Reads back a claim whose write's answer was lost: ours when it carries our claim id and is still in flight. */
  async ownClaim(chatId: string, claimId: string, now: Date): Promise<ChatRecord | undefined> {
    const record = await this.get(chatId, now);
    return record?.status === "requesting" && record.claimId === claimId ? record : undefined;
  }

  /** Applies only while the claim is still ours (docs/design.md#write-conditions); a repeat of our own settle is true. */
  async settleHandover(chatId: string, claimId: string, result: SettleOutcome, now: Date) {
    const nowSec = epochSeconds(now);
    const set = (e: Expression) => {
      if (result.ok)
        return [
          `${e.name("status")} = ${e.value("requested")}`,
          `${e.name("requestedAt")} = ${e.value(now.toISOString())}`,
        ];
      if (result.unconfirmed)
        return [
          `${e.name("status")} = ${e.value("unconfirmed")}`,
          `${e.name("unconfirmedReason")} = ${e.value(result.reason)}`,
          `${e.name("requestedAt")} = ${e.value(now.toISOString())}`,
        ];
      return [
        `${e.name("status")} = ${e.value("failed")}`,
        `${e.name("failureReason")} = ${e.value(result.reason)}`,
        `${e.name("retryAt")} = ${e.value(nowSec + (result.retryAfterSeconds ?? 0))}`,
      ];
    };
    const outcome = await this.#change(chatId, now, {
      create: false,
      condition: (e) => `${e.name("claimId")} = ${e.value(claimId)} AND ${e.name("status")} = ${e.value("requesting")}`,
      set,
      remove: (e) => [e.name("claimExpiresAt")],
      history: result.ok
        ? { status: "requested" }
        : result.unconfirmed
          ? { status: "unconfirmed", detail: result.reason }
          : { status: "failed", detail: result.reason },
    });
    if (outcome.ok) return true;
    const settledAs = result.ok ? "requested" : result.unconfirmed ? "unconfirmed" : "failed";
    return outcome.old?.claimId === claimId && outcome.old.status === settledAs;
  }

  /**
   * Confirms only a run with a handover request outstanding (requesting, requested, unconfirmed), and
   * keeps the Router's session id with that confirm: a body naming another chat's session for a chat
   * that never asked cannot make an erase delete that other chat's history at CM
   * (docs/reliability.md#cm-history).
   */
  async confirmHandover(chatId: string, now: Date, routerSessionId?: string) {
    const confirm = (withSession: boolean): Change => ({
      create: false,
      // Only a run with a handover request outstanding is confirmed: a late notification of an earlier run,
      // or one after a hand-back or an end, changes nothing and is not forwarded (rules 1 and 4).
      condition: (e) => e.statusIn(OUTSTANDING),
      set: (e) => [
        `${e.name("status")} = ${e.value("handed_over")}`,
        `${e.name("handedOverAt")} = ${e.value(now.toISOString())}`,
        ...(withSession ? [`${e.name("routerSessionId")} = ${e.value(routerSessionId)}`] : []),
      ],
      remove: (e) => [e.name("claimExpiresAt"), e.name("unconfirmedReason")],
      history: { status: "handed_over" },
    });
    // The session id rides on the confirm itself: the same condition (a handover of this run asked for).
    const outcome = await this.#change(chatId, now, confirm(routerSessionId !== undefined));
    if (outcome.ok) return "confirmed";
    const old = outcome.old;
    if (old === undefined) return "unknown";
    // A repeat for this run's confirmed handover; one naming another Router session is of an earlier run.
    const sameSession =
      routerSessionId === undefined || old.routerSessionId === undefined || old.routerSessionId === routerSessionId;
    return old.status === "handed_over" && sameSession ? "already" : "stale";
  }

  /**
   * Keeps a session id the Router's session end carried, for a chat whose handover this run asked
   * for and that has none yet (the same rule as `confirmHandover`), so a failed erase at CM can be
   * tried again by a later `DELETE /chats/{chatId}`.
   */
  async recordRouterSession(chatId: string, routerSessionId: string, now: Date) {
    const outcome = await this.#change(chatId, now, {
      create: false,
      condition: (e) => `attribute_not_exists(${e.name("routerSessionId")}) AND ${e.statusIn(HANDOVER_ACTIVE)}`,
      set: (e) => [`${e.name("routerSessionId")} = ${e.value(routerSessionId)}`],
      keepExpiry: true,
    });
    return outcome.ok;
  }

  async claimHandback(
    chatId: string,
    claim: { claimId: string; leaseSeconds: number },
    now: Date,
  ): Promise<HandbackClaim> {
    const nowSec = epochSeconds(now);
    const outcome = await this.#change(chatId, now, {
      create: false,
      condition: (e) => e.statusIn(HANDED_OVER),
      set: (e) => [
        `${e.name("handbackFrom")} = ${e.name("status")}`,
        `${e.name("status")} = ${e.value("handing_back")}`,
        `${e.name("claimId")} = ${e.value(claim.claimId)}`,
        `${e.name("claimExpiresAt")} = ${e.value(nowSec + claim.leaseSeconds)}`,
      ],
      remove: (e) => [e.name("handbackFailureReason")],
      history: { status: "handing_back" },
    });
    if (outcome.ok) {
      return { outcome: "claimed", record: outcome.record as ChatRecord & { handbackFrom: StoredStatus } };
    }
    const old = outcome.old;
    if (old?.status === "handing_back" && old.claimId === claim.claimId) {
      return { outcome: "claimed", record: old as ChatRecord & { handbackFrom: StoredStatus } };
    }
    if (old?.status === "handed_back") return { outcome: "done", record: old };
    // A lapsed hand-back claim is never taken over: its claimer may have sent (unconfirmed).
    if (old?.status === "handing_back") {
      return (old.claimExpiresAt ?? 0) >= nowSec ? { outcome: "busy", record: old } : { outcome: "done", record: old };
    }
    return { outcome: "not-handed-over", record: old };
  }

  async settleHandback(
    chatId: string,
    claim: { claimId: string; from: StoredStatus },
    result: SettleOutcome,
    now: Date,
  ) {
    const back = result.ok || result.unconfirmed === true;
    const outcome = await this.#change(chatId, now, {
      create: false,
      condition: (e) =>
        `${e.name("claimId")} = ${e.value(claim.claimId)} AND ${e.name("status")} = ${e.value("handing_back")}`,
      set: (e) =>
        back
          ? [
              `${e.name("status")} = ${e.value("handed_back")}`,
              `${e.name("handedBackAt")} = ${e.value(now.toISOString())}`,
              ...(result.ok ? [] : [`${e.name("handbackUnconfirmed")} = ${e.value(true)}`]),
            ]
          : [
              `${e.name("status")} = ${e.value(claim.from)}`,
              `${e.name("handbackFailureReason")} = ${e.value((result as { reason: string }).reason)}`,
            ],
      remove: (e) => [e.name("claimExpiresAt"), e.name("handbackFrom")],
      history: back
        ? { status: "handed_back", ...(result.ok ? {} : { detail: "unconfirmed" }) }
        : { status: claim.from, detail: `handback failed: ${(result as { reason: string }).reason}` },
    });
    if (outcome.ok) return true;
    return outcome.old?.claimId === claim.claimId && outcome.old.status === (back ? "handed_back" : claim.from);
  }

  async endSession(chatId: string, now: Date) {
    const outcome = await this.#change(chatId, now, {
      create: false,
      condition: (e) => `${e.name("status")} <> ${e.value("ended")}`,
      set: (e) => [`${e.name("status")} = ${e.value("ended")}`, `${e.name("endedAt")} = ${e.value(now.toISOString())}`],
      remove: (e) => [...SUPPLIED_FIELDS.map((field) => e.name(field)), e.name("claimExpiresAt")],
      history: { status: "ended" },
      keepExpiry: true,
    });
    if (outcome.ok) return "ended";
    return outcome.old === undefined ? "unknown" : "already";
  }

  /** Closes the run too: `erasedAt` is the tombstone that refuses the run's later writes until a new run. */
  async erase(chatId: string, now: Date) {
    const outcome = await this.#change(chatId, now, {
      create: false,
      set: (e) => [`${e.name("erasedAt")} = ${e.value(now.toISOString())}`],
      remove: (e) => SUPPLIED_FIELDS.map((field) => e.name(field)),
      keepExpiry: true,
    });
    return outcome.ok;
  }

  async recordCmHistory(chatId: string, status: CmHistoryRecord["status"], now: Date, reason?: string) {
    const value: CmHistoryRecord = { status, ...(reason === undefined ? {} : { reason }), at: now.toISOString() };
    await this.#change(chatId, now, {
      create: false,
      set: (e) => [`${e.name("cmHistory")} = ${e.value(value)}`],
      keepExpiry: true,
    });
  }

  /** One conditional UpdateItem; an expired record is deleted and the change applied as if it were absent. */
  async #change(chatId: string, now: Date, change: Change, retried = false): Promise<Outcome> {
    const outcome = await this.#apply(chatId, now, change, retried);
    // An erased chat's later writes of the same run (settle, confirm, hand-back) never renew its expiry.
    const renews = !change.keepExpiry && !change.reopens && !change.refuseClosed;
    if (!outcome.ok && renews && outcome.old?.erasedAt !== undefined) {
      return this.#apply(chatId, now, { ...change, keepExpiry: true }, retried);
    }
    return outcome;
  }

  async #apply(chatId: string, now: Date, change: Change, retried: boolean): Promise<Outcome> {
    const e = new Expression();
    const nowIso = now.toISOString();
    const nowSec = epochSeconds(now);
    const key = e.name("chatId");
    const expiresAt = e.name("expiresAt");
    const set = [
      `${e.name("updatedAt")} = ${e.value(nowIso)}`,
      `${e.name("createdAt")} = if_not_exists(${e.name("createdAt")}, ${e.value(nowIso)})`,
      change.history
        ? `${e.name("history")} = list_append(if_not_exists(${e.name("history")}, ${e.value([])}), ${e.value([
            { at: nowIso, ...change.history },
          ])})`
        : `${e.name("history")} = if_not_exists(${e.name("history")}, ${e.value([])})`,
      ...(change.set?.(e) ?? []),
    ];
    if (!change.keepExpiry) set.push(`${expiresAt} = ${e.value(nowSec + this.#ttlSeconds)}`);
    if (!set.some((part) => part.startsWith(`${e.name("status")} =`))) {
      set.push(
        `${e.name("status")} = if_not_exists(${e.name("status")}, ${e.value(change.initialStatus ?? "started")})`,
      );
    }
    const live = `${expiresAt} > ${e.value(nowSec)}`;
    const exists = change.create
      ? `(attribute_not_exists(${key}) OR ${live})`
      : `(attribute_exists(${key}) AND ${live})`;
    // The SDK re-sends a request whose answer it did not get; the token turns a repeat of an applied write into a no-op.
    const writeId = randomUUID();
    const writeToken = e.name("writeId");
    set.push(`${writeToken} = ${e.value(writeId)}`);
    const once = `(attribute_not_exists(${writeToken}) OR ${writeToken} <> ${e.value(writeId)})`;
    const renews = !change.keepExpiry && !change.reopens && !change.refuseClosed;
    const guards = [
      ...(change.refuseClosed ? [OPEN(e)] : []),
      ...(renews ? [`attribute_not_exists(${e.name("erasedAt")})`] : []),
    ];
    const condition = [exists, once, ...guards, ...(change.condition ? [change.condition(e)] : [])].join(" AND ");
    const remove = change.remove?.(e) ?? [];
    const add = change.add?.(e) ?? [];
    const update = [
      `SET ${set.join(", ")}`,
      remove.length ? `REMOVE ${remove.join(", ")}` : "",
      add.length ? `ADD ${add.join(", ")}` : "",
    ].join(" ");

    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { chatId } satisfies ChatKey,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: e.names,
          ExpressionAttributeValues: e.values,
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const record = Attributes as ChatRecord;
      // The write succeeded: an auxiliary write after it never fails it (rule 3).
      if (record.history.length > HISTORY_LIMIT) await this.#trimHistory(chatId, record.history.length).catch(() => {});
      return { ok: true, record };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw unavailable(error);
      const old = error.Item ? (unmarshall(error.Item) as ChatRecord & { writeId?: string }) : undefined;
      if (old?.writeId === writeId) return { ok: true, record: old };
      if (old && old.expiresAt <= nowSec) {
        if (retried) return { ok: false, old: undefined };
        await this.#deleteExpired(chatId, old.expiresAt);
        return this.#apply(chatId, now, change, true);
      }
      return { ok: false, old };
    }
  }

  async #deleteExpired(chatId: string, expiresAt: number) {
    await this.#client
      .send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { chatId } satisfies ChatKey,
          ConditionExpression: "#expiresAt = :seen",
          ExpressionAttributeNames: { "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":seen": expiresAt },
        }),
      )
      .catch((error) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw unavailable(error);
      });
  }

  /** Drops the oldest entries; conditional on the length seen, so a concurrent append is never lost. */
  async #trimHistory(chatId: string, length: number) {
    const excess = length - HISTORY_LIMIT;
    await this.#client
      .send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { chatId } satisfies ChatKey,
          UpdateExpression: `REMOVE ${Array.from({ length: excess }, (_, i) => `#history[${i}]`).join(", ")}`,
          ConditionExpression: "size(#history) = :length",
          ExpressionAttributeNames: { "#history": "history" },
          ExpressionAttributeValues: { ":length": length },
        }),
      )
      .catch((error) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw unavailable(error);
      });
  }

  async #send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function unavailable(error: unknown): StoreUnavailableError {
  const name = error instanceof Error ? error.name : "UnknownError";
  return new StoreUnavailableError(`chat store unavailable: ${name}`, { cause: error });
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
