import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADAPTERS, type Harness, KEY, LOCAL_KEYS, newChatId, startHarness, TECHNICAL_LINK } from "../support/harness";
import { putItem } from "../support/reliability-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ PRESENCE_CACHE_SECONDS: "10", PRESENCE_WEBHOOK_REFERRERS: "https://closed.example" });
});
afterAll(() => h.close());
beforeEach(() => h.cm.reset());

/** The default handover template of the Router with an empty context: invalid JSON. */
const routerNotification = (chatId: string) =>
  `{"chatId":"${chatId}","sessionId":"s-1","accountId":"${TECHNICAL_LINK}","channel":"CXWebConversations","conversationHostId":"h","conversationClientId":"c","context":}`;

describe("a whole conversation", () => {
  it("ends with exactly one correct mutation request and the chat handed over", async () => {
    const chatId = newChatId();
    expect((await h.call("POST", "/caic/events", { body: { chatId } })).json).toEqual({
      chatId,
      status: "started",
      complete: false,
      missing: ["email", "name"],
      emailKnown: false,
      nameKnown: false,
      messageKnown: false,
    });

    const availability = await h.call("GET", "/availability", {
      query: { chatId, referrer: "https://shop.example/help" },
    });
    expect(availability.json).toEqual({ agentStatus: "online", agentAvailable: true, reason: "presence" });

    const wrong = await h.call("POST", "/intake/email", { body: { chatId, value: "jane.example.com" } });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({ valid: false, field: "email", attempts: 1, exhausted: false });
    expect(wrong.json.message).toMatch(/e-mail/);

    const email = await h.call("POST", "/intake/email", { body: { chatId, email: "  Jane.Doe@Example.COM " } });
    expect(email.json).toEqual({
      valid: true,
      field: "email",
      value: "Jane.Doe@example.com",
      complete: false,
      missing: ["name"],
    });

    const name = await h.call("POST", "/intake/name", { body: { chatId, value: " Jane   van der  Berg " } });
    expect(name.json).toEqual({ valid: true, field: "name", value: "Jane van der Berg", complete: true, missing: [] });

    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });

    const notified = await h.call("POST", "/router/handover", {
      body: routerNotification(chatId),
      headers: { "content-type": "application/json" },
    });
    expect(notified).toMatchObject({ status: 200, json: { ok: true } });

    const accepted = h.cm.acceptedMutations;
    expect(h.cm.routing.calls).toHaveLength(1);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.chatId).toBe(chatId);
    expect(accepted[0]!.technicalLinkId).toBe(TECHNICAL_LINK);
    expect(accepted[0]!.body).toEqual({
      ChatId: chatId,
      Mutations: [
        {
          $type: "ruleMutation",
          action: "Disable",
          operator: "And",
          sourceAdapterId: ADAPTERS.client,
          targetAdapterId: ADAPTERS.bot,
        },
        {
          $type: "ruleMutation",
          action: "Enable",
          operator: "And",
          sourceAdapterId: ADAPTERS.client,
          targetAdapterId: ADAPTERS.agent,
        },
      ],
      Context: {
        name: "Jane van der Berg",
        email: "Jane.Doe@example.com",
        CustomerInfo: JSON.stringify({ name: "Jane van der Berg", email: "Jane.Doe@example.com" }),
        WebStoreReferrer: "https://shop.example/help",
      },
    });
    expect(h.cm.webConversations.calls).toHaveLength(1);
    expect(h.cm.webConversations.calls[0]!.body).toBe(routerNotification(chatId));

    const status = await h.call("GET", `/chats/${chatId}`);
    expect(status.json).toMatchObject({
      chatId,
      status: "handed_over",
      email: "J***@example.com",
      name: "J*** v*** d*** B***",
    });
    expect(status.json.history.map((entry: { status: string }) => entry.status)).toEqual([
      "started",
      "collecting",
      "collecting",
      "requesting",
      "requested",
      "handed_over",
    ]);
    expect(status.text).not.toContain("Jane");
  });

  it("answers the active status instead of restarting a chat that is already handed over", async () => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    const again = await h.call("POST", "/caic/events", { body: { chatId } });
    expect(again.json).toMatchObject({ chatId, status: "requested", complete: true, missing: [] });
    expect((await h.item(chatId))!.status).toBe("requested");
  });
});

async function readyChat(chatId = newChatId()) {
  await h.call("POST", "/caic/events", { body: { chatId } });
  await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
  await h.call("POST", "/intake/name", { body: { chatId, value: "Jane" } });
  return chatId;
}

