import type { ChatRecord, StoredStatus } from "@caic-handover/core/chat/chat";
import type { HandbackClaim, SettleOutcome } from "@caic-handover/core/chat/chat-store";
import { OUTCOME_POLL_MS } from "@caic-handover/core/handover/claim";
import { type HandbackDeps, requestHandback } from "@caic-handover/core/handover/handback";
import type { RoutingResult } from "@caic-handover/core/router/routing";
import { StoreUnavailableError } from "@caic-handover/core/shared/errors";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACCEPTED, ADAPTERS, chat, claimedBy, frozenClock, observed, scriptedRouting, sequence } from "./scripted";

/** `requestHandback` against a scripted chat store and routing client: every outcome of the claim protocol in reverse. */

let clock: ReturnType<typeof frozenClock>;
beforeEach(() => {
  clock = frozenClock();
});
afterEach(() => {
  vi.useRealTimers();
});

type Claim = { claimId: string; leaseSeconds: number };

interface Script {
  /** The claim write's answer; by default a handed-over chat is claimed. */
  claim?: (claim: Claim) => HandbackClaim;
  /** The settle write's answer (throw to fail it); by default it lands. */
  settle?: (call: number) => boolean;
  /** What reading the chat returns, call by call. */
  get?: () => ChatRecord | undefined;
}

function claimedRecord(claim: Claim, from: StoredStatus = "handed_over") {
  return { ...chat("handing_back", claimedBy(claim.claimId, claim.leaseSeconds)), handbackFrom: from };
}

function scriptedStore(script: Script = {}) {
  const claims: Claim[] = [];
  const settles: { claim: { claimId: string; from: StoredStatus }; outcome: SettleOutcome }[] = [];
  let reads = 0;
  return {
    claims,
    settles,
    reads: () => reads,
    claimHandback: async (_chatId: string, claim: Claim): Promise<HandbackClaim> => {
      claims.push(claim);
      return script.claim ? script.claim(claim) : { outcome: "claimed", record: claimedRecord(claim) };
    },
    settleHandback: async (_chatId: string, claim: { claimId: string; from: StoredStatus }, outcome: SettleOutcome) => {
      settles.push({ claim, outcome });
      return script.settle ? script.settle(settles.length) : true;
    },
    get: async () => {
      reads++;
      return script.get?.();
    },
  };
}

function setUp(script: Script = {}, routing = scriptedRouting(ACCEPTED), extra: Partial<HandbackDeps> = {}) {
  const store = scriptedStore(script);
  const seen = observed();
  const deps: HandbackDeps = {
    store,
    routing,
    metrics: seen.metrics,
    log: seen.log,
    adapters: ADAPTERS,
    now: clock.now,
    sleep: clock.sleep,
    ...extra,
  };
  return { deps, store, routing, ...seen, handBack: () => requestHandback(deps, "chat-1") };
}

