import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbChatStore } from "@caic-handover/core/dynamodb/chat-store-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ADAPTERS, type Harness, newChatId, startHarness } from "../support/harness";

const QUESTION = "Where is my order 4711?\r\nIt was due on Monday.";
const STORED_QUESTION = "Where is my order 4711?\nIt was due on Monday.";

/** A store on the harness's table, to record an availability the way the availability route does. */
function storeOf(h: Harness) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: h.endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    store: new DynamoDbChatStore({ client: documents, tableName: h.tableName, ttlHours: 24 }),
    close: () => documents.destroy(),
  };
}

/** Event, availability for a shop whose agents are all Offline, and what the visitor typed. */
async function offlineChat(h: Harness, values: Record<string, string>, chatId = newChatId()) {
  const referrer = `https://shop.example/after-hours/${chatId}`;
  h.cm.presence.byReferrer.set(referrer, "Offline");
  await h.call("POST", "/caic/events", { body: { chatId } });
  const availability = await h.call("GET", "/availability", { query: { chatId, referrer } });
  expect(availability.json).toEqual({ agentStatus: "offline", agentAvailable: false, reason: "presence" });
  for (const [field, value] of Object.entries(values)) {
    const answer = await h.call("POST", `/intake/${field}`, { body: { chatId, value } });
    expect(answer.json, field).toMatchObject({ valid: true });
  }
  return chatId;
}

// Each block cold-starts the handlers with its own OFFLINE_HANDOVER, as a new deployment would.
describe("OFFLINE_HANDOVER=message (a shop that only needs a name from live chats)", () => {
  let h: Harness;
  let direct: ReturnType<typeof storeOf>;
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({
      OFFLINE_HANDOVER: "message",
      INTAKE_REQUIRED_FIELDS: "name",
      PRESENCE_CACHE_SECONDS: "0",
    });
    direct = storeOf(h);
  });
  afterAll(async () => {
    direct.close();
    await h.close();
  });
  beforeEach(() => h.cm.reset());

  it("hands over as a message while nobody is online: the same mutation request, mode and question in Context", async () => {
    const chatId = await offlineChat(h, { message: QUESTION, email: "Jane@Example.com", name: "Jane Doe" });
    const answer = await h.call("POST", "/handover", { body: { chatId, referrer: "https://shop.example" } });
    expect(answer).toMatchObject({ status: 200, json: { handover: "requested", mode: "message" } });

    expect(h.cm.acceptedMutations).toHaveLength(1);
    const [mutation] = h.cm.acceptedMutations;
    expect(mutation!.kind).toBe("handover");
    expect(mutation!.body).toEqual({
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
        name: "Jane Doe",
        email: "Jane@example.com",
        CustomerInfo: JSON.stringify({ name: "Jane Doe", email: "Jane@example.com" }),
        WebStoreReferrer: "https://shop.example",
        mode: "message",
        message: STORED_QUESTION,
      },
    });

    const repeats = await Promise.all(
      Array.from({ length: 5 }, () => h.call("POST", "/handover", { body: { chatId } })),
    );
    expect(repeats.map((r) => r.json)).toEqual(Array(5).fill({ handover: "requested", mode: "message" }));
    expect(h.cm.routing.calls).toHaveLength(1);

    const status = await h.call("GET", `/chats/${chatId}`);
    expect(status.json).toMatchObject({
      status: "requested",
      mode: "message",
      agentStatus: "offline",
      message: `[${Array.from(STORED_QUESTION).length} characters]`,
      email: "J***@example.com",
      waitingSeconds: expect.any(Number),
    });
    expect(status.text).not.toContain("4711");
  });

  it("needs the e-mail address and the question in that mode, though live handovers here need only a name", async () => {
    const chatId = await offlineChat(h, { message: "Call me back, please", name: "Jane" });
    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({
      handover: "failed",
      reason: "intake-incomplete",
      missing: ["email"],
    });
    const noQuestion = await offlineChat(h, { email: "jane@example.com", name: "Jane" });
    expect((await h.call("POST", "/handover", { body: { chatId: noQuestion } })).json).toEqual({
      handover: "failed",
      reason: "intake-incomplete",
      missing: ["message"],
    });
    expect(h.cm.routing.calls).toHaveLength(0);

    const online = newChatId();
    await h.call("GET", "/availability", { query: { chatId: online } });
    await h.call("POST", "/intake/name", { body: { chatId: online, value: "Jane" } });
    expect((await h.call("POST", "/handover", { body: { chatId: online } })).json).toEqual({ handover: "requested" });
    expect(h.cm.acceptedMutations[0]!.body).not.toHaveProperty("Context.mode");
  });

  it("sends concurrent message handovers once", async () => {
    const chatId = await offlineChat(h, { email: "jane@example.com", name: "Jane", message: "Call me back" });
    h.cm.routing.behaviour.next({ delayMs: 300 });
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => h.call("POST", "/handover", { body: { chatId } })),
    );
    expect(answers.map((a) => a.json)).toEqual(Array(15).fill({ handover: "requested", mode: "message" }));
    expect(h.cm.routing.calls).toHaveLength(1);
    expect(h.cm.acceptedMutations[0]!.body).toHaveProperty("Context.message", "Call me back");
  });

  it("treats a closed desk (BUSINESS_HOURS) like nobody online", async () => {
    const chatId = newChatId();
    await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
    await h.call("POST", "/intake/name", { body: { chatId, value: "Jane" } });
    await h.call("POST", "/intake/message", { body: { chatId, value: "Call me back" } });
    const now = new Date();
    await direct.store.recordPresence(
      chatId,
      { agentStatus: "offline", reason: "closed", at: now.toISOString() },
      undefined,
      now,
    );
    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({
      handover: "requested",
      mode: "message",
    });
  });

  it("hands over live when presence failed, was never asked, or says Online again", async () => {
    const failed = newChatId();
    h.cm.presence.behaviour.next({ status: 500 });
    // Presence failing: no answer, or the last real one served stale; neither blocks a live handover.
    expect((await h.call("GET", "/availability", { query: { chatId: failed } })).json.reason).toMatch(
      /^presence-(error|stale)$/,
    );
    const neverAsked = newChatId();
    const againOnline = await offlineChat(h, {});
    await h.call("GET", "/availability", { query: { chatId: againOnline } });
    for (const chatId of [failed, neverAsked, againOnline]) {
      await h.call("POST", "/intake/name", { body: { chatId, value: "Jane" } });
      expect((await h.call("POST", "/handover", { body: { chatId } })).json, chatId).toEqual({ handover: "requested" });
    }
    expect(h.cm.acceptedMutations.map((call) => (call.body as { Context: object }).Context)).not.toContainEqual(
      expect.objectContaining({ mode: "message" }),
    );
  });

  it("erases the question with the other personal data", async () => {
    const chatId = await offlineChat(h, { message: QUESTION, email: "jane@example.com", name: "Jane" });
    expect((await h.call("DELETE", `/chats/${chatId}`)).json).toMatchObject({ erased: true, found: true });
    const item = await h.item(chatId);
    expect(item).not.toHaveProperty("message");
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({ message: null, email: null, name: null });

    const ended = await offlineChat(h, { message: QUESTION });
    await h.call("POST", "/router/events", {
      body: { chat: { id: ended }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
    });
    expect(await h.item(ended)).not.toHaveProperty("message");
  });
});

