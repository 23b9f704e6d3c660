import { HISTORY_DEADLINES } from "@caic-handover/core/cm-history";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newChatId, TECHNICAL_LINK } from "../../support/harness";
import { lambdaTimeoutMs, person, type Reliability, startReliability } from "../../support/reliability-harness";

/**
 * ERASE_CM_HISTORY=on-session-end: a privacy request (`DELETE /chats/{chatId}`) and the Router's
 * session end delete the session's history at CM through the Conversation History API, exactly for
 * the session the Handover Endpoint reported; CM failing, hanging or answering 404 never blocks or
 * undoes the local erase; the status route says whether CM's copy went; no log line is personal.
 */
process.env.POWERTOOLS_METRICS_DISABLED = "false";
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename, { ERASE_CM_HISTORY: "on-session-end" });
});
afterAll(() => r.finish());

const HISTORY_PATH = `/conversational/conversation-history/v1/accounts/${TECHNICAL_LINK}/session-history/`;

/** A chat handed over with the Router's session opened at the simulated CM and reported on the Handover Endpoint. */
async function handedOver(tag: string) {
  const chatId = newChatId();
  const { name, email } = person(tag);
  r.logs.personal(name, email);
  await r.call("POST", "/caic/events", { body: { chatId, email, name, reason: `asked for ${name}` } });
  expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
  const sessionId = r.h.cm.sessionOf(chatId)!;
  expect(sessionId).toBeTypeOf("string");
  const notification = `{"chatId":"${chatId}","sessionId":"${sessionId}","accountId":"${TECHNICAL_LINK}","context":}`;
  await r.call("POST", "/router/handover", { body: notification, headers: { "content-type": "application/json" } });
  return { chatId, sessionId, name, email };
}

const deletes = () => r.h.cm.history.calls.filter((call) => call.method === "DELETE");
const metricLines = (name: string) => r.logs.lines.filter((line) => line.includes(`"Name":"${name}"`));

