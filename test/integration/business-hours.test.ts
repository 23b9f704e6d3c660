import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, newChatId, startHarness } from "../support/harness";

const DAY_MS = 86_400_000;
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const ALL_WEEK = Object.fromEntries(
  ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].map((day) => [day, [["00:00", "24:00"]]]),
);

/** Open around the clock except on holidays: whether the desk is open now depends only on the holiday list. */
const aroundTheClock = (holidays: string[]) => JSON.stringify({ timeZone: "UTC", weekly: ALL_WEEK, holidays });

// Each block cold-starts the handlers with its own BUSINESS_HOURS, as a new deployment would.
describe("outside business hours", () => {
  const today = Math.floor(Date.now() / DAY_MS);
  let h: Harness;
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({ BUSINESS_HOURS: aroundTheClock([dateOf(today - 1), dateOf(today), dateOf(today + 1)]) });
  });
  afterAll(() => h.close());

  it("answers closed with the next opening, never asks presence, and records it on the chat", async () => {
    const chatId = newChatId();
    const answer = await h.call("GET", "/availability", { query: { chatId, referrer: "https://shop.example/help" } });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      agentStatus: "offline",
      agentAvailable: false,
      reason: "closed",
      opensAt: `${dateOf(today + 2)}T00:00:00+00:00`,
      // DEFAULT_CULTURE is en: a 12-hour clock.
      opensAtText: expect.stringMatching(/ 12:00\sAM$/u),
    });
    expect(h.cm.presence.calls).toHaveLength(0);

    const item = await h.item(chatId);
    expect(item).toMatchObject({
      status: "unavailable",
      presence: { agentStatus: "offline", reason: "closed" },
      referrer: "https://shop.example/help",
    });
    expect(item!.history.at(-1)).toMatchObject({ status: "unavailable", detail: "closed" });
  });

  it("answers the presence-check webhook and a text/plain caller with offline too", async () => {
    const webhook = await h.call("POST", "/availability", {
      body: { url: "https://shop.example", channel: "WebChat", data: { context: "store-1" } },
    });
    expect(webhook.json).toMatchObject({ agentAvailable: false, reason: "closed" });
    const text = await h.call("GET", "/availability", { headers: { accept: "text/plain" } });
    expect(text.text).toBe("offline");
    expect(h.cm.presence.calls).toHaveLength(0);
  });
});

describe("inside business hours", () => {
  let h: Harness;
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({ BUSINESS_HOURS: aroundTheClock(["2000-01-01"]), PRESENCE_CACHE_SECONDS: "0" });
  });
  afterAll(() => h.close());

  it("asks presence as before", async () => {
    const chatId = newChatId();
    const online = await h.call("GET", "/availability", { query: { chatId } });
    expect(online.json).toEqual({ agentStatus: "online", agentAvailable: true, reason: "presence" });
    expect(h.cm.presence.calls).toHaveLength(1);
    expect((await h.item(chatId))!.presence).toMatchObject({ agentStatus: "online", reason: "presence" });

    h.cm.presence.answer = "Offline";
    const offline = await h.call("GET", "/availability", { query: { chatId } });
    expect(offline.json).toEqual({ agentStatus: "offline", agentAvailable: false, reason: "presence" });
    expect(h.cm.presence.calls).toHaveLength(2);
  });
});
