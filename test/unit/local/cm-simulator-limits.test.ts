import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { SIMULATED_CM } from "@caic-handover/local/local-defaults";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the simulated CM's rate limits", () => {
  it("accept 3 in any second, count only accepted requests, and say how long until the next is accepted", () => {
    const { limiter } = new CmSimulator(SIMULATED_CM).presence;
    const t0 = 1_000_000;
    expect([0, 10, 20].map((dt) => limiter.take(t0 + dt))).toEqual([0, 0, 0]);
    expect(limiter.take(t0 + 30)).toBe(970);
    expect(limiter.take(t0 + 999)).toBe(1);
    expect(limiter.take(t0 + 1000)).toBe(0);
    expect(limiter.take(t0 + 1005)).toBe(5);
    expect(limiter.take(t0 + 1010)).toBe(0);
  });
});

describe("a rate-limited simulated presence", () => {
  const cm = new CmSimulator({ ...SIMULATED_CM, rateLimited: true });
  beforeAll(() => cm.start());
  afterAll(() => cm.stop());

  it("answers 429 with Retry-After in whole seconds over the limit, and records it", async () => {
    const url = `${cm.presenceUrl}?apikey=${SIMULATED_CM.presenceApiKey}&Channel=WebChat`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await fetch(url));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.headers.get("retry-after")).toBe("1");
    expect(cm.presence.calls.map((call) => call.status)).toEqual([200, 200, 200, 429]);
  });
});

describe("the simulated Conversation History API", () => {
  const cm = new CmSimulator(SIMULATED_CM);
  beforeAll(() => cm.start());
  afterAll(() => cm.stop());
  const base = () =>
    `${cm.routingUrl}/conversational/conversation-history/v1/accounts/${SIMULATED_CM.technicalLinkId}/session-history`;
  const token = { "X-CM-PRODUCTTOKEN": SIMULATED_CM.productToken };

  it("reads a known session (v1 path, v2 query), deletes it once, then answers 404; records every request", async () => {
    const sessionId = cm.openSession("chat-1");
    const v2 = base().replace("/v1/", "/v2/");
    const read = await fetch(`${v2}?routerSessionId=${sessionId}&includeEvents=true`, { headers: token });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ routerSessionId: sessionId, chatId: "chat-1" });
    expect((await fetch(`${base()}/${sessionId}`, { headers: token })).status).toBe(200);
    expect((await fetch(`${base()}/${sessionId}`, { method: "DELETE", headers: token })).status).toBe(204);
    expect((await fetch(`${base()}/${sessionId}`, { method: "DELETE", headers: token })).status).toBe(404);
    expect((await fetch(`${base()}/${sessionId}`, { headers: token })).status).toBe(404);
    expect(cm.history.calls.map((call) => [call.method, call.sessionId, call.status])).toEqual([
      ["GET", sessionId, 200],
      ["GET", sessionId, 200],
      ["DELETE", sessionId, 204],
      ["DELETE", sessionId, 404],
      ["GET", sessionId, 404],
    ]);
  });

  it("refuses a wrong token with 401 and an unknown account with 404, deleting nothing", async () => {
    const sessionId = cm.openSession("chat-2");
    const wrong = await fetch(`${base()}/${sessionId}`, { method: "DELETE", headers: { "X-CM-PRODUCTTOKEN": "x" } });
    expect(wrong.status).toBe(401);
    const other = base().replace(SIMULATED_CM.technicalLinkId, "someone-else");
    expect((await fetch(`${other}/${sessionId}`, { method: "DELETE", headers: token })).status).toBe(404);
    expect(cm.sessionOf("chat-2")).toBe(sessionId);
  });

  it("opens a session for a chat when it accepts the chat's hand-over", async () => {
    const url = `${cm.routingUrl}/conversational/control/v1/accounts/${SIMULATED_CM.technicalLinkId}/chats/chat-3/routing/mutationrequests`;
    const { client, bot, agent } = SIMULATED_CM.adapters;
    const rule = (action: string, target: string) => ({
      $type: "ruleMutation",
      action,
      operator: "And",
      sourceAdapterId: client,
      targetAdapterId: target,
    });
    const body = { ChatId: "chat-3", Mutations: [rule("Disable", bot), rule("Enable", agent)] };
    const answer = await fetch(url, {
      method: "POST",
      headers: { ...token, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(200);
    expect(cm.sessionOf("chat-3")).toBeTypeOf("string");
  });
});
