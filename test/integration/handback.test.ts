import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbChatStore } from "@caic-handover/core/dynamodb/chat-store-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADAPTERS, type Harness, newChatId, startHarness } from "../support/harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ OFFLINE_HANDOVER: "off" });
});
afterAll(() => h.close());
beforeEach(() => h.cm.reset());

const handback = (chatId: string) => h.call("POST", `/chats/${chatId}/handback`);
const handbacks = () => h.cm.routing.calls.filter((call) => call.kind === "handback");

/** A chat CM accepted a handover for; confirmed by the Router's notification unless told otherwise. */
async function handedOver(confirm = true, chatId = newChatId()) {
  await h.call("POST", "/caic/events", { body: { chatId, email: "jane@example.com", name: "Jane" } });
  expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
  if (confirm) await h.call("POST", "/router/handover", { body: { chatId } });
  h.cm.reset();
  return chatId;
}

describe("POST /chats/{chatId}/handback", () => {
  it("sends the reverse rule mutation once: the chat is handed back, and repeats answer the same", async () => {
    const chatId = await handedOver();
    const answer = await handback(chatId);
    expect(answer).toMatchObject({ status: 200, json: { handback: "requested" } });
    expect(h.cm.acceptedMutations).toHaveLength(1);
    expect(h.cm.acceptedMutations[0]!.kind).toBe("handback");
    expect(h.cm.acceptedMutations[0]!.body).toEqual({
      ChatId: chatId,
      Mutations: [
        {
          $type: "ruleMutation",
          action: "Enable",
          operator: "And",
          sourceAdapterId: ADAPTERS.client,
          targetAdapterId: ADAPTERS.bot,
        },
        {
          $type: "ruleMutation",
          action: "Disable",
          operator: "And",
          sourceAdapterId: ADAPTERS.client,
          targetAdapterId: ADAPTERS.agent,
        },
      ],
    });

    for (let i = 0; i < 3; i++) expect((await handback(chatId)).json).toEqual({ handback: "requested" });
    expect(h.cm.routing.calls).toHaveLength(1);

    const status = await h.call("GET", `/chats/${chatId}`);
    expect(status.json).toMatchObject({
      status: "handed_back",
      handedBackAt: expect.any(String),
      waitingSeconds: null,
    });
    expect(status.json.history.map((entry: { status: string }) => entry.status).slice(-3)).toEqual([
      "handed_over",
      "handing_back",
      "handed_back",
    ]);
  });

  it("20 concurrent calls send one hand-back; every caller hears requested", async () => {
    const chatId = await handedOver();
    h.cm.routing.behaviour.next({ delayMs: 300 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => handback(chatId)));
    expect(answers.map((a) => [a.status, a.json])).toEqual(Array(20).fill([200, { handback: "requested" }]));
    expect(h.cm.routing.calls).toHaveLength(1);
    expect(handbacks()).toHaveLength(1);
  });

  it("works from requested (before the Router confirmed), and a late notification does not undo it", async () => {
    const chatId = await handedOver(false);
    expect((await handback(chatId)).json).toEqual({ handback: "requested" });
    const late = await h.call("POST", "/router/handover", { body: { chatId } });
    expect(late).toMatchObject({ status: 200, json: { ok: true } });
    expect((await h.item(chatId))!.status).toBe("handed_back");
  });

  it("refuses a chat that was never handed over, or is unknown, without calling CM", async () => {
    const chatId = newChatId();
    await h.call("POST", "/caic/events", { body: { chatId } });
    await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
    expect((await handback(chatId)).json).toEqual({
      handback: "failed",
      reason: "not-handed-over",
      status: "collecting",
    });
    expect((await handback(newChatId())).json).toEqual({ handback: "failed", reason: "not-handed-over", status: null });
    expect(h.cm.routing.calls).toHaveLength(0);
    expect((await h.item(chatId))!.status).toBe("collecting");
  });

  it("a rejected hand-back (400) is final after one attempt, leaves the chat with the agent, and may be tried again", async () => {
    const chatId = await handedOver();
    h.cm.routing.behaviour.next({ status: 400 });
    expect((await handback(chatId)).json).toEqual({ handback: "failed", reason: "routing-rejected" });
    expect(h.cm.routing.calls).toHaveLength(1);
    const item = await h.item(chatId);
    expect(item).toMatchObject({ status: "handed_over", handbackFailureReason: "routing-rejected" });
    expect(item).not.toHaveProperty("claimExpiresAt");
    expect(item).not.toHaveProperty("handbackFrom");

    expect((await handback(chatId)).json).toEqual({ handback: "requested" });
    expect(h.cm.acceptedMutations).toHaveLength(1);
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "handed_back",
      handbackFailureReason: null,
    });
  });

  it("a 500 is unconfirmed after one attempt: never re-sent, repeats answer the same", async () => {
    const chatId = await handedOver(false);
    h.cm.routing.behaviour.standing = { status: 500 };
    const started = Date.now();
    expect((await handback(chatId)).json).toEqual({ handback: "requested", unconfirmed: true });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(h.cm.routing.calls).toHaveLength(1);
    expect(await h.item(chatId)).toMatchObject({ status: "handed_back", handbackUnconfirmed: true });
    expect((await handback(chatId)).json).toEqual({ handback: "requested", unconfirmed: true });
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({ unconfirmed: true });
    expect(h.cm.routing.calls).toHaveLength(1);
  });

  it("a dropped connection after CM acted (3 calls from the agent tooling): one hand-back", async () => {
    const chatId = await handedOver();
    h.cm.routing.behaviour.next({ apply: true, reset: true });
    const answers = await Promise.all([handback(chatId), handback(chatId), handback(chatId)]);
    expect(answers.map((a) => a.json)).toEqual(Array(3).fill({ handback: "requested", unconfirmed: true }));
    expect(h.cm.appliedMutations.filter((call) => call.kind === "handback")).toHaveLength(1);
  });

  it("a chat handed back can be handed over again, and back again", async () => {
    const chatId = await handedOver();
    await handback(chatId);
    const restarted = await h.call("POST", "/caic/events", { body: { chatId } });
    expect(restarted.json).toMatchObject({ status: "started", complete: true });
    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    await h.call("POST", "/router/handover", { body: { chatId } });
    expect((await h.item(chatId))!.status).toBe("handed_over");
    expect((await handback(chatId)).json).toEqual({ handback: "requested" });
    expect(h.cm.acceptedMutations.map((call) => call.kind)).toEqual(["handback", "handover", "handback"]);
  });

  it("a handover asked for while the hand-back is in flight waits for it, hears the run is closed, and sends nothing", async () => {
    const chatId = await handedOver();
    h.cm.routing.behaviour.next({ delayMs: 500 });
    const during = handback(chatId);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const handover = await h.call("POST", "/handover", { body: { chatId } });
    expect(handover.json).toEqual({ handover: "failed", reason: "run-closed" });
    expect((await during).json).toEqual({ handback: "requested" });
    expect(h.cm.routing.calls).toHaveLength(1);
  });

  it("rejects a malformed chat id with a 400 and needs the key", async () => {
    expect(await h.call("POST", "/chats/not%20a%20chat/handback")).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/chatId/) },
    });
    expect(await h.call("POST", `/chats/${newChatId()}/handback`, { key: null })).toMatchObject({ status: 401 });
    expect(h.cm.routing.calls).toHaveLength(0);
  });
});

