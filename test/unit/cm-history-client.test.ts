import { CmHistoryClient, type CmHistoryClientOptions, erasesCmHistoryOn } from "@caic-handover/core/cm-history";
import { handoverMutation } from "@caic-handover/core/routing";
import { describe, expect, it } from "vitest";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A history client on a virtual clock: sleeps advance time, each answer is scripted. */
function client(answers: (() => Response | Promise<Response>)[], options: Partial<CmHistoryClientOptions> = {}) {
  let now = 0;
  const seen: { url: string; init: RequestInit }[] = [];
  const history = new CmHistoryClient({
    baseUrl: "https://cm.test/",
    accountId: "link-1",
    productToken: "token",
    log: silent,
    clock: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 1,
    fetch: (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      const answer = answers.shift();
      if (!answer) throw new Error("no scripted answer");
      return answer();
    }) as typeof fetch,
    ...options,
  });
  return { history, seen };
}

const status = (code: number) => () => new Response(code === 204 ? null : "{}", { status: code });
const networkError = () => {
  throw new TypeError("fetch failed");
};

describe("CM's Conversation History API client", () => {
  it("deletes the session with the documented request and the product token", async () => {
    const { history, seen } = client([status(204)]);
    expect(await history.deleteSession("s/1")).toEqual({ ok: true, status: 204, attempts: 1, found: true });
    expect(seen[0]!.url).toBe(
      "https://cm.test/conversational/conversation-history/v1/accounts/link-1/session-history/s%2F1",
    );
    expect(seen[0]!.init.method).toBe("DELETE");
    expect(seen[0]!.init.headers).toEqual({ "X-CM-PRODUCTTOKEN": "token" });
  });

  it("takes 404 as nothing left at CM, without retrying", async () => {
    const { history, seen } = client([status(404)]);
    expect(await history.deleteSession("s")).toMatchObject({ ok: true, found: false });
    expect(seen).toHaveLength(1);
  });

  it("retries 5xx, 429 and network errors, then succeeds", async () => {
    const { history, seen } = client([status(503), networkError, status(200)]);
    expect(await history.deleteSession("s")).toMatchObject({ ok: true, attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it("gives up after its attempts, as unavailable", async () => {
    const { history } = client([status(500), status(429), status(502)]);
    expect(await history.deleteSession("s")).toEqual({
      ok: false,
      reason: "history-unavailable",
      status: 502,
      attempts: 3,
    });
  });

  it("takes another 4xx (a bad token) as final", async () => {
    const { history, seen } = client([status(401)]);
    expect(await history.deleteSession("s")).toMatchObject({ ok: false, reason: "history-rejected", status: 401 });
    expect(seen).toHaveLength(1);
  });

  it("aborts an attempt that hangs", async () => {
    const { history } = client([], {
      attemptTimeoutMs: 20,
      maxAttempts: 1,
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => {
          // Never answers: only the attempt's timeout ends it.
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        })) as typeof fetch,
      clock: Date.now,
    });
    expect(await history.deleteSession("s")).toMatchObject({ ok: false, reason: "history-unavailable", attempts: 1 });
  });
});

describe("ERASE_CM_HISTORY", () => {
  it.each([
    ["off", false, false],
    ["on-erase", true, false],
    ["on-session-end", true, true],
  ] as const)("%s: erase %s, session end %s", (setting, onErase, onSessionEnd) => {
    expect([erasesCmHistoryOn(setting, "erase"), erasesCmHistoryOn(setting, "session-end")]).toEqual([
      onErase,
      onSessionEnd,
    ]);
  });
});

describe("the mutation request's Context", () => {
  const adapters = { client: "wc", bot: "bot", agent: "msc" };
  const visitor = { name: "Ann", email: "a@b.co" };
  it("sends the skill as RoutingKeywords unless keywords are given, and the culture's language", () => {
    const context = (extra: object) => handoverMutation("c", adapters, { ...visitor, ...extra }).Context;
    expect(context({ skill: "sales", culture: "fr-BE", reason: "why" })).toMatchObject({
      RoutingKeywords: "sales",
      skill: "sales",
      culture: "fr-BE",
      language: "fr",
      reason: "why",
    });
    expect(context({ skill: "sales", keywords: "vip" })).toMatchObject({ RoutingKeywords: "vip", skill: "sales" });
    expect(Object.keys(context({ referrer: "", keywords: "", skill: "", reason: "", culture: "" })!)).toEqual([
      "name",
      "email",
      "CustomerInfo",
    ]);
  });
});
