import { MAX_REASON_LENGTH, normaliseDetail } from "@caic-handover/core/handover/handover-details";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, newChatId, startHarness, TECHNICAL_LINK } from "../support/harness";

/**
 * What the agent needs: the dialog's `reason` and `skill` and the visitor's culture reach the
 * mutation request's `Context` (empty ones left out), the status route shows them, and the Router's
 * session id is kept from every known shape of its Handover Endpoint body. ERASE_CM_HISTORY is off here.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const VISITOR = { name: "Vera Visitor", email: "visitor@example.com" };

/** A chat with the visitor's details known, so the handover may go out. */
async function readyChat(extra: Record<string, string> = {}) {
  const chatId = newChatId();
  const started = await h.call("POST", "/caic/events", { body: { chatId, ...VISITOR, ...extra } });
  expect(started.status, started.text).toBe(200);
  return chatId;
}

const contextOf = (chatId: string) =>
  (
    h.cm.acceptedMutations.find((call) => call.chatId === chatId && call.kind === "handover")?.body as {
      Context: Record<string, string>;
    }
  )?.Context;

describe("the mutation request's Context", () => {
  it("carries the reason, the skill as RoutingKeywords, the culture and the referrer", async () => {
    const chatId = await readyChat({ reason: "Refund asked twice", skill: "billing", culture: "nl-BE" });
    await h.call("GET", "/availability", { query: { chatId, referrer: "https://shop.example/nl" } });
    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect(contextOf(chatId)).toEqual({
      name: VISITOR.name,
      email: VISITOR.email,
      CustomerInfo: JSON.stringify(VISITOR),
      WebStoreReferrer: "https://shop.example/nl",
      RoutingKeywords: "billing",
      skill: "billing",
      reason: "Refund asked twice",
      culture: "nl-BE",
      language: "nl",
    });
    const status = (await h.call("GET", `/chats/${chatId}`)).json;
    expect(status).toMatchObject({ reason: "Refund asked twice", skill: "billing", culture: "nl-BE" });
  });

  it("keeps the dialog's keywords as RoutingKeywords and sends the skill beside them", async () => {
    const chatId = await readyChat({ skill: "billing" });
    await h.call("POST", "/handover", { body: { chatId, keywords: "refund,invoice", culture: "pt-BR" } });
    expect(contextOf(chatId)).toMatchObject({ RoutingKeywords: "refund,invoice", skill: "billing", culture: "pt-BR" });
  });

  it('leaves out every value not given or empty: no WebStoreReferrer "", no RoutingKeywords ""', async () => {
    const chatId = await readyChat({ reason: "", skill: "{{skill}}", culture: "" });
    await h.call("POST", "/handover", { body: { chatId, referrer: "", keywords: "null", reason: " ", skill: "" } });
    expect(contextOf(chatId)).toEqual({
      name: VISITOR.name,
      email: VISITOR.email,
      CustomerInfo: JSON.stringify(VISITOR),
    });
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({ reason: null, skill: null, culture: null });
  });

  it("takes the latest given value, and an empty one never overwrites it", async () => {
    const chatId = await readyChat({ reason: "first", skill: "sales", culture: "de-AT" });
    await h.call("POST", "/handover", { body: { chatId, reason: "second", skill: "", culture: "" } });
    expect(contextOf(chatId)).toMatchObject({
      reason: "second",
      skill: "sales",
      RoutingKeywords: "sales",
      culture: "de-AT",
    });
  });

  it("makes reason and skill one clean line: white space runs one space, invisible characters gone, scripts' joiners kept", async () => {
    const chatId = await readyChat({ reason: "line one\nline\ttwo\u200b ", skill: "پشتیبانی\u200cفنی\u200b" });
    expect(await h.item(chatId)).toMatchObject({ reason: "line one line two", skill: "پشتیبانی\u200cفنی" });
    for (const [skill, stored] of [
      ["customer's", "customer's"],
      ["tier\u00a0one", "tier one"],
      ["billing\u0000", "billing"],
    ] as const) {
      const other = await readyChat({ skill });
      expect((await h.item(other))?.skill).toBe(stored);
    }
  });

  it.each([
    ["reason", "refund \u202eevil"],
    ["reason", "x".repeat(MAX_REASON_LENGTH + 1)],
    ["skill", "<script>"],
    ["skill", "vip\u2066"],
  ])("leaves out a refused %s %j with a warning, never stopping the intake or the handover", async (field, value) => {
    const started = newChatId();
    const answer = await h.call("POST", "/caic/events", { body: { chatId: started, ...VISITOR, [field]: value } });
    expect(answer.status).toBe(200);
    expect((await h.item(started))?.[field as "reason"]).toBeUndefined();

    const chatId = await readyChat({ reason: "kept" });
    const handover = await h.call("POST", "/handover", { body: { chatId, [field]: value } });
    expect(handover.json).toEqual({ handover: "requested" });
    expect(contextOf(chatId)).toMatchObject({ reason: "kept" });
    expect(JSON.stringify(contextOf(chatId))).not.toContain(value.slice(0, 12));
  });

  it("takes the reason as a plain-text body, which no character can break, and hands over on a JSON body a reason broke", async () => {
    const chatId = await readyChat();
    const reason = 'refund","skill":"x \\ "quoted"';
    const plain = await h.call("POST", `/handover?chatId=${chatId}&skill=billing&culture=nl-NL`, {
      body: reason,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
    expect(plain.json).toEqual({ handover: "requested" });
    expect(contextOf(chatId)).toMatchObject({ reason, skill: "billing", RoutingKeywords: "billing" });

    const broken = await readyChat();
    const template = `{"chatId":"${broken}","reason":"${reason}","skill":"sales"}`;
    const answer = await h.call("POST", "/handover", {
      body: template,
      headers: { "content-type": "application/json" },
    });
    expect(answer.json).toEqual({ handover: "requested" });
    expect(contextOf(broken)?.skill).toBeUndefined();
    expect(contextOf(broken)?.reason).toBeUndefined();
  });

  it("under fixed-seed reasons and skills in several scripts, always hands over, with one clean line in the Context", async () => {
    const fragment = fc.constantFrom(
      "refund",
      "ضمانت",
      "پشتیبانی\u200cفنی",
      "वापसी",
      "返金",
      "Rückerstattung",
      "возврат",
      "customer's",
      " ",
      "\n",
      "\t",
      "\u00a0",
      "\u200b",
      "\u2060",
      "\ufeff",
      "\u202e",
      "\u2067",
      '"',
      "\\",
      "&",
      "<b>",
    );
    const text = fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(text, text, async (reason, skill) => {
        const chatId = await readyChat();
        const answer = await h.call("POST", `/handover?chatId=${chatId}&skill=${encodeURIComponent(skill)}`, {
          body: reason,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
        expect(answer.json).toEqual({ handover: "requested" });
        const context = contextOf(chatId)!;
        for (const [field, sent] of [
          ["reason", reason],
          ["skill", skill],
        ] as const) {
          const expected = normaliseDetail(field, sent).value;
          expect(context[field]).toBe(expected);
          if (expected !== undefined) {
            expect(expected).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\n\t\u00a0]|^ | $| {2}/u);
          }
        }
      }),
      { seed: 25, numRuns: 10 },
    );
  }, 60_000);
});

describe("the Router session id from the Handover Endpoint body", () => {
  const session = () => crypto.randomUUID();
  const shapes: [string, (chatId: string, sessionId: string) => string][] = [
    [
      "the default template with an empty context",
      (c, s) =>
        `{"chatId":"${c}","sessionId":"${s}","accountId":"${TECHNICAL_LINK}","channel":"CXWebConversations","conversationHostId":"h","conversationClientId":"c","context":}`,
    ],
    ["the default template with a context", (c, s) => JSON.stringify({ chatId: c, sessionId: s, context: { a: "b" } })],
    [
      "a TwoWay body (chat.id, chat.sessionId)",
      (c, s) => JSON.stringify({ chat: { id: c, sessionId: s, accountId: TECHNICAL_LINK } }),
    ],
    ["PascalCase", (c, s) => JSON.stringify({ ChatId: c, SessionId: s })],
    ["routerSessionId", (c, s) => JSON.stringify({ chatId: c, routerSessionId: s })],
    ["broken JSON beyond repair", (c, s) => `{"chatId":"${c}","sessionId":"${s}","context":{"x":}`],
  ];

  it.each(shapes)("is kept from %s", async (_shape, body) => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    const sessionId = session();
    const answer = await h.call("POST", "/router/handover", {
      body: body(chatId, sessionId),
      headers: { "content-type": "application/json" },
    });
    expect(answer.json).toEqual({ ok: true });
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "handed_over",
      routerSessionId: sessionId,
    });
  });

  it.each([
    ["an unreplaced template variable", "{{$sessionId}}"],
    ["an empty one", ""],
    ["one with characters no session id has", "a b/c"],
  ])("is none for %s", async (_what, sessionId) => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    await h.call("POST", "/router/handover", { body: { chatId, sessionId } });
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "handed_over",
      routerSessionId: null,
    });
  });
});

describe("with ERASE_CM_HISTORY off (the default)", () => {
  it("erases locally and on session end asks CM's Conversation History API nothing; the session id stays", async () => {
    const chatId = await readyChat({ reason: "why" });
    await h.call("POST", "/handover", { body: { chatId } });
    const sessionId = h.cm.sessionOf(chatId)!;
    await h.call("POST", "/router/handover", { body: { chatId, sessionId } });
    expect((await h.call("DELETE", `/chats/${chatId}`)).json.erased).toBe(true);
    const event = JSON.stringify({
      chat: { id: chatId, sessionId },
      conversationEvents: [{ $type: "RouterSessionEnded" }],
    });
    await h.call("POST", "/router/events", { body: event });
    expect(h.cm.history.calls).toEqual([]);
    expect(h.cm.sessionOf(chatId)).toBe(sessionId);
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "ended",
      email: null,
      reason: null,
      routerSessionId: sessionId,
      cmHistoryErased: null,
    });
  });
});
