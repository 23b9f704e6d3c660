import { createHmac } from "node:crypto";
import { StoreUnavailableError } from "../shared/errors";
import type { Log } from "../shared/metrics";
import { type Asked, askPresence, PRESENCE_TIMEOUT_MS } from "./presence-call";
import type { PresenceFault, PresenceStore, SharedPresence } from "./presence-store";

/**
 * `presence`: a real answer of this cache period; `presence-stale`: presence failed or asked us to
 * wait, and this is the last real answer, younger than `PRESENCE_MAX_STALE_SECONDS`.
 */
export type PresenceReason = "presence" | "presence-stale" | PresenceFault;

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
  maxStaleSeconds: number;
  /** The answer shared by every instance (docs/presence.md). */
  store: PresenceStore;
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: () => number;
  log?: Pick<Log, "warn">;
}

/** Distinct (channel, referrer) answers one process keeps. */
const MAX_CACHED_KEYS = 500;
/** How long one instance may take for its presence call and the write of the outcome. */
export const LEASE_MARGIN_MS = 1000;
/** The shared item outlives what it may still serve by this much. */
const KEEP_MARGIN_MS = 60_000;
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 250;

const answer = (online: boolean, reason: PresenceReason): PresenceAnswer => ({
  agentStatus: online ? "online" : "offline",
  agentAvailable: online,
  reason,
});

/** An answer and, in this process's clock, until when it may be served without asking again. */
interface Resolved {
  answer: PresenceAnswer;
  until: number;
}

export interface CheckOptions {
  /** The caller must write to the table anyway: a table fault is its answer (503), not a reason to ask presence alone. */
  storeRequired?: boolean;
}

/**
 * MSC presence (one call: presence-call.ts) asked once per
 * (channel, referrer) per cache period for the whole fleet: a per-process cache in front of an
 * answer shared through the table, refreshed by whichever instance takes the lease; a 429, 5xx,
 * timeout or garbage serves the last real answer while it is young enough. Protocol: docs/presence.md.
 */
export class PresenceClient {
  readonly #options: Required<Omit<PresenceClientOptions, "fetch" | "log">> &
    Pick<PresenceClientOptions, "log"> & { fetch: typeof fetch };
  readonly #cache = new Map<string, { until: number; resolved: Promise<Resolved> }>();
  readonly #freshMs: number;
  readonly #maxStaleMs: number;
  readonly #leaseMs: number;
  readonly #keepMs: number;
  #calls = 0;

  constructor(options: PresenceClientOptions) {
    this.#options = { timeoutMs: PRESENCE_TIMEOUT_MS, fetch: globalThis.fetch, clock: Date.now, ...options };
    this.#freshMs = options.cacheSeconds * 1000;
    this.#maxStaleMs = options.maxStaleSeconds * 1000;
    this.#leaseMs = this.#options.timeoutMs + LEASE_MARGIN_MS;
    this.#keepMs = Math.max(this.#freshMs, this.#maxStaleMs) + KEEP_MARGIN_MS;
  }

  /** Presence calls made by this process: the fan-in figure the bench reports. */
  get calls(): number {
    return this.#calls;
  }

