import { type CmApiOptions, cmApiBase, fullJitterMs, MIN_ATTEMPT_MS, withCmApiDefaults } from "./cm-api";

export interface RuleMutation {
  $type: "ruleMutation";
  action: "Enable" | "Disable";
  operator: "And" | "Or";
  sourceAdapterId: string;
  targetAdapterId: string;
}

export interface MutationRequest {
  ChatId: string;
  Mutations: RuleMutation[];
  Context?: Record<string, string>;
}

export interface Adapters {
  client: string;
  bot: string;
  agent: string;
}

export interface HandoverContext {
  name: string;
  email: string;
  referrer?: string;
  keywords?: string;
  /** The visitor's question, when one was left. */
  message?: string;
  /** Only a message-mode handover says so; a live one keeps the guide's Context. */
  mode?: "message";
  /** The dialog's reason for the handover and its skill; the visitor's culture tag (`nl-NL`). */
  reason?: string;
  skill?: string;
  culture?: string;
}

const rule =
  (adapters: Adapters) =>
  (action: RuleMutation["action"], target: string): RuleMutation => ({
    $type: "ruleMutation",
    action,
    operator: "And",
    sourceAdapterId: adapters.client,
    targetAdapterId: target,
  });

/** The hand-over of CM's routing control: cut Web Conversations → bot, open Web Conversations → agent. */
export function handoverMutation(chatId: string, adapters: Adapters, context: HandoverContext): MutationRequest {
  const mutation = rule(adapters);
  return {
    ChatId: chatId,
    Mutations: [mutation("Disable", adapters.bot), mutation("Enable", adapters.agent)],
    Context: {
      name: context.name,
      email: context.email,
      CustomerInfo: JSON.stringify({ name: context.name, email: context.email }),
      // Empty values are left out: an empty WebStoreReferrer would stop MSC routing by the visitor's URL.
      ...(context.referrer ? { WebStoreReferrer: context.referrer } : {}),
      // CM's own live-chat handover fills Routing Keywords from the bot's skill.
      ...(context.keywords || context.skill ? { RoutingKeywords: (context.keywords || context.skill)! } : {}),
      ...(context.skill ? { skill: context.skill } : {}),
      ...(context.reason ? { reason: context.reason } : {}),
      ...(context.culture ? { culture: context.culture, language: context.culture.split("-")[0]! } : {}),
      ...(context.mode ? { mode: context.mode } : {}),
      ...(context.message ? { message: context.message } : {}),
    },
  };
}

/** The hand-back, the reverse of the hand-over: open Web Conversations → bot, cut Web Conversations → agent. */
export function handbackMutation(chatId: string, adapters: Adapters): MutationRequest {
  const mutation = rule(adapters);
  return { ChatId: chatId, Mutations: [mutation("Enable", adapters.bot), mutation("Disable", adapters.agent)] };
}

/**
 * `routing-unavailable`: CM cannot have received the request (no connection, DNS or TLS failure, 429).
 * `routing-unconfirmed`: CM may have acted on it (timeout after it was written, reset, 5xx): never re-sent.
 */
export type RoutingResult =
  | { ok: true; status: number; attempts: number }
  | {
      ok: false;
      reason: "routing-rejected" | "routing-unavailable" | "routing-unconfirmed";
      status?: number;
      attempts: number;
      /** What made the answer unknown, for `routing-unconfirmed`. */
      detail?: string;
    };

export interface RoutingClientOptions extends CmApiOptions {
  technicalLinkId: string;
}

/** Per-attempt timeout, attempts and the whole budget of one handover's mutation request (docs/design.md#timing). */
export const ROUTING_DEADLINES = { attemptTimeoutMs: 3000, budgetMs: 8000, maxAttempts: 3, baseDelayMs: 250 } as const;

/**
 * Sends routing mutation requests. Only what CM cannot have received is retried (no connection,
 * DNS or TLS failure, 429), with full-jitter backoff (Retry-After honoured when it fits), at most
 * `maxAttempts`, all inside the budget; any other 4xx is final; a timeout, reset or 5xx is
 * `routing-unconfirmed` at once, never re-sent (docs/design.md#never-resend).
 */
export class RoutingClient {
  readonly #o: Required<RoutingClientOptions>;

  constructor(options: RoutingClientOptions) {
    this.#o = withCmApiDefaults(ROUTING_DEADLINES, options);
  }

  mutationUrl(chatId: string): string {
    return `${cmApiBase(this.#o)}/conversational/control/v1/accounts/${encodeURIComponent(this.#o.technicalLinkId)}/chats/${encodeURIComponent(chatId)}/routing/mutationrequests`;
  }

  /** `budgetMs` caps this request's budget below the configured one (what is left of a claim's lease). */
  async requestMutation(request: MutationRequest, limit: { budgetMs?: number } = {}): Promise<RoutingResult> {
    const o = this.#o;
    const deadline = o.clock() + Math.min(o.budgetMs, limit.budgetMs ?? o.budgetMs);
    const body = JSON.stringify(request);
    let status: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - o.clock();
      let retryAfterMs: number | undefined;
      try {
        const response = await o.fetch(this.mutationUrl(request.ChatId), {
          method: "POST",
          headers: { "X-CM-PRODUCTTOKEN": o.productToken, "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(Math.min(o.attemptTimeoutMs, remaining)),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { ok: true, status, attempts: attempt };
        if (status >= 500) {
          o.log.warn("routing mutation answer unknown: not re-sent", { status, attempt });
          return { ok: false, reason: "routing-unconfirmed", status, attempts: attempt, detail: `status-${status}` };
        }
        if (status !== 429) {
          o.log.warn("routing mutation rejected", { status, attempt });
          return { ok: false, reason: "routing-rejected", status, attempts: attempt };
        }
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), o.clock());
        o.log.warn("routing mutation throttled, may retry", { status, attempt });
      } catch (error) {
        status = undefined;
        if (!neverSent(error)) {
          o.log.warn("routing mutation answer unknown: not re-sent", { error: errorName(error), attempt });
          return { ok: false, reason: "routing-unconfirmed", attempts: attempt, detail: errorKind(error) };
        }
        o.log.warn("routing mutation not sent, may retry", { error: errorName(error), attempt });
      }
      const backoff = Math.max(retryAfterMs ?? 0, fullJitterMs(o, attempt));
      const left = deadline - o.clock();
      if (attempt >= o.maxAttempts || left - backoff < MIN_ATTEMPT_MS) {
        return { ok: false, reason: "routing-unavailable", ...(status ? { status } : {}), attempts: attempt };
      }
      await o.sleep(backoff);
    }
  }
}

/** Connection-level failures that happen before a request is written: CM cannot have received it. */
const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** True only when the failure proves the request was never written (a timeout or reset proves nothing). */
export function neverSent(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (code === undefined) return false;
  return NEVER_SENT_CODES.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_");
}

function errorKind(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timeout";
  return "reset";
}

function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorName(error: unknown): string {
  return error instanceof Error
    ? error.name === "TypeError"
      ? String(error.cause ?? error.message)
      : error.name
    : "error";
}