describe("exactly once", () => {
  it("20 concurrent handover calls for one chat send one mutation request; every caller hears requested", async () => {
    const chatId = await readyChat();
    h.cm.routing.behaviour.next({ delayMs: 300 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.call("POST", "/handover", { body: { chatId } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.json)).toEqual(Array(20).fill({ handover: "requested" }));
    expect(h.cm.routing.calls).toHaveLength(1);
    const later = await h.call("POST", "/handover", { body: { chatId } });
    expect(later.json).toEqual({ handover: "requested" });
    expect(h.cm.routing.calls).toHaveLength(1);
  });

  it("refuses a handover with missing fields without calling CM", async () => {
    const chatId = newChatId();
    await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
    const answer = await h.call("POST", "/handover", { body: { chatId } });
    expect(answer.json).toEqual({ handover: "failed", reason: "intake-incomplete", missing: ["name"] });
    const unknown = await h.call("POST", "/handover", { body: { chatId: newChatId() } });
    expect(unknown.json).toEqual({ handover: "failed", reason: "intake-incomplete", missing: ["email", "name"] });
    expect(h.cm.routing.calls).toHaveLength(0);
  });
});

describe("routing faults", () => {
  it("a 503 is unconfirmed after one attempt: the dialog hears requested, CM is never asked again in the run", async () => {
    const chatId = await readyChat();
    h.cm.routing.behaviour.next({ status: 503 });
    const answer = await h.call("POST", "/handover", { body: { chatId } });
    expect(answer.json).toEqual({ handover: "requested", unconfirmed: true });
    expect(h.cm.routing.calls.map((c) => c.status)).toEqual([503]);
    const status = await h.call("GET", `/chats/${chatId}`);
    expect(status.json).toMatchObject({ status: "unconfirmed", unconfirmed: true, unconfirmedReason: "status-503" });
    const repeat = await h.call("POST", "/handover", { body: { chatId } });
    expect(repeat.json).toEqual({ handover: "requested", unconfirmed: true });
    expect(h.cm.routing.calls).toHaveLength(1);
  });

  it("400 is final after one attempt: failed / routing-rejected, and may be tried again after its back-off", async () => {
    const chatId = await readyChat();
    h.cm.routing.behaviour.next({ status: 400 });
    const answer = await h.call("POST", "/handover", { body: { chatId } });
    expect(answer.json).toEqual({ handover: "failed", reason: "routing-rejected" });
    expect(h.cm.routing.calls).toHaveLength(1);
    const item = (await h.item(chatId))!;
    expect(item.status).toBe("failed");

    // A burst of retries inside the back-off period makes no second round of attempts.
    const burst = await h.call("POST", "/handover", { body: { chatId } });
    expect(burst.json).toEqual({ handover: "failed", reason: "routing-rejected" });
    expect(h.cm.routing.calls).toHaveLength(1);

    // The back-off over (its end moved into the past instead of waiting for it).
    await putItem(h, { ...(await h.item(chatId))!, retryAt: 0 });
    const retry = await h.call("POST", "/handover", { body: { chatId } });
    expect(retry.json).toEqual({ handover: "requested" });
    expect(h.cm.acceptedMutations).toHaveLength(1);
  });

  it("500 on every attempt is unconfirmed after one attempt, answered at once", async () => {
    const chatId = await readyChat();
    h.cm.routing.behaviour.standing = { status: 500 };
    const started = Date.now();
    const answer = await h.call("POST", "/handover", { body: { chatId } });
    expect(answer.json).toEqual({ handover: "requested", unconfirmed: true });
    expect(h.cm.routing.calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe("availability", () => {
  it("100 concurrent availability calls cost one presence call", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => h.call("GET", "/availability", { query: { referrer: "fan-in" } })),
    );
    expect(new Set(answers.map((a) => a.json.agentStatus))).toEqual(new Set(["online"]));
    expect(h.cm.presence.calls.filter((c) => c.referrer === "fan-in")).toHaveLength(1);
  });

  it.each([
    ["down (500)", { status: 500 }, "presence-error"],
    ["slow (5 s)", { delayMs: 5_000 }, "presence-timeout"],
    ["garbage", { status: 200, body: "<html>maintenance</html>" }, "presence-error"],
    ["dropping connections", { reset: true }, "presence-error"],
  ])("presence %s answers offline within 2.5 s", async (_label, fault, reason) => {
    const referrer = `fault-${reason}-${Math.random()}`;
    h.cm.presence.behaviour.next(fault);
    const started = Date.now();
    const answer = await h.call("GET", "/availability", { query: { referrer } });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(answer.json).toEqual({ agentStatus: "offline", agentAvailable: false, reason });
    const after = await h.call("GET", "/availability", { query: { referrer } });
    expect(after.json.reason).toBe("presence");
  });

  it("serves Web Conversations' presence-check webhook and the text/plain variant", async () => {
    h.cm.presence.byReferrer.set("https://closed.example", "Offline");
    // A page under a referrer listed in PRESENCE_WEBHOOK_REFERRERS is asked about as that referrer.
    const webhook = await h.call("POST", "/availability", {
      body: { url: "https://closed.example/shop?x=1", channel: "WebChat", data: { context: "store-1" } },
    });
    expect(webhook.json).toEqual({ agentStatus: "offline", agentAvailable: false, reason: "presence" });
    expect(h.cm.presence.calls.at(-1)).toMatchObject({ channel: "WebChat", referrer: "https://closed.example" });
    const text = await h.call("GET", "/availability", { headers: { accept: "text/plain" } });
    expect(text.headers["content-type"]).toMatch(/^text\/plain/);
    expect(text.text).toBe("online");
  });

  it("records the answer on the chat and marks it unavailable when offline", async () => {
    const chatId = newChatId();
    await h.call("POST", "/caic/events", { body: { chatId } });
    h.cm.presence.byReferrer.set("nobody-home", "Offline");
    await h.call("GET", "/availability", { query: { chatId, referrer: "nobody-home" } });
    const item = await h.item(chatId);
    expect(item).toMatchObject({ status: "unavailable", presence: { agentStatus: "offline", reason: "presence" } });
  });
});

describe("intake", () => {
  it("takes steps in any order, repeated; the latest valid value wins", async () => {
    const chatId = newChatId();
    expect((await h.call("POST", "/intake/name", { body: { chatId, value: "Ann" } })).json.missing).toEqual(["email"]);
    await h.call("POST", "/intake/email", { body: { chatId, value: "first@example.com" } });
    await h.call("POST", "/intake/name", { body: { chatId, value: "Ann-Marie O'Neil" } });
    const last = await h.call("POST", "/intake/email", { body: { chatId, value: "second@example.com" } });
    expect(last.json).toMatchObject({ valid: true, complete: true, missing: [] });
    expect(await h.item(chatId)).toMatchObject({
      email: "second@example.com",
      name: "Ann-Marie O'Neil",
      status: "collecting",
    });
    expect((await h.call("GET", `/chats/${chatId}`)).json.status).toBe("ready");
  });

  it("an invalid value is not stored; the third invalid attempt is exhausted", async () => {
    const chatId = newChatId();
    await h.call("POST", "/intake/name", { body: { chatId, value: "Ann" } });
    const answers = [];
    for (const value of ["http://spam.example", "R2-D2", "<script>"]) {
      answers.push((await h.call("POST", "/intake/name", { body: { chatId, value } })).json);
    }
    expect(answers.map((a) => [a.valid, a.attempts, a.exhausted])).toEqual([
      [false, 1, false],
      [false, 2, false],
      [false, 3, true],
    ]);
    expect((await h.item(chatId))!.name).toBe("Ann");
  });

  it("accepts form-encoded bodies", async () => {
    const chatId = newChatId();
    const answer = await h.call("POST", "/intake/email", {
      body: new URLSearchParams({ chatId, email: "form@example.com" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(answer.json).toMatchObject({ valid: true, value: "form@example.com" });
  });
});

describe("handover notification", () => {
  it("accepts the Router's broken-JSON template, is idempotent, and answers 200 for unknown chats", async () => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    for (let i = 0; i < 2; i++) {
      const answer = await h.call("POST", "/router/handover", { body: routerNotification(chatId) });
      expect(answer).toMatchObject({ status: 200, json: { ok: true } });
    }
    const item = await h.item(chatId);
    expect(item!.status).toBe("handed_over");
    expect(item!.history.filter((e) => e.status === "handed_over")).toHaveLength(1);
    const unknown = await h.call("POST", "/router/handover", { body: "complete garbage {{{" });
    expect(unknown).toMatchObject({ status: 200, json: { ok: true } });
  });

  it("once authenticated, answers 200 and forwards whatever else the URL or body carries, acting on the body's chat", async () => {
    const queries: Record<string, string>[] = [
      { chatId: "../x" },
      { chatId: "null" },
      { ChatId: "a b" },
      { chatId: newChatId() },
    ];
    for (const query of queries) {
      const chatId = await readyChat();
      await h.call("POST", "/handover", { body: { chatId } });
      const forwards = h.cm.webConversations.calls.length;
      const answer = await h.call("POST", "/router/handover", { query, body: routerNotification(chatId) });
      expect(answer, JSON.stringify(query)).toMatchObject({ status: 200, json: { ok: true } });
      expect(h.cm.webConversations.calls).toHaveLength(forwards + 1);
      expect(h.cm.webConversations.calls.at(-1)!.body).toBe(routerNotification(chatId));
      expect((await h.item(chatId))!.status).toBe("handed_over");
      if (query.chatId && query.chatId.length === 36) expect(await h.item(query.chatId)).toBeUndefined();

      const ended = await h.call("POST", "/router/events", {
        query,
        body: { chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
      });
      expect(ended).toMatchObject({ status: 200, json: { ok: true } });
      expect((await h.item(chatId))!.status).toBe("ended");
    }
    // A notification confirms only a run whose handover was requested (docs/design.md#chat-states).
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    const big = JSON.stringify({ chatId, context: { transcript: "x".repeat(20 * 1024) } });
    const forwards = h.cm.webConversations.calls.length;
    expect(await h.call("POST", "/router/handover", { body: big })).toMatchObject({ status: 200, json: { ok: true } });
    expect(h.cm.webConversations.calls).toHaveLength(forwards + 1);
    expect((await h.item(chatId))!.status).toBe("handed_over");
    // A valid chat id in the URL stands in when the body names none.
    const named = await readyChat();
    await h.call("POST", "/handover", { body: { chatId: named } });
    expect((await h.call("POST", "/router/handover", { query: { chatId: named }, body: "{}" })).status).toBe(200);
    expect((await h.item(named))!.status).toBe("handed_over");
  });

  it("still answers 200 when Web Conversations is down", async () => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    h.cm.webConversations.behaviour.standing = { status: 502 };
    const answer = await h.call("POST", "/router/handover", { body: { chatId } });
    expect(answer).toMatchObject({ status: 200, json: { ok: true } });
    expect((await h.item(chatId))!.status).toBe("handed_over");
  });
});

describe("the edge", () => {
  const requests: [string, string, object | undefined][] = [
    ["POST", "/caic/events", { chatId: "c1" }],
    ["GET", "/availability", undefined],
    ["POST", "/availability", {}],
    ["POST", "/intake/email", { chatId: "c1", value: "a@b.co" }],
    ["POST", "/intake/name", { chatId: "c1", value: "Ann" }],
    ["POST", "/handover", { chatId: "c1" }],
    ["POST", "/router/handover", { chatId: "c1" }],
    ["POST", "/router/events", { chatId: "c1" }],
    ["GET", "/chats/c1", undefined],
    ["DELETE", "/chats/c1", undefined],
  ];

  it.each(requests)("%s %s: a missing or wrong key is 401 and changes nothing", async (method, path, body) => {
    for (const key of [null, "wrong", `${KEY}x`, ""]) {
      const answer = await h.call(method, path, { body, key });
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: "unauthorized", message: expect.stringMatching(/^send the key in /) });
    }
    expect(await h.item("c1")).toBeUndefined();
    expect(h.cm.routing.calls).toHaveLength(0);
  });

  it("accepts the key in the query string (the Router's event endpoint cannot send headers)", async () => {
    const answer = await h.call("POST", "/router/events", {
      key: null,
      query: { key: LOCAL_KEYS.ROUTER_WEBHOOK_KEY },
      body: { chatId: "x" },
    });
    expect(answer.status).toBe(200);
  });

  it.each([
    ["no chatId", "/caic/events", {}, /chatId is required/],
    ["numeric chatId", "/caic/events", { chatId: 42 }, /chatId must be a string/],
    ["chatId with spaces", "/intake/email", { chatId: "a b", value: "x@y.z" }, /chatId/],
    ["chatId too long", "/handover", { chatId: "a".repeat(129) }, /chatId/],
    ["value of wrong type", "/intake/email", { chatId: "ok-1", value: 12 }, /value must be a string/],
    ["no value at all", "/intake/name", { chatId: "ok-1" }, /name is required/],
    ["not JSON", "/intake/name", "{nope", /body/],
    ["a JSON array", "/handover", "[1,2]", /chatId is required/],
    ["referrer of wrong type", "/handover", { chatId: "ok-1", referrer: { a: 1 } }, /referrer/],
  ])("%s is a 400 naming the problem, and changes nothing", async (_label, path, body, message) => {
    const answer = await h.call("POST", path, { body, headers: { "content-type": "application/json" } });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(message);
    expect(await h.scan().then((items) => items.filter((i) => i.chatId === "ok-1"))).toEqual([]);
  });

  it("an empty chatId (an unset CAIC variable) counts as absent", async () => {
    const availability = await h.call("GET", "/availability", { query: { chatId: "" } });
    expect(availability).toMatchObject({ status: 200, json: { agentStatus: "online" } });
    const event = await h.call("POST", "/caic/events", { body: { chatId: "" } });
    expect(event).toMatchObject({ status: 400, json: { message: "chatId is required" } });
  });

  it("a body over 16 KB is 413", async () => {
    const answer = await h.call("POST", "/intake/name", { body: { chatId: "ok-2", value: "a".repeat(17_000) } });
    expect(answer.status).toBe(413);
    expect(await h.item("ok-2")).toBeUndefined();
  });

  it("unknown chats are 404 on status", async () => {
    const answer = await h.call("GET", `/chats/${newChatId()}`);
    expect(answer.status).toBe(404);
  });
});
