import type { Fault } from "@caic-handover/local/cm-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newChatId } from "../../support/harness";
import {
  BUDGET_MS,
  lambdaTimeoutMs,
  person,
  putItem,
  type Reliability,
  SLACK_MS,
  startReliability,
  timed,
} from "../../support/reliability-harness";

/** Presence, routing and Web Conversations failing every way SPEC §3 names; each answer inside its budget. */
let r: Reliability;
beforeAll(async () => {
  // No answer is young enough to serve in place of a failed call: the faults reach the caller as SPEC names them.
  r = await startReliability(import.meta.filename, { PRESENCE_CACHE_SECONDS: "0", PRESENCE_MAX_STALE_SECONDS: "0" });
});
afterAll(() => r.finish());

let people = 0;
async function readyChat() {
  const chatId = newChatId();
  const { name, email } = person(`upstream-${people++}`);
  r.logs.personal(name, email);
  await r.call("POST", "/caic/events", { body: { chatId } });
  expect((await r.call("POST", "/intake/email", { body: { chatId, value: email } })).json.valid).toBe(true);
  expect((await r.call("POST", "/intake/name", { body: { chatId, value: name } })).json.valid).toBe(true);
  return chatId;
}

type Behaviour = { behaviour: { next(...f: Fault[]): void; standing: Fault | undefined } };

function inject(part: Behaviour, fault: Fault, standing = false) {
  r.figures.faults += 1;
  if (standing) part.behaviour.standing = fault;
  else part.behaviour.next(fault);
}

/**
 * Presence, routing and Web Conversations have separate fault scripts, so the three groups run at
 * once; the cases inside a group run one after another, each checked on its own chat.
 */