describe("the hand-back claim (DynamoDB Local)", () => {
  let store: DynamoDbChatStore;
  let documents: DynamoDBDocumentClient;
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(() => {
    documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: h.endpoint }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    store = new DynamoDbChatStore({ client: documents, tableName: h.tableName, ttlHours: 24 });
  });
  afterAll(() => documents.destroy());

  it("is never taken over once its lease has run out: the lapsed claim counts as unconfirmed and may still settle", async () => {
    const chatId = await handedOver();
    const first = await store.claimHandback(chatId, { claimId: "first", leaseSeconds: 12 }, at(0));
    expect(first).toMatchObject({
      outcome: "claimed",
      record: { status: "handing_back", handbackFrom: "handed_over" },
    });
    expect((await store.claimHandback(chatId, { claimId: "early", leaseSeconds: 12 }, at(11))).outcome).toBe("busy");

    const second = await store.claimHandback(chatId, { claimId: "second", leaseSeconds: 12 }, at(13));
    expect(second).toMatchObject({ outcome: "done", record: { claimId: "first", status: "handing_back" } });
    expect(
      await store.settleHandback(
        chatId,
        { claimId: "second", from: "handed_over" },
        { ok: false, reason: "routing-unavailable" },
        at(15),
      ),
    ).toBe(false);
    expect(await store.settleHandback(chatId, { claimId: "first", from: "handed_over" }, { ok: true }, at(14))).toBe(
      true,
    );
    expect(await store.get(chatId, at(16))).toMatchObject({ status: "handed_back" });
  });

  it("the status route shows how long a requested handover has waited for the Router's confirmation", async () => {
    const chatId = randomUUID();
    const asked = at(-90);
    await store.recordValue(chatId, "email", "jane@example.com", asked, { name: "Jane" });
    const claim = await store.claimHandover(chatId, { claimId: "c", leaseSeconds: 12, required: ["email"] }, asked);
    expect(claim.outcome).toBe("claimed");
    await store.settleHandover(chatId, "c", { ok: true }, asked);
    const waiting = (await h.call("GET", `/chats/${chatId}`)).json;
    expect(waiting).toMatchObject({ status: "requested", requestedAt: asked.toISOString() });
    const elapsed = (Date.now() - asked.getTime()) / 1000;
    expect(waiting.waitingSeconds).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
    expect(waiting.waitingSeconds).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);

    await h.call("POST", "/router/handover", { body: { chatId } });
    expect((await h.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "handed_over",
      waitingSeconds: null,
      handedOverAt: expect.any(String),
    });
  });

  it("answers not-handed-over for every status a chat cannot be handed back from", async () => {
    const chatId = randomUUID();
    expect(await store.claimHandback(chatId, { claimId: "c", leaseSeconds: 12 }, at(0))).toEqual({
      outcome: "not-handed-over",
      record: undefined,
    });
    await store.startIntake(chatId, at(0));
    await store.endSession(chatId, at(1));
    expect(await store.claimHandback(chatId, { claimId: "c", leaseSeconds: 12 }, at(2))).toMatchObject({
      outcome: "not-handed-over",
      record: { status: "ended" },
    });
  });
});
