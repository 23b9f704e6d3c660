import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { HISTORY_LIMIT, SUPPLIED_FIELDS } from "@caic-handover/core/chat/chat";
import { DynamoDbChatStore } from "@caic-handover/core/dynamodb/chat-store-dynamodb";
import { createChatTable, LOCAL_AWS_ENV } from "@caic-handover/local/dynamodb-local";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

let documents: DynamoDBDocumentClient;
let store: DynamoDbChatStore;
const tableName = `store-${randomUUID().slice(0, 8)}`;
// Taken from the real clock: DynamoDB Local's TTL sweeper deletes items by the real clock, so data dated in the past vanishes mid-test.
const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const claim = (claimId: string) => ({ claimId, leaseSeconds: 12, required: ["email", "name"] as const });

beforeAll(async () => {
  Object.assign(process.env, LOCAL_AWS_ENV);
  const endpoint = inject("ddbEndpoint");
  await createChatTable(endpoint, tableName);
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  store = new DynamoDbChatStore({ client: documents, tableName, ttlHours: 24 });
});
afterAll(() => documents.destroy());

describe("the DynamoDB chat store (DynamoDB Local)", () => {
  it("sets expiresAt to now + TTL on every write", async () => {
    const chatId = randomUUID();
    const first = await store.recordValue(chatId, "email", "a@b.co", at(0));
    expect(first.expiresAt).toBe(Math.floor(at(0).getTime() / 1000) + 24 * 3600);
    const later = await store.recordInvalidAttempt(chatId, "name", at(600));
    expect(later.expiresAt).toBe(Math.floor(at(600).getTime() / 1000) + 24 * 3600);
    expect(later.createdAt).toBe(at(0).toISOString());
  });

  it("treats an expired item as absent, before DynamoDB deletes it", async () => {
    const chatId = randomUUID();
    await store.recordValue(chatId, "email", "old@example.com", at(0));
    await store.recordValue(chatId, "name", "Old Name", at(0));
    const expired = at(24 * 3600 + 1);
    expect(await store.get(chatId, at(24 * 3600 - 1))).toBeDefined();
    expect(await store.get(chatId, expired)).toBeUndefined();
    expect(await store.claimHandover(chatId, claim("c"), expired)).toEqual({
      outcome: "incomplete",
      missing: ["email", "name"],
    });
    expect(await store.confirmHandover(chatId, expired)).toBe("unknown");

    const fresh = await store.recordValue(chatId, "name", "New Name", expired);
    expect(fresh.email).toBeUndefined();
    expect(fresh.name).toBe("New Name");
    expect(fresh.createdAt).toBe(expired.toISOString());
    expect(fresh.history.map((entry) => entry.status)).toEqual(["collecting"]);
  });

  it(`keeps at most ${HISTORY_LIMIT} history entries, the newest`, async () => {
    const chatId = randomUUID();
    for (let i = 0; i < HISTORY_LIMIT + 5; i++)
      await store.recordValue(chatId, "name", `Name ${"a".repeat(i + 1)}`, at(i));
    const record = (await store.get(chatId, at(100)))!;
    expect(record.history).toHaveLength(HISTORY_LIMIT);
    expect(record.history.at(-1)!.at).toBe(at(HISTORY_LIMIT + 4).toISOString());
  });

  it("loses no write when e-mail and name for many chats arrive at once", async () => {
    const chats = Array.from({ length: 40 }, () => randomUUID());
    await Promise.all(
      chats.flatMap((chatId) => [
        store.recordValue(chatId, "email", `${chatId}@example.com`, at(0)),
        store.recordValue(chatId, "name", "Ann", at(0)),
        store.recordInvalidAttempt(chatId, "email", at(0)),
        store.startIntake(chatId, at(0)),
      ]),
    );
    for (const chatId of chats) {
      const record = (await store.get(chatId, at(1)))!;
      expect(record).toMatchObject({ email: `${chatId}@example.com`, name: "Ann" });
    }
  });

  it("grants one claim at a time; a lapsed claim is never taken over (it counts as unconfirmed) and may still settle", async () => {
    const chatId = randomUUID();
    await store.recordValue(chatId, "email", "a@b.co", at(0));
    await store.recordValue(chatId, "name", "Ann", at(0));
    const outcomes = await Promise.all(
      ["a", "b", "c", "d", "e"].map((id) => store.claimHandover(chatId, claim(id), at(1))),
    );
    expect(outcomes.filter((o) => o.outcome === "claimed")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "busy")).toHaveLength(4);
    const winner = outcomes.find((o) => o.outcome === "claimed")!;
    const winnerId = (winner as { record: { claimId: string } }).record.claimId;

    expect(await store.claimHandover(chatId, claim("late"), at(14))).toMatchObject({
      outcome: "done",
      record: { status: "requesting", claimId: winnerId },
    });
    expect(await store.settleHandover(chatId, "late", { ok: true }, at(15))).toBe(false);
    expect(await store.settleHandover(chatId, winnerId, { ok: true }, at(15))).toBe(true);
    // A repeat of the same settle (its answer lost) recognises itself.
    expect(await store.settleHandover(chatId, winnerId, { ok: true }, at(15))).toBe(true);
    expect(await store.claimHandover(chatId, claim("again"), at(16))).toMatchObject({ outcome: "done" });
  });

  it("recognises its own claim by its claim id whatever other writes landed in between", async () => {
    const chatId = randomUUID();
    await store.recordValue(chatId, "email", "a@b.co", at(0));
    await store.recordValue(chatId, "name", "Ann", at(0));
    expect((await store.claimHandover(chatId, claim("mine"), at(1))).outcome).toBe("claimed");
    await store.recordPresence(
      chatId,
      { agentStatus: "online", reason: "presence", at: at(1).toISOString() },
      undefined,
      at(1),
    );
    // The SDK re-sends the claim after another write landed: it is still ours.
    expect(await store.claimHandover(chatId, claim("mine"), at(2))).toMatchObject({ outcome: "claimed" });
    expect((await store.claimHandover(chatId, claim("other"), at(2))).outcome).toBe("busy");
  });

  it("a notification before the claim settles wins: the chat stays handed over", async () => {
    const chatId = randomUUID();
    await store.recordValue(chatId, "email", "a@b.co", at(0));
    await store.recordValue(chatId, "name", "Ann", at(0));
    await store.claimHandover(chatId, claim("x"), at(1));
    expect(await store.confirmHandover(chatId, at(2))).toBe("confirmed");
    expect(await store.settleHandover(chatId, "x", { ok: true }, at(3))).toBe(false);
    expect((await store.get(chatId, at(4)))!.status).toBe("handed_over");
    expect(await store.confirmHandover(chatId, at(5))).toBe("already");
  });

  it("session end and erase remove every supplied value, keep the funnel and do not extend the expiry", async () => {
    for (const remove of [
      (chatId: string) => store.endSession(chatId, at(600)),
      (chatId: string) => store.erase(chatId, at(600)),
    ]) {
      const chatId = randomUUID();
      const referrer = "https://shop.example/help?customer=jane.doe%40example.com";
      await store.recordPresence(
        chatId,
        { agentStatus: "online", reason: "presence", at: at(0).toISOString() },
        referrer,
        at(0),
      );
      await store.recordValue(chatId, "email", "jane.doe@example.com", at(0));
      await store.recordValue(chatId, "name", "Jane Doe", at(0));
      await store.recordValue(chatId, "message", "Jane here: where is my refund?", at(0));
      const details = { reason: "Jane asked twice about her refund", skill: "refunds", culture: "nl-NL" };
      await store.claimHandover(chatId, { ...claim("c"), referrer, keywords: "jane doe refund", details }, at(1));
      const before = (await documents.send(new GetCommand({ TableName: tableName, Key: { chatId } }))).Item!;
      for (const field of SUPPLIED_FIELDS) expect(before, field).toHaveProperty(field);
      await remove(chatId);
      const after = (await documents.send(new GetCommand({ TableName: tableName, Key: { chatId } }))).Item!;
      for (const field of SUPPLIED_FIELDS) expect(after, field).not.toHaveProperty(field);
      expect(JSON.stringify(after)).not.toMatch(/jane|doe|refund/i);
      expect(after.expiresAt).toBe(before.expiresAt);
      expect(after.history.length).toBeGreaterThanOrEqual(before.history.length);
    }
  });

  it("session end and erase remove personal data and keep the funnel", async () => {
    for (const remove of [
      (chatId: string) => store.endSession(chatId, at(2)),
      (chatId: string) => store.erase(chatId, at(2)),
    ]) {
      const chatId = randomUUID();
      await store.recordValue(chatId, "email", "a@b.co", at(0));
      await store.recordValue(chatId, "name", "Ann", at(1));
      await remove(chatId);
      const record = (await store.get(chatId, at(3)))!;
      expect(record.email).toBeUndefined();
      expect(record.name).toBeUndefined();
      expect(record.history.length).toBeGreaterThan(0);
      expect(JSON.stringify(record)).not.toMatch(/a@b\.co|Ann/);
    }
  });

  it("never creates a chat for a notification, session end or erase of an unknown chat", async () => {
    const chatId = randomUUID();
    expect(await store.confirmHandover(chatId, at(0))).toBe("unknown");
    expect(await store.endSession(chatId, at(0))).toBe("unknown");
    expect(await store.erase(chatId, at(0))).toBe(false);
    expect(await store.get(chatId, at(0))).toBeUndefined();
  });

  it("applies a write once when the SDK re-sends it after a lost answer", async () => {
    const raw = new DynamoDBClient({ endpoint: inject("ddbEndpoint") });
    // Sends every request twice and answers with the second response, as a retry after a timeout would.
    raw.middlewareStack.add(
      (next) => async (args) => {
        await next(args);
        return next(args);
      },
      { step: "finalizeRequest", name: "resendOnce" },
    );
    const resending = new DynamoDbChatStore({ client: DynamoDBDocumentClient.from(raw), tableName, ttlHours: 24 });
    const chatId = randomUUID();
    expect((await resending.startIntake(chatId, at(0))).started).toBe(true);
    expect((await resending.recordInvalidAttempt(chatId, "email", at(1))).emailAttempts).toBe(1);
    expect((await resending.recordInvalidAttempt(chatId, "email", at(2))).emailAttempts).toBe(2);
    const record = await resending.recordValue(chatId, "name", "Ann", at(3));
    expect(record.history.map((entry) => entry.status)).toEqual(["started", "collecting"]);
    raw.destroy();
  });

  it("reads a record written by an older version without history", async () => {
    const chatId = randomUUID();
    const expiresAt = Math.floor(at(0).getTime() / 1000) + 3600;
    await documents.send(new PutCommand({ TableName: tableName, Item: { chatId, status: "collecting", expiresAt } }));
    const record = await store.recordValue(chatId, "email", "a@b.co", at(0));
    expect(record.history.map((entry) => entry.status)).toEqual(["collecting"]);
  });
});
