import { handoverMutation, RoutingClient, type RoutingClientOptions } from "@caic-handover/core/router/routing";
import { describe, expect, it } from "vitest";
import { type ScriptedAnswer, scriptedFetch, silentLog, virtualClock } from "../../support/scripted-upstream";

const request = handoverMutation(
  "chat-1",
  { client: "wc", bot: "bot", agent: "msc" },
  { name: "Ann", email: "a@b.co" },
);

/** A routing client on a virtual clock: sleeps advance time, each answer is scripted. */
function client(answers: ScriptedAnswer[], options: Partial<RoutingClientOptions> = {}) {
  const { clock, sleep, sleeps, advance } = virtualClock();
  const { fetch, seen } = scriptedFetch(answers);
  const routing = new RoutingClient({
    baseUrl: "https://cm.test/",
    technicalLinkId: "link/1",
    productToken: "token",
    log: silentLog,
    clock,
    sleep,
    random: () => 1,
    fetch,
    ...options,
  });
  return { routing, sleeps, seen, advance };
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(code === 204 ? null : "{}", { status: code, headers });
/** A failure before the request was written (undici puts the socket error's code in `cause`). */
const refused =
  (code = "ECONNREFUSED") =>
  () => {
    throw new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
  };
/** A failure after the request may have been written. */
const reset = () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
  });
};

describe("routing client", () => {
  it("sends the documented mutation request", async () => {
    const { routing, seen } = client([status(200)]);
    expect(await routing.requestMutation(request)).toEqual({ ok: true, status: 200, attempts: 1 });
    expect(seen[0]!.url).toBe(
      "https://cm.test/conversational/control/v1/accounts/link%2F1/chats/chat-1/routing/mutationrequests",
    );
    expect(seen[0]!.init.method).toBe("POST");
    expect(seen[0]!.init.headers).toEqual({ "X-CM-PRODUCTTOKEN": "token", "Content-Type": "application/json" });
    expect(JSON.parse(seen[0]!.init.body as string)).toEqual(request);
  });

  it("retries what CM cannot have received (refused connection, DNS, 429) with growing jittered backoff", async () => {
    const { routing, sleeps } = client([refused(), status(429), status(204)]);
    expect(await routing.requestMutation(request)).toEqual({ ok: true, status: 204, attempts: 3 });
    expect(sleeps).toEqual([250, 500]);
  });

  it("honours Retry-After when it fits the budget", async () => {
    const { routing, sleeps } = client([status(429, { "retry-after": "2" }), status(200)]);
    expect((await routing.requestMutation(request)).ok).toBe(true);
    expect(sleeps).toEqual([2000]);
  });

  it("gives up when Retry-After does not fit the 8 s budget", async () => {
    const { routing, sleeps } = client([status(429, { "retry-after": "30" })]);
    expect(await routing.requestMutation(request)).toEqual({
      ok: false,
      reason: "routing-unavailable",
      status: 429,
      attempts: 1,
    });
    expect(sleeps).toEqual([]);
  });

  it("stops after 3 attempts", async () => {
    const { routing } = client([refused("ENOTFOUND"), refused("EAI_AGAIN"), status(429), status(200)]);
    expect(await routing.requestMutation(request)).toEqual({
      ok: false,
      reason: "routing-unavailable",
      status: 429,
      attempts: 3,
    });
  });

  it.each([500, 502, 503])("never re-sends after %i: CM may have acted (unconfirmed)", async (code) => {
    const { routing, seen } = client([status(code), status(200)]);
    expect(await routing.requestMutation(request)).toEqual({
      ok: false,
      reason: "routing-unconfirmed",
      status: code,
      attempts: 1,
      detail: `status-${code}`,
    });
    expect(seen).toHaveLength(1);
  });

  it("never re-sends after a reset: the request may have been written", async () => {
    const { routing, seen } = client([reset, status(200)]);
    expect(await routing.requestMutation(request)).toMatchObject({ ok: false, reason: "routing-unconfirmed" });
    expect(seen).toHaveLength(1);
  });

  it("keeps a caller's smaller budget (what is left of a claim's lease)", async () => {
    const { routing, sleeps } = client([status(429, { "retry-after": "2" }), status(200)]);
    expect(await routing.requestMutation(request, { budgetMs: 1500 })).toMatchObject({ ok: false, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it.each([400, 401, 403, 404, 409])("treats %i as final", async (code) => {
    const { routing, seen } = client([status(code), status(200)]);
    expect(await routing.requestMutation(request)).toEqual({
      ok: false,
      reason: "routing-rejected",
      status: code,
      attempts: 1,
    });
    expect(seen).toHaveLength(1);
  });

  it("cuts a hanging attempt at its timeout and does not re-send it (unconfirmed)", async () => {
    let attempts = 0;
    const hang = (async (_url: string, init: RequestInit) => {
      attempts++;
      return new Promise<Response>((_resolve, reject) => {
        init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
      });
    }) as typeof fetch;
    const routing = new RoutingClient({
      baseUrl: "https://cm.test",
      technicalLinkId: "link",
      productToken: "token",
      log: silentLog,
      fetch: hang,
      attemptTimeoutMs: 300,
      budgetMs: 1000,
      baseDelayMs: 10,
    });
    const started = performance.now();
    const result = await routing.requestMutation(request);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ ok: false, reason: "routing-unconfirmed", attempts: 1, detail: "timeout" });
    expect(attempts).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000 + 250);
  });
});

describe("handover mutation", () => {
  it("disables client→bot, enables client→agent, and carries the context CM's HALO handover uses", () => {
    const mutation = handoverMutation(
      "c",
      { client: "wc", bot: "bot", agent: "msc" },
      { name: "Ann", email: "a@b.co", referrer: "https://shop", keywords: "billing" },
    );
    expect(mutation).toEqual({
      ChatId: "c",
      Mutations: [
        { $type: "ruleMutation", action: "Disable", operator: "And", sourceAdapterId: "wc", targetAdapterId: "bot" },
        { $type: "ruleMutation", action: "Enable", operator: "And", sourceAdapterId: "wc", targetAdapterId: "msc" },
      ],
      Context: {
        name: "Ann",
        email: "a@b.co",
        CustomerInfo: '{"name":"Ann","email":"a@b.co"}',
        WebStoreReferrer: "https://shop",
        RoutingKeywords: "billing",
      },
    });
  });
});
