import { SUPPLIED_FIELDS } from "@caic-handover/core/chat/chat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_KEYS, newChatId, TECHNICAL_LINK } from "../../support/harness";
import { person, putItem, type Reliability, startReliability } from "../../support/reliability-harness";

/**
 * Personal data has a lifetime and can be erased: every item carries expiresAt; an expired item
 * reads as absent; erase and the Router's session end leave no name or e-mail address in the
 * table; and no log line of a whole conversation holds one.
 */
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename, { INTAKE_TTL_HOURS: "1" });
});
afterAll(() => r.finish());

const epoch = () => Math.floor(Date.now() / 1000);

/** A whole conversation, as the demo walks it, for a distinctive person. */
async function converse(tag: string) {
  const chatId = newChatId();
  const { name, email } = person(tag);
  r.logs.personal(name, email);
  expect((await r.call("POST", "/caic/events", { body: { chatId } })).status).toBe(200);
  // A page URL can carry the visitor's address: it is theirs to have erased too.
  const referrer = `https://shop.example/help?customer=${encodeURIComponent(email)}`;
  await r.call("GET", "/availability", { query: { chatId, referrer } });
  const wrong = await r.call("POST", "/intake/email", {
    body: { chatId, value: `${name} at ${email.replace("@", " ")}` },
  });
  expect(wrong.json.valid).toBe(false);
  const badName = await r.call("POST", "/intake/name", { body: { chatId, value: email } });
  expect(badName.json.valid).toBe(false);
  expect((await r.call("POST", "/intake/email", { body: { chatId, email } })).json.valid).toBe(true);
  expect((await r.call("POST", "/intake/name", { body: { chatId, name } })).json.complete).toBe(true);
  const keywords = `refund ${name}`;
  expect((await r.call("POST", "/handover", { body: { chatId, keywords } })).json).toEqual({ handover: "requested" });
  const notification = `{"chatId":"${chatId}","accountId":"${TECHNICAL_LINK}","context":}`;
  expect(
    (await r.call("POST", "/router/handover", { body: notification, headers: { "content-type": "application/json" } }))
      .status,
  ).toBe(200);
  const status = await r.call("GET", `/chats/${chatId}`);
  expect(status.json.status).toBe("handed_over");
  expect(status.text.toLowerCase()).not.toContain(name.toLowerCase());
  expect(status.text.toLowerCase()).not.toContain(email.toLowerCase());
  return { chatId, name, email };
}

function holdsPersonalData(items: unknown, ...values: string[]) {
  const text = JSON.stringify(items).toLowerCase();
  return values.some(
    (value) => text.includes(value.toLowerCase()) || text.includes(value.toLowerCase().split("@")[0]!),
  );
}

describe("lifetime", () => {
  it("every write sets expiresAt to now + INTAKE_TTL_HOURS", async () => {
    const { chatId } = await converse("ttl");
    const item = (await r.h.item(chatId))!;
    expect(Math.abs(item.expiresAt - (epoch() + 3600))).toBeLessThan(120);
    for (const each of await r.h.scan()) expect(typeof each.expiresAt, each.chatId).toBe("number");
  });

  it("an expired item reads as absent everywhere and a new intake starts afresh", async () => {
    const chatId = newChatId();
    const { name, email } = person("expired");
    r.logs.personal(name, email);
    const past = new Date(Date.now() - 2 * 3600_000).toISOString();
    await putItem(r.h, {
      chatId,
      status: "collecting",
      email,
      name,
      history: [{ at: past, status: "started" }],
      createdAt: past,
      updatedAt: past,
      expiresAt: epoch() - 60,
    });

    expect((await r.call("GET", `/chats/${chatId}`)).status).toBe(404);
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({
      handover: "failed",
      reason: "intake-incomplete",
      missing: ["email", "name"],
    });
    expect(r.h.cm.routing.calls.filter((c) => c.chatId === chatId)).toHaveLength(0);
    expect((await r.call("POST", "/router/handover", { body: { chatId } })).status).toBe(200);
    expect((await r.call("GET", `/chats/${chatId}`)).status, "a notification does not revive it").toBe(404);

    const fresh = await r.call("POST", "/intake/email", { body: { chatId, value: "fresh@example.com" } });
    expect(fresh.json).toMatchObject({ valid: true, complete: false, missing: ["name"] });
    const item = (await r.h.item(chatId))!;
    expect(item.name).toBeUndefined();
    expect(item.email).toBe("fresh@example.com");
    expect(item.history.map((e) => e.status)).toEqual(["collecting"]);
    expect(item.createdAt > past).toBe(true);
    expect(item.expiresAt).toBeGreaterThan(epoch());
  });
});

