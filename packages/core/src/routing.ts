import type { Log } from "./metrics";

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

export type RoutingResult =
  | { ok: true; status: number; attempts: number }
  | { ok: false; reason: "routing-rejected" | "routing-unavailable"; status?: number; attempts: number };

export interface RoutingClientOptions {
  baseUrl: string;
  technicalLinkId: string;
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

/** Per-attempt timeout, attempts and the whole budget of one handover's mutation request (docs/design.md#timing). */
export const ROUTING_DEADLINES = { attemptTimeoutMs: 3000, budgetMs: 8000, maxAttempts: 3, baseDelayMs: 250 } as const;

/** The smallest time worth starting another attempt with. */
const MIN_ATTEMPT_MS = 250;

/**
 * Sends routing mutation requests. Network errors, 429 and 5xx are retried with full-jitter
 * backoff (Retry-After honoured when it fits), at most `maxAttempts`, all inside `budgetMs`;
 * any other 4xx is final.
 */
export class RoutingClient {
  readonly #o: Required<RoutingClientOptions>;

  constructor(options: RoutingClientOptions) {
    this.#o = {
      ...ROUTING_DEADLINES,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      clock: Date.now,
      ...options,
    };
  }

  mutationUrl(chatId: string): string {
    const base = this.#o.baseUrl.replace(/\/+$/, "");
    return `${base}/conversational/control/v1/accounts/${encodeURIComponent(this.#o.technicalLinkId)}/chats/${encodeURIComponent(chatId)}/routing/mutationrequests`;
  }

  async requestMutation(request: MutationRequest): Promise<RoutingResult> {
    const o = this.#o;
    const deadline = o.clock() + o.budgetMs;
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
        if (status !== 429 && status < 500) {
          o.log.warn("routing mutation rejected", { status, attempt });
          return { ok: false, reason: "routing-rejected", status, attempts: attempt };
        }
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), o.clock());
        o.log.warn("routing mutation failed, may retry", { status, attempt });
      } catch (error) {
        status = undefined;
        o.log.warn("routing mutation failed, may retry", { error: errorName(error), attempt });
      }
      const backoff = Math.max(retryAfterMs ?? 0, o.random() * o.baseDelayMs * 2 ** (attempt - 1));
      const left = deadline - o.clock();
      if (attempt >= o.maxAttempts || left - backoff < MIN_ATTEMPT_MS) {
        return { ok: false, reason: "routing-unavailable", ...(status ? { status } : {}), attempts: attempt };
      }
      await o.sleep(backoff);
    }
  }
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