describe("the caller that wins the hand-back claim", () => {
  it("sends the reverse mutation once and answers requested when CM accepts; the settle names the status it came from", async () => {
    const { store, routing, counted, handBack } = setUp({
      claim: (claim) => ({ outcome: "claimed", record: claimedRecord(claim, "unconfirmed") }),
    });
    expect(await handBack()).toEqual({ handback: "requested" });
    expect(routing.sent).toHaveLength(1);
    const { request, budgetMs } = routing.sent[0]!;
    expect(request.ChatId).toBe("chat-1");
    expect(request.Mutations.map((m) => `${m.action} ${m.targetAdapterId}`)).toEqual(["Enable caic", "Disable msc"]);
    expect(request.Context).toBeUndefined();
    expect(budgetMs).toBe(12_000 - 1000);
    expect(store.claims).toEqual([{ claimId: expect.any(String), leaseSeconds: 12 }]);
    expect(store.settles).toEqual([
      { claim: { claimId: store.claims[0]!.claimId, from: "unconfirmed" }, outcome: { ok: true } },
    ]);
    expect(counted).toEqual(["HandedBack"]);
  });

  it("CM's answer lost: settles unconfirmed with its cause, never re-sends, answers requested (unconfirmed)", async () => {
    const lost: RoutingResult = { ok: false, reason: "routing-unconfirmed", detail: "reset", attempts: 1 };
    const { store, routing, counted, handBack } = setUp({}, scriptedRouting(lost));
    expect(await handBack()).toEqual({ handback: "requested", unconfirmed: true });
    expect(routing.sent).toHaveLength(1);
    expect(store.settles[0]!.outcome).toEqual({ ok: false, reason: "reset", unconfirmed: true });
    expect(counted).toEqual(["HandbackUnconfirmed"]);
  });

  it("CM refuses: the hand-back fails with its reason and no back-off (it may be tried again at once)", async () => {
    const rejected: RoutingResult = { ok: false, reason: "routing-rejected", status: 400, attempts: 1 };
    const { store, counted, handBack } = setUp({}, scriptedRouting(rejected));
    expect(await handBack()).toEqual({ handback: "failed", reason: "routing-rejected" });
    expect(store.settles[0]!.outcome).toEqual({ ok: false, reason: "routing-rejected" });
    expect(counted).toEqual(["HandbackFailed:routing-rejected"]);
  });

  it("does not send when the claim write used up the lease: routing-unavailable", async () => {
    const { store, routing, handBack } = setUp({
      claim: (claim) => {
        clock.advance(11_000);
        return { outcome: "claimed", record: claimedRecord(claim) };
      },
    });
    expect(await handBack()).toEqual({ handback: "failed", reason: "routing-unavailable" });
    expect(routing.sent).toHaveLength(0);
    expect(store.settles[0]!.outcome).toEqual({ ok: false, reason: "routing-unavailable" });
  });

  it("a settle that fails then lands is retried; the answer is CM's", async () => {
    const { store, routing, handBack } = setUp({
      settle: (call) => {
        if (call === 1) throw new StoreUnavailableError("throttled");
        return true;
      },
    });
    expect(await handBack()).toEqual({ handback: "requested" });
    expect(store.settles).toHaveLength(2);
    expect(clock.slept).toEqual([250]);
    expect(routing.sent).toHaveLength(1);
  });

  it("a claim write whose answer is lost is read back: its own claim (by id) is sent once and settled", async () => {
    let written: Claim | undefined;
    const { store, routing, handBack } = setUp({
      claim: (claim) => {
        written = claim;
        throw new StoreUnavailableError("timed out");
      },
      get: () => claimedRecord(written!),
    });
    expect(await handBack()).toEqual({ handback: "requested" });
    expect(store.reads()).toBe(1);
    expect(routing.sent).toHaveLength(1);
    expect(store.settles).toHaveLength(1);
  });

  it("a claim write whose answer is lost, read back with its own claim id on a chat no longer handing back: nothing sent", async () => {
    let written: Claim | undefined;
    const { store, routing, handBack } = setUp({
      claim: (claim) => {
        written = claim;
        throw new StoreUnavailableError("timed out");
      },
      get: () => ({ ...claimedRecord(written!), status: "handed_over" }),
    });
    await expect(handBack()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.reads()).toBe(1);
    expect(routing.sent).toHaveLength(0);
  });

  it.each<[string, () => ChatRecord | undefined]>([
    ["another caller's claim", () => claimedRecord({ claimId: "someone-else", leaseSeconds: 12 })],
    ["a chat still handed over (the claim did not land)", () => chat("handed_over")],
    ["no chat", () => undefined],
  ])(
    "a claim write whose answer is lost, read back as %s: the store's fault is the answer, nothing sent",
    async (_, read) => {
      const { store, routing, handBack } = setUp({
        claim: () => {
          throw new StoreUnavailableError("timed out");
        },
        get: read,
      });
      await expect(handBack()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(store.reads()).toBe(1);
      expect(routing.sent).toHaveLength(0);
    },
  );
});

describe("a hand-back claim the store refuses", () => {
  it.each<[string, ChatRecord | undefined, StoredStatus | null]>([
    ["an unknown chat", undefined, null],
    ["a chat still in intake", chat("collecting"), "collecting"],
    ["a chat whose handover is in flight (one direction at a time)", chat("requesting"), "requesting"],
  ])("never handed over (%s): refused with its status, nothing sent", async (_, record, status) => {
    const { routing, counted, handBack } = setUp({ claim: () => ({ outcome: "not-handed-over", record }) });
    expect(await handBack()).toEqual({ handback: "failed", reason: "not-handed-over", status });
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual(["HandbackFailed:not-handed-over"]);
  });

  it.each<[string, () => ChatRecord, object]>([
    ["handed back", () => chat("handed_back"), { handback: "requested" }],
    [
      "handed back, CM's answer lost",
      () => chat("handed_back", { handbackUnconfirmed: true }),
      { handback: "requested", unconfirmed: true },
    ],
    [
      "a hand-back whose lease lapsed",
      () => chat("handing_back", claimedBy("other", -1)),
      { handback: "requested", unconfirmed: true },
    ],
  ])("already done (%s): the same answer again, nothing sent", async (_, record, answer) => {
    const { routing, counted, handBack } = setUp({ claim: () => ({ outcome: "done", record: record() }) });
    expect(await handBack()).toEqual(answer);
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual([]);
  });
});

describe("a concurrent duplicate hand-back", () => {
  const inFlight = () => chat("handing_back", claimedBy("other", 12));
  const busy = (): Script["claim"] => () => ({ outcome: "busy", record: inFlight() });

  it("waits for the claimer's outcome, reading the chat every OUTCOME_POLL_MS, and sends nothing itself", async () => {
    const { store, routing, handBack } = setUp({
      claim: busy(),
      get: sequence(inFlight(), inFlight(), chat("handed_back")),
    });
    expect(await handBack()).toEqual({ handback: "requested" });
    expect(clock.slept).toEqual([OUTCOME_POLL_MS, OUTCOME_POLL_MS, OUTCOME_POLL_MS]);
    expect(store.settles).toHaveLength(0);
    expect(routing.sent).toHaveLength(0);
  });

  it.each<[string, () => ChatRecord | undefined, object]>([
    [
      "handed back, CM's answer lost",
      () => chat("handed_back", { handbackUnconfirmed: true }),
      { handback: "requested", unconfirmed: true },
    ],
    [
      "a lapsed claim",
      () => chat("handing_back", claimedBy("other", -1)),
      { handback: "requested", unconfirmed: true },
    ],
    [
      "failed (back with the agent)",
      () => chat("handed_over", { handbackFailureReason: "routing-rejected" }),
      { handback: "failed", reason: "routing-rejected" },
    ],
    ["no chat", () => undefined, { handback: "failed", reason: "in-progress" }],
    ["another status", () => chat("requested"), { handback: "failed", reason: "in-progress" }],
  ])("the claimer's outcome %s is the duplicate's answer", async (_, record, answer) => {
    const { store, handBack } = setUp({ claim: busy(), get: record });
    expect(await handBack()).toEqual(answer);
    expect(store.reads()).toBe(1);
  });

  it("a claim still live when the wait ends (the lease and a second by default): in-progress, even after an earlier failed hand-back", async () => {
    const live = () => chat("handing_back", { ...claimedBy("other", 60), handbackFailureReason: "routing-rejected" });
    const { logged, handBack } = setUp({ claim: busy(), get: live });
    expect(await handBack()).toEqual({ handback: "failed", reason: "in-progress" });
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(13_000);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "warn", message: "hand-back still in progress after waiting" }),
    );
  });

  it("waits `waitMs` when set", async () => {
    const { handBack } = setUp({ claim: busy(), get: inFlight }, undefined, { waitMs: 600 });
    expect(await handBack()).toEqual({ handback: "failed", reason: "in-progress" });
    expect(clock.slept).toEqual([OUTCOME_POLL_MS, OUTCOME_POLL_MS, OUTCOME_POLL_MS]);
  });
});
