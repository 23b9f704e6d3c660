import { HISTORY_DEADLINES } from "@caic-handover/core/router/cm-history";
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

  it("never reports a 404 (no such session, or a wrong account: CM's answers look alike) as erased, and alarms", async () => {
    const { chatId, sessionId } = await handedOver("gone");
    r.h.cm.history.sessions.delete(sessionId);
    const failedBefore = metricLines("CmHistoryEraseFailed").length;
    await r.call("DELETE", `/chats/${chatId}`);
    expect(r.h.cm.history.calls.map((call) => [call.method, call.status])).toEqual([["GET", 404]]);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      cmHistoryErased: false,
      cmHistory: { status: "not-found" },
    });
    expect(metricLines("CmHistoryEraseFailed").length).toBeGreaterThan(failedBefore);
    // A not-found is asked again on a later request (the account may have been put right meanwhile).
    await r.call("DELETE", `/chats/${chatId}`);
    expect(r.h.cm.history.calls).toHaveLength(2);
    r.resetCm();
  });

  it("never stores another chat's session for a chat that did not ask for a handover, so its erase leaves that history", async () => {
    const victim = await handedOver("victim");
    const chatId = newChatId();
    await r.call("POST", "/caic/events", { body: { chatId } });
    const forged = JSON.stringify({ chatId, sessionId: victim.sessionId });
    await r.call("POST", "/router/handover", { body: forged, headers: { "content-type": "application/json" } });
    expect((await r.call("GET", `/chats/${chatId}`)).json.routerSessionId).toBeNull();
    await r.call("DELETE", `/chats/${chatId}`);
    expect(r.h.cm.history.calls).toEqual([]);
    expect(r.h.cm.sessionOf(victim.chatId)).toBe(victim.sessionId);
    r.resetCm();
  });

  it("refuses to delete when CM's read says the stored session is another chat's, and counts it failed", async () => {
    const victim = await handedOver("victim-2");
    const chatId = newChatId();
    await r.call("POST", "/caic/events", { body: { chatId, email: "x@example.org", name: "Ann Example" } });
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    const forged = JSON.stringify({ chatId, sessionId: victim.sessionId });
    await r.call("POST", "/router/handover", { body: forged, headers: { "content-type": "application/json" } });
    const failedBefore = metricLines("CmHistoryEraseFailed").length;
    await r.call("DELETE", `/chats/${chatId}`);
    expect(deletes()).toEqual([]);
    expect(r.h.cm.sessionOf(victim.chatId)).toBe(victim.sessionId);
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      cmHistoryErased: false,
      cmHistory: { status: "failed", reason: "other-chat" },
    });
    expect(metricLines("CmHistoryEraseFailed").length).toBeGreaterThan(failedBefore);
    r.resetCm();
  });

  it("retries CM's faults, and when CM keeps failing still erases locally, counts it and tries again next time", async () => {
    const { chatId, sessionId, email } = await handedOver("failing");
    r.h.cm.history.behaviour.standing = { status: 503 };
    const failedBefore = metricLines("CmHistoryEraseFailed").length;
    const erased = await r.call("DELETE", `/chats/${chatId}`);
    expect(erased.json).toEqual({ erased: true, found: true });
    // The ownership read is retried, then given up within the budget: nothing deleted, nothing claimed.
    expect(r.h.cm.history.calls.map((call) => [call.method, call.status])).toEqual([
      ["GET", 503],
      ["GET", 503],
      ["GET", 503],
    ]);
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
        const asked = r.h.cm.history.calls;
        expect(asked.length).toBeGreaterThanOrEqual(1);
        expect(deletes().length).toBeLessThanOrEqual(HISTORY_DEADLINES.maxAttempts);
        const status = (await r.call("GET", `/chats/${chatId}`)).json;
        // Erased exactly when CM answered a DELETE with 2xx: never on a 404 or a fault.
        expect(status.cmHistoryErased).toBe(deletes().some((call) => call.status === 204));
        expect(r.h.cm.sessionOf(chatId) === undefined).toBe(status.cmHistoryErased);
      }),
      { numRuns: 6 },
    );
    r.resetCm();
  }, 120_000);
});

describe("RouterSessionEnded with ERASE_CM_HISTORY=on-session-end", () => {
  it("keeps the session id the event carries, so a failed erase at CM is tried again by a later DELETE", async () => {
    const chatId = newChatId();
    const { name, email } = person("retried");
    r.logs.personal(name, email);
    await r.call("POST", "/caic/events", { body: { chatId, name, email } });
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    const sessionId = r.h.cm.sessionOf(chatId)!;
    // The Handover Endpoint call never came; the session end carries the id while CM is down.
    r.h.cm.history.behaviour.standing = { status: 503 };
    const event = JSON.stringify({
      chat: { id: chatId, sessionId },
      conversationEvents: [{ $type: "RouterSessionEnded" }],
    });
    await r.call("POST", "/router/events", { body: event });
    expect((await r.call("GET", `/chats/${chatId}`)).json).toMatchObject({
      status: "ended",
      routerSessionId: sessionId,
      cmHistoryErased: false,
    });
    r.h.cm.history.behaviour.reset();
    await r.call("DELETE", `/chats/${chatId}`);
    expect(deletes().at(-1)).toMatchObject({ sessionId, status: 204 });
    expect((await r.call("GET", `/chats/${chatId}`)).json.cmHistoryErased).toBe(true);
    r.resetCm();
  });

  it("neither keeps nor deletes another chat's session named in a session end", async () => {
    const victim = await handedOver("victim-3");
    const chatId = newChatId();
    await r.call("POST", "/caic/events", { body: { chatId } });
    const event = JSON.stringify({
      chat: { id: chatId, sessionId: victim.sessionId },
      conversationEvents: [{ $type: "RouterSessionEnded" }],
    });
    await r.call("POST", "/router/events", { body: event });
    expect(deletes()).toEqual([]);
    expect(r.h.cm.sessionOf(victim.chatId)).toBe(victim.sessionId);
    expect((await r.call("GET", `/chats/${chatId}`)).json.routerSessionId).toBeNull();
    r.resetCm();
  });

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