describe("erasure", () => {
  it("DELETE /chats/{id} removes every supplied value, without extending the expiry; status and history stay", async () => {
    const { chatId, name, email } = await converse("erase");
    const before = (await r.h.item(chatId))!;
    expect(before).toMatchObject({ referrer: expect.stringContaining("customer="), keywords: expect.any(String) });
    const erased = await r.call("DELETE", `/chats/${chatId}`);
    expect(erased.json).toMatchObject({ erased: true });
    const item = (await r.h.item(chatId))!;
    expect(item).toMatchObject({ status: "handed_over" });
    for (const field of SUPPLIED_FIELDS) expect(item, field).not.toHaveProperty(field);
    expect(item.expiresAt).toBe(before.expiresAt);
    expect(item.history.length).toBeGreaterThan(0);
    expect(holdsPersonalData(item, name, email)).toBe(false);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      email: null,
      name: null,
      status: "handed_over",
    });
    expect((await r.call("DELETE", `/chats/${chatId}`)).status, "erase is idempotent").toBe(200);
    expect((await r.call("DELETE", `/chats/${newChatId()}`)).status, "erasing an unknown chat is fine").toBe(200);
  });

  it("RouterSessionEnded (key in the query, as the Router sends it) ends the chat and erases its data", async () => {
    const { chatId, name, email } = await converse("session-end");
    const ended = await r.call("POST", "/router/events", {
      key: null,
      query: { key: LOCAL_KEYS.ROUTER_WEBHOOK_KEY },
      body: { chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
    });
    expect(ended).toMatchObject({ status: 200, json: { ok: true } });
    const item = (await r.h.item(chatId))!;
    expect(item.status).toBe("ended");
    expect(holdsPersonalData(item, name, email)).toBe(false);
    for (const field of SUPPLIED_FIELDS) expect(item, field).not.toHaveProperty(field);
    const other = await r.call("POST", "/router/events", {
      body: { chat: { id: chatId }, conversationEvents: [{ $type: "RouterMessage" }] },
    });
    expect(other.status).toBe(200);
    expect((await r.h.item(chatId))!.status).toBe("ended");
  });

  it("after erasing every chat, a scan of the whole table finds no name or e-mail address of anyone", async () => {
    const people = await Promise.all(["bulk-1", "bulk-2", "bulk-3"].map((tag) => converse(tag)));
    for (const [i, p] of people.entries()) {
      if (i % 2 === 0) await r.call("DELETE", `/chats/${p.chatId}`);
      else
        await r.call("POST", "/router/events", {
          body: { chatId: p.chatId, conversationEvents: [{ $type: "RouterSessionEnded" }] },
        });
    }
    for (const item of await r.h.scan()) {
      if (item.email !== undefined || item.name !== undefined) await r.call("DELETE", `/chats/${item.chatId}`);
    }
    const items = await r.h.scan();
    expect(items.filter((item) => item.email !== undefined || item.name !== undefined)).toEqual([]);
    for (const p of people) expect(holdsPersonalData(items, p.name, p.email), p.chatId).toBe(false);
  });
});
