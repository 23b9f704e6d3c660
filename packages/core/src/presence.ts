import * as z from "zod/mini";
import type { ChatStore } from "./chat-store";
import type { Culture } from "./culture";
import { optionalText } from "./input";
import type { Log, Metrics } from "./metrics";
import { opensAtText } from "./opening-hours";

export type PresenceReason = "presence" | "presence-error" | "presence-timeout";

export interface PresenceAnswer {
  agentStatus: "online" | "offline";
  agentAvailable: boolean;
  reason: PresenceReason | "closed";
  /** ISO time of the next opening, when closed. */
  opensAt?: string;
  /** The next opening as the visitor reads it, in their culture and the desk's time zone. */
  opensAtText?: string;
}

export interface PresenceClientOptions {
  apiUrl: string;
  apiKey: string;
  cacheSeconds: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: () => number;
}

/** How long one presence call may take before the answer is `offline`/`presence-timeout` (docs/design.md#timing). */
export const PRESENCE_TIMEOUT_MS = 2000;

/** Distinct (channel, referrer) answers one process keeps. */
const MAX_CACHED_KEYS = 500;

const answer = (online: boolean, reason: PresenceReason): PresenceAnswer => ({
  agentStatus: online ? "online" : "offline",
  agentAvailable: online,
  reason,
});

/**
 * MSC presence (`GET ?apikey&Channel&referrer`, plain-text `Online`/`Offline`).
 * One call per (channel, referrer) serves every concurrent request and, when it succeeded,
 * every later one for `cacheSeconds`. A failure is shared only while in flight, so the next
 * request after a fault clears asks again.
 */
export class PresenceClient {
  readonly #options: Required<Omit<PresenceClientOptions, "fetch">> & { fetch: typeof fetch };
  readonly #cache = new Map<string, { expiresAt: number; answer: Promise<PresenceAnswer> }>();
  #calls = 0;

  constructor(options: PresenceClientOptions) {
    this.#options = { timeoutMs: PRESENCE_TIMEOUT_MS, fetch: globalThis.fetch, clock: Date.now, ...options };
  }

  /** Presence calls made by this process: the fan-in figure the bench reports. */
  get calls(): number {
    return this.#calls;
  }

  check(channel: string, referrer: string | undefined): Promise<PresenceAnswer> {
    const key = `${channel}\n${referrer ?? ""}`;
    const now = this.#options.clock();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return cached.answer;

    if (this.#cache.size >= MAX_CACHED_KEYS) this.#evictExpired(now);
    const entry = { expiresAt: Number.POSITIVE_INFINITY, answer: this.#ask(channel, referrer) };
    this.#cache.set(key, entry);
    void entry.answer.then((result) => {
      if (result.reason === "presence" && this.#options.cacheSeconds > 0) {
        entry.expiresAt = this.#options.clock() + this.#options.cacheSeconds * 1000;
      } else if (this.#cache.get(key) === entry) {
        this.#cache.delete(key);
      }
    });
    return entry.answer;
  }

  /** A warm function may see many referrers: drop stale answers, and the oldest if all are fresh. */
  #evictExpired(now: number) {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
    if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.delete(this.#cache.keys().next().value!);
  }

  async #ask(channel: string, referrer: string | undefined): Promise<PresenceAnswer> {
    this.#calls += 1;
    const url = new URL(this.#options.apiUrl);
    url.searchParams.set("apikey", this.#options.apiKey);
    url.searchParams.set("Channel", channel);
    if (referrer) url.searchParams.set("referrer", referrer);
    try {
      const response = await this.#options.fetch(url, {
        headers: { accept: "text/plain" },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      const body = (await response.text()).trim().toLowerCase();
      if (response.status === 200 && (body === "online" || body === "offline")) {
        return answer(body === "online", "presence");
      }
      return answer(false, "presence-error");
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      return answer(false, timedOut ? "presence-timeout" : "presence-error");
    }
  }
}

/** Query (API Callout GET) or body (Web Conversations' presence-check webhook POST). */
export const AvailabilityRequestSchema = z.object({
  referrer: optionalText(2048),
  url: optionalText(2048),
  channel: optionalText(64),
  data: z.optional(z.looseObject({ context: z.optional(z.unknown()) })),
});
export type AvailabilityRequest = z.infer<typeof AvailabilityRequestSchema>;

/** Decides, before presence is asked, whether the desk is closed (business hours). */
export interface OpeningHours {
  /** The desk's IANA time zone, in which opening times are told. */
  readonly timeZone: string;
  closedUntil(now: Date): { opensAt: string | undefined } | undefined;
}

export interface AvailabilityDeps {
  presence: Pick<PresenceClient, "check">;
  store: Pick<ChatStore, "recordPresence">;
  metrics: Metrics;
  log: Log;
  defaultChannel: string;
  defaultReferrer: string | undefined;
  openingHours?: OpeningHours;
  now: () => Date;
}

export async function checkAvailability(
  deps: AvailabilityDeps,
  chatId: string | undefined,
  request: AvailabilityRequest,
  culture: Culture,
): Promise<PresenceAnswer> {
  const referrer = request.referrer ?? request.url ?? deps.defaultReferrer;
  const channel = request.channel ?? deps.defaultChannel;
  const now = deps.now();
  const closed = deps.openingHours?.closedUntil(now);
  const result: PresenceAnswer = closed
    ? {
        agentStatus: "offline",
        agentAvailable: false,
        reason: "closed",
        ...(closed.opensAt
          ? {
              opensAt: closed.opensAt,
              opensAtText: opensAtText(closed.opensAt, deps.openingHours!.timeZone, culture, now),
            }
          : {}),
      }
    : await deps.presence.check(channel, referrer);

  if (result.agentAvailable) deps.metrics.count("AgentsOnline");
  else deps.metrics.count("AgentsOffline", result.reason);
  if (result.reason === "presence-error" || result.reason === "presence-timeout") {
    deps.metrics.count("PresenceError", result.reason);
    // A channel the caller sent is its text: only the configured one is written.
    const logged = request.channel === undefined ? channel : "(given by the caller)";
    deps.log.warn("presence check failed", { reason: result.reason, channel: logged });
  }
  if (chatId !== undefined) {
    await deps.store.recordPresence(
      chatId,
      { agentStatus: result.agentStatus, reason: result.reason, at: now.toISOString() },
      request.referrer ?? request.url,
      now,
    );
  }
  deps.log.info("availability answered", { agentStatus: result.agentStatus, reason: result.reason });
  return result;
}
