import type { ChatStore } from "../chat/chat-store";
import type { EraseCmHistory } from "../config/config";
import type { Log, Metrics } from "../shared/metrics";
import { type CmApiOptions, cmApiBase, fullJitterMs, MIN_ATTEMPT_MS, withCmApiDefaults } from "./cm-api";

/**
 * What became of one session's history at CM: `erased` only when CM answered a DELETE with 2xx;
 * `not-found` for a 404, which CM's documents do not let us tell from an unknown account or route
 * (docs/reliability.md#cm-history); `failed` when CM refused or could not be reached, when
 * CM's read says the session belongs to another chat (`other-chat`: nothing is deleted), or when the
 * session or account id is not one a URL path can carry safely (`invalid-id`: nothing is asked).
 */
export type HistoryEraseResult =
  | { outcome: "erased"; status: number; attempts: number }
  | { outcome: "not-found"; status: 404; attempts: number }
  | {
      outcome: "failed";
      reason: "history-rejected" | "history-unavailable" | "other-chat" | "invalid-id";
      status?: number;
      attempts: number;
    };

export interface CmHistoryClientOptions extends CmApiOptions {
  /** The account of the Conversation History API: the Conversational technical link id, as the Router's `accountId`. */
  accountId: string;
}

/** Per-attempt timeout, attempts and budget of one history deletion (docs/reliability.md#cm-history). */
export const HISTORY_DEADLINES = { attemptTimeoutMs: 2000, budgetMs: 6000, maxAttempts: 3, baseDelayMs: 250 } as const;

/**
 * A Router session id as CM writes one (a GUID), or an id of the same safe alphabet: it starts with a
 * letter or digit, so `.`, `..` or an empty segment can never stand for a path segment.
 */
const PATH_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const isRouterSessionId = (value: string): boolean => PATH_ID.test(value);

type Answer = { kind: "answer"; status: number; body: string } | { kind: "unavailable"; status?: number };

/**
 * CM's Conversation History API: checks whose a Router session is, then deletes its history. Both
 * requests are idempotent, so network errors, timeouts, 429 and 5xx are retried (full-jitter backoff,
 * inside one budget for both); any other 4xx is final.
 */
export class CmHistoryClient {
  readonly #o: Required<CmHistoryClientOptions>;

  constructor(options: CmHistoryClientOptions) {
    this.#o = withCmApiDefaults(HISTORY_DEADLINES, options);
  }

