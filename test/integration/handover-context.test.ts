import { MAX_REASON_LENGTH } from "@caic-handover/core/handover-details";
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

  it.each([
    ["reason", "line one\nline two"],
    ["reason", "x".repeat(MAX_REASON_LENGTH + 1)],
    ["skill", "<script>"],
    ["skill", "billing\u0000"],
  ])("refuses %s %j with a 400 naming it, storing and sending nothing", async (field, value) => {
    const chatId = await readyChat({ reason: "kept" });
    for (const path of ["/caic/events", "/handover"]) {
      const answer = await h.call("POST", path, { body: { chatId, [field]: value } });
      expect(answer.status).toBe(400);
      expect(answer.json.message).toContain(field);
    }
    expect(h.cm.routing.calls.filter((call) => call.chatId === chatId)).toEqual([]);
    expect((await h.item(chatId))?.reason).toBe("kept");
  });
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