  async check(channel: string, referrer: string | undefined, options: CheckOptions = {}): Promise<PresenceAnswer> {
    const key = [channel, referrer ?? null];
    try {
      return (await this.#once(JSON.stringify(key), () => this.#shared(channel, referrer))).answer;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || options.storeRequired) throw error;
      // Without the table this process asks alone, as one instance did before answers were shared.
      return (await this.#once(JSON.stringify([...key, "alone"]), () => this.#alone(channel, referrer))).answer;
    }
  }

  /** One resolution per key in flight, and its answer served from memory until it says. */
  #once(key: string, resolve: () => Promise<Resolved>): Promise<Resolved> {
    const now = this.#options.clock();
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) return cached.resolved;

    if (this.#cache.size >= MAX_CACHED_KEYS) this.#evictExpired(now);
    const entry = { until: Number.POSITIVE_INFINITY, resolved: resolve() };
    this.#cache.set(key, entry);
    const forget = () => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    };
    entry.resolved.then(({ until }) => {
      if (until > this.#options.clock()) entry.until = until;
      else forget();
    }, forget);
    return entry.resolved;
  }

  /** A warm function may see many referrers: drop stale answers, and the oldest if all are fresh. */
  #evictExpired(now: number) {
    for (const [key, entry] of this.#cache) if (entry.until <= now) this.#cache.delete(key);
    if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** The table's key: the referrer (a page URL may carry personal data) only as a keyed hash. */
  #storeKey(channel: string, referrer: string | undefined): string {
    const hash = createHmac("sha256", this.#options.apiKey)
      .update(referrer ?? "")
      .digest("base64url");
    return `${channel}#${hash}`;
  }

  async #shared(channel: string, referrer: string | undefined): Promise<Resolved> {
    const key = this.#storeKey(channel, referrer);
    const now = this.#options.clock();
    const claim = await this.#options.store.claim(key, this.#claimTimes(now));
    if (claim.claimed) return this.#refresh(key, claim.leaseId, claim.previous, channel, referrer);
    return this.#follow(key, claim.current, now, { channel, referrer, mayTakeOver: true });
  }

  #claimTimes(now: number) {
    return { now, freshMs: this.#freshMs, leaseMs: this.#leaseMs, keepMs: this.#keepMs };
  }

  /** This instance holds the lease: ask presence and store the outcome for every other instance. */
  async #refresh(
    key: string,
    leaseId: string,
    previous: SharedPresence,
    channel: string,
    referrer: string | undefined,
  ): Promise<Resolved> {
    const asked = await this.#ask(channel, referrer);
    const now = this.#options.clock();
    if ("online" in asked) {
      await this.#options.store.storeAnswer(key, asked.online, now, this.#keepMs).catch(ignoreStoreFault);
      return { answer: answer(asked.online, "presence"), until: now + this.#freshMs };
    }
    const notBefore = asked.retryAfterMs === undefined ? undefined : now + asked.retryAfterMs;
    await this.#options.store
      .storeFault(key, leaseId, { reason: asked.fault, notBefore }, now, this.#keepMs + (asked.retryAfterMs ?? 0))
      .catch(ignoreStoreFault);
    return this.#fallback(previous, asked.fault, now, notBefore);
  }

  /**
   * Another instance holds the lease, presence asked us to wait, or a fresh answer is stored: use
   * that answer, or wait (reading the item) until the instance asking has stored its outcome. If
   * its lease runs out first, it vanished or is late: take over once.
   */
  async #follow(
    key: string,
    current: SharedPresence,
    since: number,
    takeOver: { channel: string; referrer: string | undefined; mayTakeOver: boolean },
  ): Promise<Resolved> {
    const deadline = current.leaseUntil ?? since;
    let item = current;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const now = this.#options.clock();
      const outcome = this.#outcome(item, now, since);
      if (outcome) return outcome;
      if (now >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, deadline - now)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
      const left = deadline - this.#options.clock();
      if (left <= 0) break;
      const signal = AbortSignal.timeout(left);
      try {
        item = await this.#options.store.read(key, signal);
      } catch (error) {
        if (!signal.aborted) throw error;
        break;
      }
    }
    const now = this.#options.clock();
    if (!takeOver.mayTakeOver) return this.#fallback(item, "presence-timeout", now);
    const claim = await this.#options.store.claim(key, this.#claimTimes(now));
    if (claim.claimed) return this.#refresh(key, claim.leaseId, claim.previous, takeOver.channel, takeOver.referrer);
    return this.#follow(key, claim.current, since, { ...takeOver, mayTakeOver: false });
  }

  /** What a stored item already settles for a request that started following at `since`; nothing while a lease is live. */
  #outcome(item: SharedPresence, now: number, since: number): Resolved | undefined {
    const { online, fetchedAt } = item;
    // An answer fetched while we waited is this period's, even with a cache of 0 s.
    if (online !== undefined && fetchedAt !== undefined && (fetchedAt > now - this.#freshMs || fetchedAt >= since)) {
      return { answer: answer(online, "presence"), until: fetchedAt + this.#freshMs };
    }
    if (item.notBefore !== undefined && item.notBefore > now) {
      return this.#fallback(item, item.fault ?? "presence-error", now, item.notBefore);
    }
    // The lease ended without a real answer: the call we waited for failed.
    if (item.leaseUntil === undefined) return this.#fallback(item, item.fault ?? "presence-error", now);
    return undefined;
  }

  /** No real answer now: the last one while it is young enough, else offline with the reason. */
  #fallback(last: SharedPresence, fault: PresenceFault, now: number, notBefore?: number): Resolved {
    // Nobody asks presence before `notBefore`, so this process need not ask the table either.
    const until = notBefore ?? 0;
    if (last.online !== undefined && last.fetchedAt !== undefined && now - last.fetchedAt <= this.#maxStaleMs) {
      return {
        answer: answer(last.online, "presence-stale"),
        until: Math.min(until, last.fetchedAt + this.#maxStaleMs),
      };
    }
    return { answer: answer(false, fault), until };
  }

  async #alone(channel: string, referrer: string | undefined): Promise<Resolved> {
    const asked = await this.#ask(channel, referrer);
    if ("online" in asked) {
      return { answer: answer(asked.online, "presence"), until: this.#options.clock() + this.#freshMs };
    }
    return { answer: answer(false, asked.fault), until: 0 };
  }

  #ask(channel: string, referrer: string | undefined): Promise<Asked> {
    this.#calls += 1;
    return askPresence(this.#options, channel, referrer);
  }
}

/** Storing the outcome is best effort: the visitor still gets the answer, the lease simply runs out. */
function ignoreStoreFault(error: unknown) {
  if (!(error instanceof StoreUnavailableError)) throw error;
}
