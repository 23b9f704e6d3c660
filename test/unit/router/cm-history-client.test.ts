import { CmHistoryClient, type CmHistoryClientOptions, erasesCmHistoryOn } from "@caic-handover/core/router/cm-history";
import { findRouterSessionId } from "@caic-handover/core/router/notification";
import { handoverMutation } from "@caic-handover/core/router/routing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ScriptedAnswer, scriptedFetch, silentLog, virtualClock } from "../../support/scripted-upstream";

/** A history client on a virtual clock: sleeps advance time, each answer is scripted. */
function client(answers: ScriptedAnswer[], options: Partial<CmHistoryClientOptions> = {}) {
  const { clock, sleep } = virtualClock();
  const { fetch, seen } = scriptedFetch(answers);
  const history = new CmHistoryClient({
    baseUrl: "https://cm.test/",
    accountId: "link-1",
    productToken: "token",
    log: silentLog,
    clock,
    sleep,
    random: () => 1,
    fetch,
    ...options,
  });
  return { history, seen };
}

const status = (code: number) => () => new Response(code === 204 ? null : "{}", { status: code });
const networkError = () => {
  throw new TypeError("fetch failed");
};

const owned = (chatId: string) => () =>
  new Response(JSON.stringify({ routerSessionId: "s", chatId, messages: [] }), { status: 200 });
const SESSION = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

describe("CM's Conversation History API client", () => {
  it("deletes the session with the documented request and the product token", async () => {
    const { history, seen } = client([status(204)]);
    expect(await history.deleteSession(SESSION)).toEqual({ outcome: "erased", status: 204, attempts: 1 });
    expect(seen[0]!.url).toBe(
      `https://cm.test/conversational/conversation-history/v1/accounts/link-1/session-history/${SESSION}`,
    );
    expect(seen[0]!.init.method).toBe("DELETE");
    expect(seen[0]!.init.headers).toEqual({ "X-CM-PRODUCTTOKEN": "token" });
  });

  it("given the chat, reads the session first and deletes only when CM's read names that chat (or none)", async () => {
    const mine = client([owned("chat-1"), status(204)]);
    expect(await mine.history.deleteSession(SESSION, "chat-1")).toMatchObject({ outcome: "erased", attempts: 2 });
    expect(mine.seen.map((s) => [s.init.method, s.url])).toEqual([
      [
        "GET",
        `https://cm.test/conversational/conversation-history/v2/accounts/link-1/session-history?routerSessionId=${SESSION}`,
      ],
      ["DELETE", `https://cm.test/conversational/conversation-history/v1/accounts/link-1/session-history/${SESSION}`],
    ]);
    const unnamed = client([() => new Response("{}", { status: 200 }), status(204)]);
    expect(await unnamed.history.deleteSession(SESSION, "chat-1")).toMatchObject({ outcome: "erased" });
  });

  it("refuses to delete a session CM's read says belongs to another chat", async () => {
    const { history, seen } = client([owned("chat-2")]);
    expect(await history.deleteSession(SESSION, "chat-1")).toEqual({
      outcome: "failed",
      reason: "other-chat",
      status: 200,
      attempts: 1,
    });
    expect(seen.map((s) => s.init.method)).toEqual(["GET"]);
  });

  it.each([".", "..", "", "-", "_", ".x", "..%2F", "a/b", "a b", "{{$sessionId}}", "x".repeat(129)])(
    "never sends a request for the unsafe session id %j",
    async (id) => {
      const { history, seen } = client([status(204)]);
      expect(await history.deleteSession(id, "chat-1")).toEqual({
        outcome: "failed",
        reason: "invalid-id",
        attempts: 0,
      });
      expect(seen).toEqual([]);
      expect(() => history.sessionUrl(id)).toThrow(RangeError);
    },
  );

  it("never takes a dot segment or a template for a Router session id from the Handover Endpoint body", () => {
    for (const id of [".", "..", "...", "-.", "{{$sessionId}}", "a/b"]) {
      const raw = JSON.stringify({ chatId: "c", sessionId: id });
      expect(findRouterSessionId(raw, JSON.parse(raw))).toBeUndefined();
    }
    const raw = JSON.stringify({ chatId: "c", sessionId: SESSION });
    expect(findRouterSessionId(raw, JSON.parse(raw))).toBe(SESSION);
  });

  it("builds a URL whose final path is the session's own segment under the account, for any safe id", () => {
    const { history } = client([]);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/), (id) => {
        const url = new URL(history.sessionUrl(id));
        expect(url.pathname).toBe(
          `/conversational/conversation-history/v1/accounts/link-1/session-history/${encodeURIComponent(id)}`,
        );
        expect(new URL(history.readUrl(id)).searchParams.get("routerSessionId")).toBe(id);
      }),
      { seed: 25, numRuns: 200 },
    );
  });

  it("takes 404 as not found (never erased), without retrying", async () => {
    const { history, seen } = client([status(404)]);
    expect(await history.deleteSession(SESSION)).toEqual({ outcome: "not-found", status: 404, attempts: 1 });
    expect(seen).toHaveLength(1);
    const read = client([status(404)]);
    expect(await read.history.deleteSession(SESSION, "chat-1")).toMatchObject({ outcome: "not-found" });
    expect(read.seen.map((s) => s.init.method)).toEqual(["GET"]);
  });

  it("retries 5xx, 429 and network errors, then succeeds", async () => {
    const { history, seen } = client([status(503), networkError, status(200)]);
    expect(await history.deleteSession(SESSION)).toMatchObject({ outcome: "erased", attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it("gives up after its attempts, as unavailable", async () => {
    const { history } = client([status(500), status(429), status(502)]);
    expect(await history.deleteSession(SESSION)).toEqual({
      outcome: "failed",
      reason: "history-unavailable",
      status: 502,
      attempts: 3,
    });
  });

  it("takes another 4xx (a bad token) as final", async () => {
    const { history, seen } = client([status(401)]);
    expect(await history.deleteSession(SESSION)).toMatchObject({
      outcome: "failed",
      reason: "history-rejected",
      status: 401,
    });
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
    expect(await history.deleteSession(SESSION)).toMatchObject({
      outcome: "failed",
      reason: "history-unavailable",
      attempts: 1,
    });
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
