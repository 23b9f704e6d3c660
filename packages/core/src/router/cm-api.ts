import type { Log } from "../shared/metrics";

/**
 * What both CM API clients (routing mutations, Conversation History) share: CM's endpoint and product
 * token, the log, each attempt's timeout, the attempts and the whole budget, and the seams tests drive.
 */
export interface CmApiOptions {
  baseUrl: string;
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

/** A client's own timeout per attempt, attempts, budget and first backoff. */
export type CmApiDeadlines = Required<
  Pick<CmApiOptions, "attemptTimeoutMs" | "budgetMs" | "maxAttempts" | "baseDelayMs">
>;

/** The smallest time worth starting another attempt with. */
export const MIN_ATTEMPT_MS = 250;

/** A client's options with its deadlines and the real fetch, timers, randomness and clock where none are given. */
export function withCmApiDefaults<O extends CmApiOptions>(deadlines: CmApiDeadlines, options: O): Required<O> {
  return {
    ...deadlines,
    fetch: globalThis.fetch,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    clock: Date.now,
    ...options,
  } as Required<O>;
}

/** CM's API base URL without trailing slashes, for a path to follow. */
export const cmApiBase = (options: Pick<CmApiOptions, "baseUrl">): string => options.baseUrl.replace(/\/+$/, "");

/** Full-jitter backoff after the given attempt (1-based): up to `baseDelayMs` doubled per attempt. */
export const fullJitterMs = (options: Required<Pick<CmApiOptions, "random" | "baseDelayMs">>, attempt: number) =>
  options.random() * options.baseDelayMs * 2 ** (attempt - 1);
