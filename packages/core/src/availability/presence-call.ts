import type { Log } from "../shared/metrics";
import type { PresenceFault } from "./presence-store";

/** How long one presence call may take before the answer is `offline`/`presence-timeout` (docs/design.md#timing). */
export const PRESENCE_TIMEOUT_MS = 2000;

/** A bare 429: CM's tightest limit is per second. */
const DEFAULT_RETRY_AFTER_MS = 1000;
/** A `Retry-After` beyond CM's hourly limit is not believed. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** What one presence call gave. */
export type Asked = { online: boolean } | { fault: PresenceFault; status?: number; retryAfterMs?: number };

/** Where and how to ask MSC presence, and the seams a test replaces. */
export interface PresenceCall {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch: typeof fetch;
  clock: () => number;
  log?: Pick<Log, "warn">;
}

/**
 * One call to MSC presence (`GET ?apikey&Channel&referrer`, plain-text `Online`/`Offline`): a real
 * answer, or the fault and what a 429 or 5xx said about when to ask again.
 */
export async function askPresence(call: PresenceCall, channel: string, referrer: string | undefined): Promise<Asked> {
  const url = new URL(call.apiUrl);
  url.searchParams.set("apikey", call.apiKey);
  url.searchParams.set("Channel", channel);
  if (referrer) url.searchParams.set("referrer", referrer);
  let asked: Asked;
  try {
    const response = await call.fetch(url, {
      headers: { accept: "text/plain" },
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const body = (await response.text()).trim().toLowerCase();
    if (response.status === 200 && (body === "online" || body === "offline")) return { online: body === "online" };
    const retryAfterMs =
      retryAfter(response.headers.get("retry-after"), call.clock()) ??
      (response.status === 429 ? DEFAULT_RETRY_AFTER_MS : undefined);
    asked = {
      fault: "presence-error",
      status: response.status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    asked = { fault: timedOut ? "presence-timeout" : "presence-error" };
  }
  // The channel may be a caller's text: the availability answer logs it, sanitised.
  call.log?.warn("presence gave no answer", asked);
  return asked;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now, capped. */
function retryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