describe("POST /intake/message", () => {
  let h: Harness;
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({ OFFLINE_HANDOVER: "off", INTAKE_REQUIRED_FIELDS: "email,name" });
  });
  afterAll(() => h.close());

  const ask = (chatId: string, body: object) => h.call("POST", "/intake/message", { body: { chatId, ...body } });

  it("takes free text of 1–2000 characters, trimmed, line breaks kept, as value or message", async () => {
    const chatId = newChatId();
    const answer = await ask(chatId, { message: `  ${QUESTION}\n ` });
    expect(answer.json).toEqual({
      valid: true,
      field: "message",
      value: STORED_QUESTION,
      complete: false,
      missing: ["email", "name"],
    });
    const longest = `${"ß".repeat(1999)}😀`;
    expect((await ask(chatId, { value: longest })).json).toMatchObject({ valid: true, value: longest });
    expect((await h.item(chatId))!.message).toBe(longest);
  });

  it("answers what is wrong, stores nothing, and is exhausted after 3 invalid answers", async () => {
    const chatId = newChatId();
    await ask(chatId, { value: "The first question" });
    const answers = [];
    for (const value of ["   \n ", "a".repeat(2001), "bell\u0007 in the middle"]) {
      answers.push((await ask(chatId, { value })).json);
    }
    expect(answers.map((a) => [a.valid, a.attempts, a.exhausted])).toEqual([
      [false, 1, false],
      [false, 2, false],
      [false, 3, true],
    ]);
    expect(answers.map((a) => a.message)).toEqual([
      "Please type your question.",
      "Your question is 2,001 characters long. Please shorten it to at most 2,000.",
      "Please write your question without special control characters.",
    ]);
    expect((await h.item(chatId))!.message).toBe("The first question");
  });

  it("is a 400 for a malformed request, and changes nothing", async () => {
    const chatId = newChatId();
    // An over-long answer is an invalid answer (counted, see above), not a malformed request.
    for (const body of [{ value: 12 }, {}]) {
      const answer = await ask(chatId, body);
      expect(answer.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(answer.json.message).toMatch(/value|message/);
    }
    expect(await h.item(chatId)).toBeUndefined();
  });

  it("without OFFLINE_HANDOVER, answers agents-offline while nobody is online, changes nothing, and hands over once agents are back", async () => {
    const chatId = await offlineChat(h, { email: "jane@example.com", name: "Jane" });
    for (let i = 0; i < 2; i++) {
      expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({
        handover: "failed",
        reason: "agents-offline",
      });
    }
    expect(h.cm.routing.calls).toHaveLength(0);
    const item = await h.item(chatId);
    expect(item!.status).toBe("collecting");
    expect(item).not.toHaveProperty("failureReason");

    await h.call("GET", "/availability", { query: { chatId } });
    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect(h.cm.acceptedMutations).toHaveLength(1);
  });
});