  #accountUrl(version: "v1" | "v2"): string {
    return `${cmApiBase(this.#o)}/conversational/conversation-history/${version}/accounts/${encodeURIComponent(this.#o.accountId)}/session-history`;
  }

  /** The DELETE's URL; throws for an id that could resolve as a dot segment or leave its segment. */
  sessionUrl(sessionId: string): string {
    if (!isRouterSessionId(sessionId) || !isRouterSessionId(this.#o.accountId)) throw new RangeError("unsafe id");
    return `${this.#accountUrl("v1")}/${encodeURIComponent(sessionId)}`;
  }

  /** The documented read of a session (v2, by query), whose answer names the chat where CM says it. */
  readUrl(sessionId: string): string {
    if (!isRouterSessionId(sessionId) || !isRouterSessionId(this.#o.accountId)) throw new RangeError("unsafe id");
    return `${this.#accountUrl("v2")}?routerSessionId=${encodeURIComponent(sessionId)}`;
  }

  /**
   * Deletes the session's history. Given the chat it was stored for, first reads the session: when
   * CM's answer names another chat, nothing is deleted (`other-chat`); when it names none, the
   * deletion goes ahead (the Router reported the session for this chat, and CM lets us check no more).
   */
  async deleteSession(sessionId: string, chatId?: string): Promise<HistoryEraseResult> {
    if (!isRouterSessionId(sessionId) || !isRouterSessionId(this.#o.accountId)) {
      return { outcome: "failed", reason: "invalid-id", attempts: 0 };
    }
    const deadline = this.#o.clock() + this.#o.budgetMs;
    const attempts = { count: 0 };
    if (chatId !== undefined) {
      const read = await this.#send("GET", this.readUrl(sessionId), deadline, attempts);
      if (read.kind === "unavailable") return unavailable(read.status, attempts.count);
      if (read.status === 404) return { outcome: "not-found", status: 404, attempts: attempts.count };
      if (read.status < 200 || read.status >= 300) return this.#rejected(read.status, attempts.count);
      const owner = ownerOf(read.body);
      if (owner !== undefined && owner !== chatId) {
        this.#o.log.error("CM history belongs to another chat: not deleted", { attempts: attempts.count });
        return { outcome: "failed", reason: "other-chat", status: read.status, attempts: attempts.count };
      }
    }
    const answer = await this.#send("DELETE", this.sessionUrl(sessionId), deadline, attempts);
    if (answer.kind === "unavailable") return unavailable(answer.status, attempts.count);
    if (answer.status === 404) return { outcome: "not-found", status: 404, attempts: attempts.count };
    if (answer.status >= 200 && answer.status < 300) {
      return { outcome: "erased", status: answer.status, attempts: attempts.count };
    }
    return this.#rejected(answer.status, attempts.count);
  }

  #rejected(status: number, attempts: number): HistoryEraseResult {
    this.#o.log.warn("CM history request rejected", { status, attempt: attempts });
    return { outcome: "failed", reason: "history-rejected", status, attempts };
  }

  /** One request with retries: an answer (2xx or a final 4xx), or unavailable when the budget or attempts ran out. */
  async #send(method: "GET" | "DELETE", url: string, deadline: number, attempts: { count: number }): Promise<Answer> {
    const o = this.#o;
    let status: number | undefined;
    for (let attempt = 1; ; attempt++) {
      attempts.count++;
      try {
        const response = await o.fetch(url, {
          method,
          headers: { "X-CM-PRODUCTTOKEN": o.productToken },
          signal: AbortSignal.timeout(Math.max(1, Math.min(o.attemptTimeoutMs, deadline - o.clock()))),
        });
        status = response.status;
        const body = await response.text().catch(() => "");
        if (status !== 429 && status < 500) return { kind: "answer", status, body };
        o.log.warn("CM history request failed, may retry", { method, status, attempt });
      } catch (error) {
        status = undefined;
        o.log.warn("CM history request failed, may retry", {
          method,
          error: error instanceof Error ? error.name : "error",
          attempt,
        });
      }
      const backoff = fullJitterMs(o, attempt);
      if (attempt >= o.maxAttempts || deadline - o.clock() - backoff < MIN_ATTEMPT_MS) {
        return { kind: "unavailable", ...(status ? { status } : {}) };
      }
      await o.sleep(backoff);
    }
  }
}

const unavailable = (status: number | undefined, attempts: number): HistoryEraseResult => ({
  outcome: "failed",
  reason: "history-unavailable",
  ...(status ? { status } : {}),
  attempts,
});

/** The chat id CM's read names (`chatId`, `ChatId`, or inside `session`), if any. */
function ownerOf(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const top = isObject(parsed) ? parsed : {};
  const session = isObject(top.session) ? top.session : {};
  const owner = [top.chatId, top.ChatId, session.chatId].find((value) => typeof value === "string");
  return typeof owner === "string" ? owner : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export interface CmHistoryEraseDeps {
  store: Pick<ChatStore, "get" | "recordCmHistory">;
  history: Pick<CmHistoryClient, "deleteSession">;
  metrics: Metrics;
  log: Log;
  now: () => Date;
}

/** Whether ERASE_CM_HISTORY asks for CM's copy to go on this occasion. */
export function erasesCmHistoryOn(setting: EraseCmHistory, occasion: "erase" | "session-end"): boolean {
  return setting === "on-session-end" || (setting === "on-erase" && occasion === "erase");
}

/**
 * Deletes the chat's Router session history at CM, after the local erase (which it never blocks or
 * undoes), and records the outcome on the chat. A chat without a known session id has nothing to delete
 * at CM; one already erased there is not asked again (a `not-found` or `failed` one is). Never throws:
 * CM's copy is best effort, alarmed: a failure and a 404 (which may be a wrong account) both count
 * `CmHistoryEraseFailed`, and only a deletion CM confirmed counts `CmHistoryErased`.
 */
export async function eraseCmHistory(
  deps: CmHistoryEraseDeps,
  chatId: string,
  /** A session id the calling event carried, for a chat whose Handover Endpoint call never came. */
  eventSessionId?: string,
): Promise<void> {
  try {
    const record = await deps.store.get(chatId, deps.now());
    const sessionId = record?.routerSessionId ?? eventSessionId;
    if (sessionId === undefined) {
      deps.log.info("no Router session id: nothing to erase at CM", { found: record !== undefined });
      return;
    }
    if (record?.cmHistory?.status === "erased") return;
    const result = await deps.history.deleteSession(sessionId, chatId);
    deps.metrics.count(result.outcome === "erased" ? "CmHistoryErased" : "CmHistoryEraseFailed");
    deps.log[result.outcome === "failed" ? "error" : result.outcome === "not-found" ? "warn" : "info"](
      "CM history erase",
      {
        routerSessionId: sessionId,
        outcome: result.outcome,
        ...(result.outcome === "failed" ? { reason: result.reason } : {}),
        ...(result.outcome === "not-found" ? { hint: "no such session, or the account id is wrong" } : {}),
        status: "status" in result ? result.status : undefined,
        attempts: result.attempts,
      },
    );
    if (record !== undefined) {
      await deps.store.recordCmHistory(
        chatId,
        result.outcome,
        deps.now(),
        result.outcome === "failed" ? result.reason : undefined,
      );
    }
  } catch (error) {
    deps.metrics.count("CmHistoryEraseFailed");
    deps.log.error("CM history erase could not be completed", { error: error instanceof Error ? error.name : "error" });
  }
}