describe("DELETE /chats/{chatId} with ERASE_CM_HISTORY", () => {
  it("erases locally, then deletes exactly the reported session's history at CM, once", async () => {
    const other = await handedOver("bystander");
    const { chatId, sessionId, email } = await handedOver("erased");
    const erased = await r.call("DELETE", `/chats/${chatId}`);
    expect(erased.json).toEqual({ erased: true, found: true });
    expect(deletes().map((call) => [call.path, call.headers["x-cm-producttoken"], call.status])).toEqual([
      [`${HISTORY_PATH}${sessionId}`, "[set]", 204],
    ]);
    expect(r.h.cm.sessionOf(chatId)).toBeUndefined();
    expect(r.h.cm.sessionOf(other.chatId)).toBe(other.sessionId);
    const status = (await r.call("GET", `/chats/${chatId}`)).json;
    expect(status).toMatchObject({ email: null, reason: null, routerSessionId: sessionId, cmHistoryErased: true });
    expect(status.cmHistory.status).toBe("erased");
    expect(JSON.stringify(await r.h.item(chatId))).not.toContain(email.split("@")[0]);
    // Erased at CM already: a repeated request asks CM nothing more.
    await r.call("DELETE", `/chats/${chatId}`);
    expect(deletes()).toHaveLength(1);
    expect(metricLines("CmHistoryErased").length).toBeGreaterThan(0);
    r.resetCm();
  });

  it("takes CM's 404 (no history there) as nothing left to erase", async () => {
    const { chatId, sessionId } = await handedOver("gone");
    r.h.cm.history.sessions.delete(sessionId);
    await r.call("DELETE", `/chats/${chatId}`);
    expect(deletes().map((call) => call.status)).toEqual([404]);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      cmHistoryErased: true,
      cmHistory: { status: "not-found" },
    });
    r.resetCm();
  });

  it("retries CM's faults, and when CM keeps failing still erases locally, counts it and tries again next time", async () => {
    const { chatId, sessionId, email } = await handedOver("failing");
    r.h.cm.history.behaviour.standing = { status: 503 };
    const failedBefore = metricLines("CmHistoryEraseFailed").length;
    const erased = await r.call("DELETE", `/chats/${chatId}`);
    expect(erased.json).toEqual({ erased: true, found: true });
    expect(deletes().map((call) => call.status)).toEqual([503, 503, 503]);
    expect((await r.h.item(chatId))?.email).toBeUndefined();
    expect(JSON.stringify(await r.h.item(chatId))).not.toContain(email);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      cmHistoryErased: false,
      cmHistory: { status: "failed" },
    });
    expect(metricLines("CmHistoryEraseFailed").length).toBeGreaterThan(failedBefore);

    r.h.cm.history.behaviour.reset();
    await r.call("DELETE", `/chats/${chatId}`);
    expect(deletes().at(-1)).toMatchObject({ sessionId, status: 204 });
    expect((await r.call("GET", `/chats/${chatId}`)).json.cmHistoryErased).toBe(true);
    r.resetCm();
  });

  it("gives up on a CM that hangs within its budget, with the local erase already done", async () => {
    const { chatId } = await handedOver("hanging");
    r.h.cm.history.behaviour.standing = { delayMs: 20_000, status: 204 };
    const started = Date.now();
    const erased = await r.call("DELETE", `/chats/${chatId}`);
    const took = Date.now() - started;
    expect(erased.json).toEqual({ erased: true, found: true });
    // CM's budget, well inside the function's Lambda timeout (generous slack for a loaded machine).
    expect(took).toBeLessThan(lambdaTimeoutMs("chat-erase"));
    expect(deletes().length).toBeLessThanOrEqual(HISTORY_DEADLINES.maxAttempts);
    expect((await r.h.item(chatId))?.name).toBeUndefined();
    expect((await r.call("GET", `/chats/${chatId}`)).json.cmHistoryErased).toBe(false);
    r.resetCm();
  }, 60_000);

  it("asks CM nothing for a chat whose Router session id never arrived", async () => {
    const chatId = newChatId();
    await r.call("POST", "/caic/events", { body: { chatId } });
    expect((await r.call("DELETE", `/chats/${chatId}`)).json.erased).toBe(true);
    expect(r.h.cm.history.calls).toEqual([]);
    expect((await r.call("GET", `/chats/${chatId}`)).json.cmHistoryErased).toBeNull();
  });

  it("under any fixed-seed sequence of CM faults, erases locally once and asks CM at most three times", async () => {
    const fault = fc.constantFrom<"ok" | "500" | "429" | "404" | "401" | "reset">(
      "ok",
      "500",
      "429",
      "404",
      "401",
      "reset",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fault, { minLength: 1, maxLength: 4 }), async (faults) => {
        r.resetCm();
        const { chatId } = await handedOver("sequence");
        for (const f of faults) {
          if (f === "ok") r.h.cm.history.behaviour.next({});
          else if (f === "reset") r.h.cm.history.behaviour.next({ reset: true });
          else r.h.cm.history.behaviour.next({ status: Number(f) });
        }
        const erased = await r.call("DELETE", `/chats/${chatId}`);
        expect(erased.status).toBe(200);
        expect((await r.h.item(chatId))?.email).toBeUndefined();
        const asked = deletes();
        expect(asked.length).toBeGreaterThanOrEqual(1);
        expect(asked.length).toBeLessThanOrEqual(HISTORY_DEADLINES.maxAttempts);
        const settled = asked.at(-1)!.status;
        const status = (await r.call("GET", `/chats/${chatId}`)).json;
        expect(status.cmHistoryErased).toBe(settled === 204 || settled === 404);
      }),
      { numRuns: 6 },
    );
    r.resetCm();
  }, 120_000);
});

describe("RouterSessionEnded with ERASE_CM_HISTORY=on-session-end", () => {
  it("ends the chat and deletes the reported session's history at CM", async () => {
    const { chatId, sessionId } = await handedOver("ended");
    const event = JSON.stringify({ chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] });
    expect((await r.call("POST", "/router/events", { body: event })).json).toEqual({ ok: true });
    expect(deletes().map((call) => [call.sessionId, call.status])).toEqual([[sessionId, 204]]);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({ status: "ended", cmHistoryErased: true });
    r.resetCm();
  });

  it("uses the session id the event carries when the Handover Endpoint never reported one", async () => {
    const chatId = newChatId();
    await r.call("POST", "/caic/events", { body: { chatId } });
    const sessionId = r.h.cm.openSession(chatId);
    const event = JSON.stringify({
      chat: { id: chatId, sessionId },
      conversationEvents: [{ $type: "RouterSessionEnded" }],
    });
    await r.call("POST", "/router/events", { body: event });
    expect(deletes().map((call) => [call.sessionId, call.status])).toEqual([[sessionId, 204]]);
    r.resetCm();
  });

  it("never fails the Router when CM is down, and says CM kept its copy", async () => {
    const { chatId } = await handedOver("ended-down");
    r.h.cm.history.behaviour.standing = { reset: true };
    const event = JSON.stringify({ chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] });
    const answer = await r.call("POST", "/router/events", { body: event });
    expect(answer).toMatchObject({ status: 200, json: { ok: true } });
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({ status: "ended", cmHistoryErased: false });
    r.resetCm();
  });
});
