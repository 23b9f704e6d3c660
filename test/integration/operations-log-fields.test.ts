import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type Harness, newChatId, startHarness } from "../support/harness";
import { LogCapture } from "../support/reliability-harness";

/**
 * What docs/operations.md says the `handover requested` line's `mode` holds is what the handlers
 * write: a live handover and a message left, run through the real handlers.
 */
const OPERATIONS = readFileSync(join(PROJECT_ROOT, "docs/operations.md"), "utf8");

let h: Harness;
let logs: LogCapture;
beforeAll(async () => {
  vi.resetModules();
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
  logs = new LogCapture().start();
  h = await startHarness({ OFFLINE_HANDOVER: "message", PRESENCE_CACHE_SECONDS: "0" });
});
afterAll(async () => {
  logs.stop();
  await h.close();
});

async function handover(presence: "Online" | "Offline"): Promise<string> {
  const chatId = newChatId();
  const referrer = `https://shop.example/${chatId}`;
  h.cm.presence.byReferrer.set(referrer, presence);
  await h.call("POST", "/caic/events", { body: { chatId } });
  await h.call("GET", "/availability", { query: { chatId, referrer } });
  for (const [field, value] of Object.entries({ email: "jane@example.com", name: "Jane Doe", message: "Hello?" })) {
    await h.call("POST", `/intake/${field}`, { body: { chatId, value } });
  }
  const answer = await h.call("POST", "/handover", { body: { chatId } });
  expect(answer.status).toBe(200);
  return chatId;
}

it("the mode a handover requested line carries is the one docs/operations.md names for each", async () => {
  const live = await handover("Online");
  const message = await handover("Offline");
  const modeOf = (chatId: string) =>
    logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === "handover requested" && line.chatId === chatId)?.mode;
  const claim = /`mode` is `(\w+)` for a live handover and `(\w+)` for a message left/.exec(OPERATIONS);
  expect(claim, "docs/operations.md says what mode holds").not.toBeNull();
  expect(modeOf(live)).toBe(claim![1]);
  expect(modeOf(message)).toBe(claim![2]);
});
