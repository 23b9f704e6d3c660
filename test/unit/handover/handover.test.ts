import type { ChatRecord } from "@caic-handover/core/chat/chat";
import type { ClaimRequest, HandoverClaim, SettleOutcome } from "@caic-handover/core/chat/chat-store";
import type { IntakeField } from "@caic-handover/core/config/config";
import { OUTCOME_POLL_MS, SETTLE_RETRY_MS } from "@caic-handover/core/handover/claim";
import { FAILED_BACKOFF_SECONDS, type HandoverDeps, requestHandover } from "@caic-handover/core/handover/handover";
import type { RoutingResult } from "@caic-handover/core/router/routing";
import { StoreUnavailableError } from "@caic-handover/core/shared/errors";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACCEPTED, ADAPTERS, chat, claimedBy, frozenClock, observed, scriptedRouting, sequence } from "./scripted";

/** `requestHandover` against a scripted chat store and routing client: every outcome of the claim protocol. */

const VISITOR = { name: "Ann Example", email: "ann@example.com" } as const;
const DEFAULT_REFERRER = "https://shop.example/help";

let clock: ReturnType<typeof frozenClock>;
beforeEach(() => {
  clock = frozenClock();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Script {
  /** The claim write's answer; by default the claim lands on a ready chat. */
  claim?: (claim: ClaimRequest, call: number) => HandoverClaim | Promise<HandoverClaim>;
  /** The settle write's answer (throw to fail it); by default it lands. */
  settle?: (call: number) => boolean;
  /** What reading the chat returns, call by call. */
  get?: () => ChatRecord | undefined;
}

/** The claimed record the store answers: the ready chat in `requesting`, under this claim. */
function claimedRecord(claim: ClaimRequest): ChatRecord {
  return chat("requesting", {
    ...VISITOR,
    mode: claim.mode ?? "live",
    ...claimedBy(claim.claimId, claim.leaseSeconds),
  });
}

function scriptedStore(script: Script = {}) {
  const claims: ClaimRequest[] = [];
  const settles: { claimId: string; outcome: SettleOutcome }[] = [];
  let reads = 0;
  return {
    claims,
    settles,
    reads: () => reads,
    claimHandover: async (_chatId: string, claim: ClaimRequest): Promise<HandoverClaim> => {
      claims.push(claim);
      return script.claim ? script.claim(claim, claims.length) : { outcome: "claimed", record: claimedRecord(claim) };
    },
    settleHandover: async (_chatId: string, claimId: string, outcome: SettleOutcome) => {
      settles.push({ claimId, outcome });
      return script.settle ? script.settle(settles.length) : true;
    },
    get: async () => {
      reads++;
      return script.get?.();
    },
  };
}

function setUp(script: Script = {}, routing = scriptedRouting(ACCEPTED), extra: Partial<HandoverDeps> = {}) {
  const store = scriptedStore(script);
  const seen = observed();
  const deps: HandoverDeps = {
    store,
    routing,
    metrics: seen.metrics,
    log: seen.log,
    adapters: ADAPTERS,
    required: ["email", "name"],
    defaultReferrer: DEFAULT_REFERRER,
    offlineHandover: "off",
    now: clock.now,
    sleep: clock.sleep,
    ...extra,
  };
  return { deps, store, routing, ...seen, hand: () => requestHandover(deps, "chat-1", {}) };
}

const refused = (outcome: Exclude<HandoverClaim["outcome"], "claimed" | "incomplete">, record: ChatRecord) => () =>
  ({ outcome, record }) as HandoverClaim;

describe("the caller that wins the claim", () => {
  it("sends one handover mutation with the visitor's details and answers requested once CM accepts", async () => {
    const { store, routing, counted, hand } = setUp();
    expect(await hand()).toEqual({ handover: "requested" });
    expect(routing.sent).toHaveLength(1);
    const { request } = routing.sent[0]!;
    expect(request.ChatId).toBe("chat-1");
    expect(request.Mutations.map((m) => `${m.action} ${m.targetAdapterId}`)).toEqual(["Disable caic", "Enable msc"]);
    expect(request.Context).toMatchObject({ ...VISITOR, WebStoreReferrer: DEFAULT_REFERRER });
    expect(request.Context).not.toHaveProperty("mode");
    expect(store.settles).toEqual([{ claimId: store.claims[0]!.claimId, outcome: { ok: true } }]);
    expect(counted).toEqual(["HandoverRequested"]);
  });

  it("claims with the call's referrer, keywords and details, the required fields and its lease; the chat's referrer is sent", async () => {
    const { deps, store, routing } = setUp({
      claim: (claim) => ({
        outcome: "claimed",
        record: { ...claimedRecord(claim), referrer: "https://shop.example/cart", skill: "billing" },
      }),
    });
    await requestHandover(
      { ...deps, leaseSeconds: 5 },
      "chat-1",
      { referrer: "https://shop.example/cart", keywords: "invoice" },
      { reason: "refund", skill: "billing" },
    );
    expect(store.claims).toEqual([
      {
        claimId: expect.any(String),
        leaseSeconds: 5,
        required: ["email", "name"],
        mode: "live",
        referrer: "https://shop.example/cart",
        keywords: "invoice",
        details: { reason: "refund", skill: "billing" },
      },
    ]);
    expect(routing.sent[0]!.request.Context).toMatchObject({
      WebStoreReferrer: "https://shop.example/cart",
      skill: "billing",
    });
  });

  it("claims without referrer, keywords or details when the call gave none", async () => {
    const { store, hand } = setUp();
    await hand();
    expect(Object.keys(store.claims[0]!).sort()).toEqual(["claimId", "leaseSeconds", "mode", "required"]);
  });

  it("gives the routing request what is left of the lease, less the settle's reserve", async () => {
    const { routing, hand } = setUp({
      claim: (claim) => {
        clock.advance(4000); // a slow claim write
        return { outcome: "claimed", record: claimedRecord(claim) };
      },
    });
    await hand();
    expect(routing.sent[0]!.budgetMs).toBe(12_000 - 4000 - 1000);
  });

  it("does not send when the claim write used up the lease: the round fails as routing-unavailable, with a back-off", async () => {
    const { store, routing, counted, hand } = setUp({
      claim: (claim) => {
        clock.advance(11_500);
        return { outcome: "claimed", record: claimedRecord(claim) };
      },
    });
    expect(await hand()).toEqual({ handover: "failed", reason: "routing-unavailable" });
    expect(routing.sent).toHaveLength(0);
    expect(store.settles[0]!.outcome).toEqual({
      ok: false,
      reason: "routing-unavailable",
      retryAfterSeconds: FAILED_BACKOFF_SECONDS,
    });
    expect(counted).toEqual(["HandoverFailed:routing-unavailable"]);
  });

  it.each([
    ["timeout", "timeout"],
    [undefined, "unknown"],
  ])(
    "CM's answer lost (%s): settles unconfirmed, never re-sends, answers requested (unconfirmed)",
    async (detail, reason) => {
      const lost: RoutingResult = {
        ok: false,
        reason: "routing-unconfirmed",
        attempts: 1,
        ...(detail ? { detail } : {}),
      };
      const { store, routing, counted, hand } = setUp({}, scriptedRouting(lost));
      expect(await hand()).toEqual({ handover: "requested", unconfirmed: true });
      expect(routing.sent).toHaveLength(1);
      expect(store.settles[0]!.outcome).toEqual({ ok: false, reason, unconfirmed: true });
      expect(counted).toEqual(["HandoverUnconfirmed"]);
    },
  );

  it.each(["routing-rejected", "routing-unavailable"] as const)(
    "CM %s: the round fails with its reason and a back-off",
    async (reason) => {
      const { store, counted, hand } = setUp({}, scriptedRouting({ ok: false, reason, status: 400, attempts: 1 }));
      expect(await hand()).toEqual({ handover: "failed", reason });
      expect(store.settles[0]!.outcome).toEqual({ ok: false, reason, retryAfterSeconds: FAILED_BACKOFF_SECONDS });
      expect(counted).toEqual([`HandoverFailed:${reason}`]);
    },
  );

  it("a message claim is sent as a message and answered so, counted as a message left", async () => {
    const { routing, counted, hand } = setUp({
      claim: (claim) => ({
        outcome: "claimed",
        record: { ...claimedRecord(claim), mode: "message", message: "Where is my order?" },
      }),
    });
    expect(await hand()).toEqual({ handover: "requested", mode: "message" });
    expect(routing.sent[0]!.request.Context).toMatchObject({ mode: "message", message: "Where is my order?" });
    expect(counted).toEqual(["MessageLeft"]);
  });
});

describe("a claim write whose answer is lost", () => {
  const lostAfterLanding = (read: (claim: ClaimRequest) => ChatRecord | undefined) => {
    let landed: ChatRecord | undefined;
    return {
      claim: (claim: ClaimRequest): HandoverClaim => {
        landed = read(claim);
        throw new StoreUnavailableError("timed out");
      },
      get: () => landed,
    };
  };

  it("is read back: the claimer recognises its own claim by its id and sends once", async () => {
    const { store, routing, hand } = setUp(lostAfterLanding((claim) => claimedRecord(claim)));
    expect(await hand()).toEqual({ handover: "requested" });
    expect(store.reads()).toBe(1);
    expect(routing.sent).toHaveLength(1);
    expect(store.settles[0]!.claimId).toBe(store.claims[0]!.claimId);
  });

  it.each([
    ["another caller's claim", (claim: ClaimRequest) => chat("requesting", claimedBy(`${claim.claimId}-other`, 12))],
    ["its own claim, already settled", (claim: ClaimRequest) => chat("requested", claimedBy(claim.claimId, 12))],
    ["no chat", () => undefined],
  ])("reading back %s: the store's fault is the answer, nothing sent", async (_, read) => {
    const { routing, hand } = setUp(lostAfterLanding(read));
    await expect(hand()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(routing.sent).toHaveLength(0);
  });

  it("any other error is not read back", async () => {
    const { store, hand } = setUp({
      claim: () => {
        throw new Error("bug");
      },
    });
    await expect(hand()).rejects.toThrow("bug");
    expect(store.reads()).toBe(0);
  });
});

describe("settling CM's answer", () => {
  it("a settle that fails is retried until it lands; the answer is CM's", async () => {
    const { store, routing, logged, hand } = setUp({
      settle: (call) => {
        if (call < 3) throw new StoreUnavailableError("throttled");
        return true;
      },
    });
    expect(await hand()).toEqual({ handover: "requested" });
    expect(store.settles).toHaveLength(3);
    expect(clock.slept).toEqual([250, 500]);
    expect(routing.sent).toHaveLength(1);
    expect(logged.filter((entry) => entry.level === "error")).toEqual([]);
  });

  it("a settle that keeps failing gives up within SETTLE_RETRY_MS and says so; never re-sent, the answer is still CM's", async () => {
    const { store, routing, logged, hand } = setUp({
      settle: () => {
        throw new StoreUnavailableError("down");
      },
    });
    expect(await hand()).toEqual({ handover: "requested" });
    expect(store.settles.length).toBeGreaterThan(2);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThan(SETTLE_RETRY_MS);
    expect(routing.sent).toHaveLength(1);
    expect(logged).toContainEqual(expect.objectContaining({ level: "error", message: "could not record the outcome" }));
  });

  it("a settle that finds the claim no longer ours is logged; the answer is CM's", async () => {
    const { logged, hand } = setUp({ settle: () => false });
    expect(await hand()).toEqual({ handover: "requested" });
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "warn", message: "claim was no longer ours when it settled" }),
    );
  });

  it("a settle failing with an unexpected error is not retried", async () => {
    const { store, hand } = setUp({
      settle: () => {
        throw new Error("bug");
      },
    });
    await expect(hand()).rejects.toThrow("bug");
    expect(store.settles).toHaveLength(1);
  });
});

