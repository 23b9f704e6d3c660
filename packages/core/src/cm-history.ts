import type { ChatStore } from "./chat-store";
import type { EraseCmHistory } from "./config";
import type { Log, Metrics } from "./metrics";

export type HistoryEraseResult =
  | { ok: true; status: number; attempts: number; found: boolean }
  | { ok: false; reason: "history-rejected" | "history-unavailable"; status?: number; attempts: number };

export interface CmHistoryClientOptions {
  baseUrl: string;
  /** The account of the Conversation History API: the Conversational technical link id, as the Router's `accountId`. */
  accountId: string;
  productToken: string;
  log: Log;
  attemptTimeoutMs?: number;
  budgetMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  clock?: () => number;
}

/** Per-attempt timeout, attempts and budget of one history deletion (docs/reliability-privacy.md#cm-history). */
export const HISTORY_DEADLINES = { attemptTimeoutMs: 2000, budgetMs: 6000, maxAttempts: 3, baseDelayMs: 250 } as const;

const MIN_ATTEMPT_MS = 250;

/**
 * CM's Conversation History API: deletes a Router session's history. A DELETE is idempotent, so
 * network errors, timeouts, 429 and 5xx are retried (full-jitter backoff, inside the budget); 404 means
 * CM holds none (nothing left to erase); any other 4xx is final.
 */
export class CmHistoryClient {
  readonly #o: Required<CmHistoryClientOptions>;

  constructor(options: CmHistoryClientOptions) {
    this.#o = {
      ...HISTORY_DEADLINES,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      clock: Date.now,
      ...options,
    };
  }

  sessionUrl(sessionId: string): string {
    const base = this.#o.baseUrl.replace(/\/+$/, "");
    return `${base}/conversational/conversation-history/v1/accounts/${encodeURIComponent(this.#o.accountId)}/session-history/${encodeURIComponent(sessionId)}`;
  }

  async deleteSession(sessionId: string): Promise<HistoryEraseResult> {
    const o = this.#o;
    const deadline = o.clock() + o.budgetMs;
    let status: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await o.fetch(this.sessionUrl(sessionId), {
          method: "DELETE",
          headers: { "X-CM-PRODUCTTOKEN": o.productToken },
          signal: AbortSignal.timeout(Math.max(1, Math.min(o.attemptTimeoutMs, deadline - o.clock()))),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok || status === 404) return { ok: true, status, attempts: attempt, found: status !== 404 };
        if (status !== 429 && status < 500) {
          o.log.warn("CM history deletion rejected", { status, attempt });
          return { ok: false, reason: "history-rejected", status, attempts: attempt };
        }
        o.log.warn("CM history deletion failed, may retry", { status, attempt });
      } catch (error) {
        status = undefined;
        o.log.warn("CM history deletion failed, may retry", {
          error: error instanceof Error ? error.name : "error",
          attempt,
        });
      }
      const backoff = o.random() * o.baseDelayMs * 2 ** (attempt - 1);
      if (attempt >= o.maxAttempts || deadline - o.clock() - backoff < MIN_ATTEMPT_MS) {
        return { ok: false, reason: "history-unavailable", ...(status ? { status } : {}), attempts: attempt };
      }
      await o.sleep(backoff);
    }
  }
}

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
 * at CM; one already erased there is not asked again. Never throws: CM's copy is best effort, alarmed.
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
    if (record?.cmHistory !== undefined && record.cmHistory.status !== "failed") return;
    const result = await deps.history.deleteSession(sessionId);
    const status = result.ok ? (result.found ? "erased" : "not-found") : "failed";
    deps.metrics.count(result.ok ? "CmHistoryErased" : "CmHistoryEraseFailed");
    deps.log[result.ok ? "info" : "error"]("CM history erase", {
      routerSessionId: sessionId,
      outcome: status,
      status: result.status,
      attempts: result.attempts,
    });
    if (record !== undefined) await deps.store.recordCmHistory(chatId, status, deps.now());
  } catch (error) {
    deps.metrics.count("CmHistoryEraseFailed");
    deps.log.error("CM history erase could not be completed", { error: error instanceof Error ? error.name : "error" });
  }
}
