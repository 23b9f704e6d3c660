/** Why presence gave no real answer: `presence-error` (an error status, 429 included, or garbage) or no answer in time. */
export type PresenceFault = "presence-error" | "presence-timeout";

/**
 * The presence answer shared by every instance of the availability function, one per
 * (channel, referrer); times are epoch milliseconds. Protocol and timing: docs/presence.md.
 */
export interface SharedPresence {
  /** The last real answer (`Online`/`Offline`) and when it was fetched; absent before the first. */
  online?: boolean;
  fetchedAt?: number;
  /** An instance is asking presence until then (the refresh lease). */
  leaseUntil?: number;
  /** Presence said not to ask before then (`Retry-After`, or 1 s after a bare 429). */
  notBefore?: number;
  /** The last attempt that gave no real answer, so instances that waited for it share its outcome. */
  fault?: PresenceFault;
}

export type PresenceClaim =
  /** This instance holds the lease and asks presence; `previous` is what was stored before. */
  | { claimed: true; leaseId: string; previous: SharedPresence }
  /** A fresh answer is stored, another instance holds the lease, or `notBefore` has not passed. */
  | { claimed: false; current: SharedPresence };

export interface ClaimTimes {
  now: number;
  /** A stored answer younger than this is fresh: nobody asks. */
  freshMs: number;
  leaseMs: number;
  /** The item may expire (TTL) this long after the write. */
  keepMs: number;
}

/** The presence store port: every change one conditional write, so that across the fleet one instance asks at a time. */
export interface PresenceStore {
  /** Takes the refresh lease unless a fresh answer is stored, another lease is live, or `notBefore` has not passed. */
  claim(key: string, times: ClaimTimes): Promise<PresenceClaim>;
  /** A consistent read; `signal` ends a read that would outlast the caller's wait. */
  read(key: string, signal?: AbortSignal): Promise<SharedPresence>;
  /** Stores a real answer fetched at `now`, unless a newer one is stored, and ends the lease. */
  storeAnswer(key: string, online: boolean, now: number, keepMs: number): Promise<void>;
  /** Ends this instance's lease after an attempt without a real answer; `notBefore` holds off every instance. */
  storeFault(
    key: string,
    leaseId: string,
    fault: { reason: PresenceFault; notBefore: number | undefined },
    now: number,
    keepMs: number,
  ): Promise<void>;
}