describe("a claim the store refuses", () => {
  it("nobody online: agents-offline, nothing sent", async () => {
    const offline = chat("collecting", { presence: { agentStatus: "offline", reason: "presence", at: "" } });
    const { store, routing, counted, hand } = setUp({ claim: refused("offline", offline) });
    expect(await hand()).toEqual({ handover: "failed", reason: "agents-offline" });
    expect(store.claims).toHaveLength(1);
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual(["HandoverFailed:agents-offline"]);
  });

  it("nobody online with OFFLINE_HANDOVER=message: claimed again, under the same id, as a message that needs an e-mail and a question", async () => {
    const { store, hand } = setUp(
      {
        claim: (claim, call) =>
          call === 1
            ? { outcome: "offline", record: chat("collecting") }
            : { outcome: "claimed", record: { ...claimedRecord(claim), message: "Hello?" } },
      },
      scriptedRouting(ACCEPTED),
      { offlineHandover: "message", required: ["name"] },
    );
    expect(await hand()).toEqual({ handover: "requested", mode: "message" });
    expect(store.claims.map((claim) => [claim.mode, claim.required])).toEqual([
      ["live", ["name"]],
      ["message", ["name", "email", "message"]],
    ]);
    expect(store.claims[1]!.claimId).toBe(store.claims[0]!.claimId);
  });

  it("nobody online with OFFLINE_HANDOVER=message and no question yet: intake-incomplete, saying what is missing", async () => {
    const { counted, hand } = setUp(
      {
        claim: (_, call) =>
          call === 1
            ? { outcome: "offline", record: chat("collecting") }
            : { outcome: "incomplete", missing: ["message"] },
      },
      scriptedRouting(ACCEPTED),
      { offlineHandover: "message" },
    );
    expect(await hand()).toEqual({ handover: "failed", reason: "intake-incomplete", missing: ["message"] });
    expect(counted).toEqual(["HandoverFailed:intake-incomplete"]);
  });

  it("intake incomplete: intake-incomplete with the missing fields, nothing sent", async () => {
    const missing: IntakeField[] = ["email"];
    const { routing, counted, hand } = setUp({ claim: () => ({ outcome: "incomplete", missing }) });
    expect(await hand()).toEqual({ handover: "failed", reason: "intake-incomplete", missing: ["email"] });
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual(["HandoverFailed:intake-incomplete"]);
  });

  it.each<[string, () => ChatRecord, object]>([
    ["requested", () => chat("requested"), { handover: "requested" }],
    ["handed over", () => chat("handed_over"), { handover: "requested" }],
    [
      "requested as a message",
      () => chat("requested", { mode: "message" }),
      { handover: "requested", mode: "message" },
    ],
    ["unconfirmed", () => chat("unconfirmed"), { handover: "requested", unconfirmed: true }],
    [
      "a claim whose lease lapsed",
      () => chat("requesting", claimedBy("other", -1)),
      { handover: "requested", unconfirmed: true },
    ],
  ])("already %s in this run: the same answer again, nothing sent", async (_, record, answer) => {
    const { routing, counted, hand } = setUp({ claim: () => ({ outcome: "done", record: record() }) });
    expect(await hand()).toEqual(answer);
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual([]);
  });

  it("the run is over (handed back, ended): run-closed, nothing sent", async () => {
    const { routing, counted, hand } = setUp({ claim: refused("closed", chat("handed_back")) });
    expect(await hand()).toEqual({ handover: "failed", reason: "run-closed" });
    expect(routing.sent).toHaveLength(0);
    expect(counted).toEqual(["HandoverFailed:run-closed"]);
  });

  it.each([
    ["routing-rejected", "routing-rejected"],
    [undefined, "routing-unavailable"],
  ])(
    "a round failed (%s) less than a back-off ago: that failure again, nothing sent or counted",
    async (failureReason, reason) => {
      const record = chat("failed", failureReason ? { failureReason } : {});
      const { routing, counted, hand } = setUp({ claim: refused("backoff", record) });
      expect(await hand()).toEqual({ handover: "failed", reason });
      expect(routing.sent).toHaveLength(0);
      expect(counted).toEqual([]);
    },
  );
});