describe.concurrent("upstream faults", () => {
  it("presence: offline with the named reason within 2 s, and the next call asks again", async () => {
    const cases: [string, Fault, string][] = [
      ["slow (2.5 s)", { delayMs: 2_500 }, "presence-timeout"],
      ["500", { status: 500, body: "Internal Server Error" }, "presence-error"],
      ["503 with HTML", { status: 503, body: "<html>down</html>" }, "presence-error"],
      ["200 with garbage", { status: 200, body: "<html>maintenance</html>" }, "presence-error"],
      ["200 with an empty body", { status: 200, body: "" }, "presence-error"],
      ["200 with JSON", { status: 200, body: '{"status":"Online"}' }, "presence-error"],
      ["connection reset", { reset: true }, "presence-error"],
      ["401 (key revoked)", { status: 401, body: "Unauthorized" }, "presence-error"],
    ];
    for (const [label, fault, reason] of cases) {
      const chatId = newChatId();
      await r.call("POST", "/caic/events", { body: { chatId } });
      inject(r.h.cm.presence, fault);
      const [answer, ms] = await timed(() => r.call("GET", "/availability", { query: { chatId } }));
      expect(answer.status, label).toBe(200);
      expect(answer.json, label).toEqual({ agentStatus: "offline", agentAvailable: false, reason });
      expect(ms, label).toBeLessThan(BUDGET_MS.presence + SLACK_MS);
      expect(await r.h.item(chatId), label).toMatchObject({
        status: "unavailable",
        presence: { agentStatus: "offline", reason },
      });
      const after = await r.call("GET", "/availability", { query: { chatId }, headers: { accept: "text/plain" } });
      expect(after.text, `${label}: after`).toBe("online");
    }

    inject(r.h.cm.presence, { delayMs: 1_200 });
    const slowButInTime = await r.call("GET", "/availability");
    expect(slowButInTime.json, "slow but inside the deadline").toEqual({
      agentStatus: "online",
      agentAvailable: true,
      reason: "presence",
    });

    inject(r.h.cm.presence, { status: 502 });
    const webhook = await r.call("POST", "/availability", {
      body: { url: "https://shop.example", channel: "WebChat", data: { context: "x" } },
    });
    expect(webhook.json, "the presence-check webhook").toEqual({
      agentStatus: "offline",
      agentAvailable: false,
      reason: "presence-error",
    });
    expect((await r.call("POST", "/availability", { body: { url: "https://shop.example" } })).json.agentStatus).toBe(
      "online",
    );
  }, 30_000);

  it("routing: the answer SPEC §3 names, inside 8 s; a failure may be retried after its back-off, an unconfirmed request never in the run", async () => {
    const cases: [string, Fault[], Fault | undefined, object, number][] = [
      [
        "429 with Retry-After: 1",
        [{ status: 429, headers: { "retry-after": "1" } }],
        undefined,
        { handover: "requested" },
        2,
      ],
      ["429 without Retry-After", [{ status: 429 }, { status: 429 }], undefined, { handover: "requested" }, 3],
      ["429 on every attempt", [], { status: 429 }, { handover: "failed", reason: "routing-unavailable" }, 3],
      [
        "429 with a Retry-After beyond the budget",
        [{ status: 429, headers: { "retry-after": "30" } }],
        undefined,
        { handover: "failed", reason: "routing-unavailable" },
        1,
      ],
      [
        "500 (CM may have acted: never re-sent)",
        [{ status: 500 }],
        undefined,
        { handover: "requested", unconfirmed: true },
        1,
      ],
      [
        "502 on every attempt",
        [],
        { status: 502, body: "<html>bad gateway</html>" },
        { handover: "requested", unconfirmed: true },
        1,
      ],
      ["503 on every attempt", [], { status: 503 }, { handover: "requested", unconfirmed: true }, 1],
      ["connection reset then 200", [{ reset: true }], undefined, { handover: "requested", unconfirmed: true }, 1],
      ["connection reset on every attempt", [], { reset: true }, { handover: "requested", unconfirmed: true }, 1],
      [
        "timeout (3.5 s, then a gateway 504) on every attempt",
        [],
        { delayMs: 3_500, status: 504 },
        { handover: "requested", unconfirmed: true },
        1,
      ],
      [
        "timeout (hung, then dropped) then 200",
        [{ delayMs: 3_500, reset: true }],
        undefined,
        { handover: "requested", unconfirmed: true },
        1,
      ],
      ["200 with an empty body", [{ status: 200, body: "" }], undefined, { handover: "requested" }, 1],
      [
        "200 with an unexpected body",
        [{ status: 200, body: "<html>hello</html>" }],
        undefined,
        { handover: "requested" },
        1,
      ],
      [
        "400 (final)",
        [{ status: 400, body: '{"message":"bad"}' }],
        undefined,
        { handover: "failed", reason: "routing-rejected" },
        1,
      ],
      ["403 (final)", [{ status: 403 }], undefined, { handover: "failed", reason: "routing-rejected" }, 1],
      ["404 (final)", [{ status: 404 }], undefined, { handover: "failed", reason: "routing-rejected" }, 1],
    ];
    const callsFor = (chatId: string) => r.h.cm.routing.calls.filter((c) => c.chatId === chatId);
    for (const [label, oneShot, standing, expected, attempts] of cases) {
      const chatId = await readyChat();
      for (const fault of oneShot) inject(r.h.cm.routing, fault);
      if (standing) inject(r.h.cm.routing, standing, true);
      const [answer, ms] = await timed(() => r.call("POST", "/handover", { body: { chatId } }));
      expect(answer.status, label).toBe(200);
      expect(answer.json, label).toEqual(expected);
      expect(callsFor(chatId), label).toHaveLength(attempts);
      expect(ms, label).toBeLessThan(BUDGET_MS.routing + SLACK_MS);
      expect(ms, label).toBeLessThan(lambdaTimeoutMs("handover"));

      r.h.cm.routing.behaviour.reset();
      const unconfirmed = "unconfirmed" in expected;
      // A failure's back-off is over (moved into the past instead of waiting); an unconfirmed request has none.
      if (!unconfirmed) await putItem(r.h, { ...(await r.h.item(chatId))!, retryAt: 0 });
      const again = await r.call("POST", "/handover", { body: { chatId } });
      if (unconfirmed) {
        expect(again.json, `${label}: again`).toEqual(expected);
        expect(callsFor(chatId), `${label}: never re-sent`).toHaveLength(attempts);
        expect((await r.h.item(chatId))!.status, label).toBe("unconfirmed");
      } else {
        expect(again.json, `${label}: again`).toEqual({ handover: "requested" });
        expect(
          r.h.cm.acceptedMutations.filter((c) => c.chatId === chatId),
          label,
        ).toHaveLength(1);
        expect((await r.h.item(chatId))!.status, label).toBe("requested");
      }
    }

    const chatId = await readyChat();
    inject(r.h.cm.routing, { status: 503, delayMs: 500 });
    const [first, second] = await Promise.all([
      r.call("POST", "/handover", { body: { chatId } }),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() => r.call("POST", "/handover", { body: { chatId } })),
    ]);
    expect(first.json, "a 503 is unconfirmed").toEqual({ handover: "requested", unconfirmed: true });
    expect(second.json, "a duplicate waits for that outcome").toEqual({ handover: "requested", unconfirmed: true });
    expect(callsFor(chatId)).toHaveLength(1);
  }, 90_000);

  it("Web Conversations forward target failing: the Router still hears 200 at once", async () => {
    const cases: [string, Fault][] = [
      ["502", { status: 502 }],
      ["500 with HTML", { status: 500, body: "<html>oops</html>" }],
      ["connection reset", { reset: true }],
      ["timeout (4 s)", { delayMs: 4_000 }],
    ];
    for (const [label, fault] of cases) {
      const chatId = newChatId();
      await r.call("POST", "/caic/events", { body: { chatId } });
      // A notification confirms only a run whose handover was requested (docs/design.md#chat-states).
      await putItem(r.h, { ...(await r.h.item(chatId))!, status: "requested" });
      inject(r.h.cm.webConversations, fault);
      const [answer, ms] = await timed(() => r.call("POST", "/router/handover", { body: { chatId, context: null } }));
      expect(answer, label).toMatchObject({ status: 200, json: { ok: true } });
      expect(ms, label).toBeLessThan(BUDGET_MS.forward + SLACK_MS);
      expect((await r.h.item(chatId))!.status, label).toBe("handed_over");

      const again = await r.call("POST", "/router/handover", { body: { chatId } });
      expect(again, `${label}: again`).toMatchObject({ status: 200, json: { ok: true } });
      expect(r.h.cm.webConversations.calls.at(-1)!.status, label).toBe(200);
      expect(
        (await r.h.item(chatId))!.history.filter((e) => e.status === "handed_over"),
        label,
      ).toHaveLength(1);
    }
  }, 30_000);
});