describe("a concurrent duplicate (another caller holds the claim)", () => {
  const busy = () => refused("busy", chat("requesting", claimedBy("other", 12)));

  it("waits for the claimer's outcome, reading the chat every OUTCOME_POLL_MS, and sends nothing itself", async () => {
    const inFlight = chat("requesting", claimedBy("other", 12));
    const { store, routing, hand } = setUp({ claim: busy(), get: sequence(inFlight, inFlight, chat("requested")) });
    expect(await hand()).toEqual({ handover: "requested" });
    expect(clock.slept).toEqual([OUTCOME_POLL_MS, OUTCOME_POLL_MS, OUTCOME_POLL_MS]);
    expect(store.claims).toHaveLength(1);
    expect(store.settles).toHaveLength(0);
    expect(routing.sent).toHaveLength(0);
  });

  it.each<[string, () => ChatRecord, object]>([
    [
      "requested as a message",
      () => chat("requested", { mode: "message" }),
      { handover: "requested", mode: "message" },
    ],
    ["unconfirmed", () => chat("unconfirmed"), { handover: "requested", unconfirmed: true }],
    ["handed over", () => chat("handed_over"), { handover: "requested" }],
    ["a lapsed claim", () => chat("requesting", claimedBy("other", -1)), { handover: "requested", unconfirmed: true }],
    [
      "failed",
      () => chat("failed", { failureReason: "routing-rejected" }),
      { handover: "failed", reason: "routing-rejected" },
    ],
    ["failed without a reason", () => chat("failed"), { handover: "failed", reason: "routing-unavailable" }],
    ["handed back", () => chat("handed_back"), { handover: "failed", reason: "run-closed" }],
    ["ended", () => chat("ended"), { handover: "failed", reason: "run-closed" }],
    [
      "a hand-back whose lease lapsed",
      () => chat("handing_back", claimedBy("other", -1)),
      { handover: "failed", reason: "run-closed" },
    ],
    ["back in intake", () => chat("collecting"), { handover: "failed", reason: "in-progress" }],
  ])("the claimer's outcome %s is the duplicate's answer", async (_, record, answer) => {
    const { hand } = setUp({ claim: busy(), get: record });
    expect(await hand()).toEqual(answer);
  });

  it("a claim whose lease has lapsed ends the wait at the first read: the duplicate answers unconfirmed, not 13 s later", async () => {
    const { store, hand } = setUp({ claim: busy(), get: () => chat("requesting", claimedBy("other", -1)) });
    expect(await hand()).toEqual({ handover: "requested", unconfirmed: true });
    expect(store.reads()).toBe(1);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(OUTCOME_POLL_MS);
  });

  it("one direction at a time: a handover during a hand-back waits for it, and a lapsed hand-back closes the run", async () => {
    const handingBack = chat("handing_back", claimedBy("agent-tool", 1));
    const { routing, hand } = setUp({
      claim: refused("busy", handingBack),
      get: () => handingBack, // its lease lapses 2 s on
    });
    expect(await hand()).toEqual({ handover: "failed", reason: "run-closed" });
    expect(routing.sent).toHaveLength(0);
  });

  it("a chat that cannot be read keeps it waiting; when the wait ends: in-progress", async () => {
    const { store, logged, hand } = setUp({ claim: busy(), get: () => undefined }, scriptedRouting(ACCEPTED), {
      waitMs: 1000,
    });
    expect(await hand()).toEqual({ handover: "failed", reason: "in-progress" });
    expect(store.reads()).toBe(1000 / OUTCOME_POLL_MS);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "warn", message: "handover still in progress after waiting" }),
    );
  });

  it("waits the lease and a second by default; a claim still live then is answered requested", async () => {
    const { hand } = setUp({ claim: busy(), get: () => chat("requesting", claimedBy("other", 60)) });
    expect(await hand()).toEqual({ handover: "requested" });
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(13_000);
  });

  it("waits a shorter lease and a second when the lease is set", async () => {
    const { hand } = setUp({ claim: busy(), get: () => chat("requesting", claimedBy("other", 60)) }, undefined, {
      leaseSeconds: 2,
    });
    await hand();
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(3000);
  });
});
