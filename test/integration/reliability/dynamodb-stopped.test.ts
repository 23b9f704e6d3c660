import { createChatTable, type DynamoDbLocal, startDynamoDbLocal } from "@caic-handover/local/dynamodb-local";
import { DynamoDbProxy } from "@caic-handover/local/dynamodb-proxy";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newChatId } from "../../support/harness";
import {
  BUDGET_MS,
  person,
  type Reliability,
  SLACK_MS,
  startReliability,
  timed,
} from "../../support/reliability-harness";

/**
 * The handlers' table lives in a second DynamoDB Local (the real engine) that is stopped mid-run:
 * every call needing the table is a 503 inside the budget, nothing else is; once a DynamoDB answers on
 * that port again (the shared DynamoDB Local behind a proxy, the table created anew), the next request
 * succeeds. The proxy saves a second engine start.
 */
const TABLE = `chats-stopped-${process.pid}`;
let r: Reliability;
let ddb: DynamoDbLocal;
let port: number;
let revived: DynamoDbProxy | undefined;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  port = Number(new URL(ddb.endpoint).port);
  await createChatTable(ddb.endpoint, TABLE);
  r = await startReliability(import.meta.filename, { DYNAMODB_ENDPOINT: ddb.endpoint, TABLE_NAME: TABLE });
}, 90_000);
afterAll(async () => {
  await r.finish();
  await ddb.stop();
  await revived?.stop();
});

describe("a stopped DynamoDB Local", () => {
  it("answers 503 'please try again' within budget on every route that needs the table, then recovers", async () => {
    const chatId = newChatId();
    const { name, email } = person("stopped");
    r.logs.personal(name, email);
    expect((await r.call("POST", "/caic/events", { body: { chatId } })).status).toBe(200);
    expect((await r.call("POST", "/intake/email", { body: { chatId, value: email } })).json.valid).toBe(true);

    await ddb.stop();
    r.figures.faults += 1;
    const requests: [string, string, object | undefined][] = [
      ["POST", "/caic/events", { chatId }],
      ["POST", "/intake/name", { chatId, value: name }],
      ["POST", "/intake/email", { chatId, value: "not-an-address" }],
      ["POST", "/handover", { chatId }],
      ["POST", "/router/events", { chatId, conversationEvents: [{ $type: "RouterSessionEnded" }] }],
      ["GET", `/chats/${chatId}`, undefined],
      ["DELETE", `/chats/${chatId}`, undefined],
    ];
    await Promise.all(
      requests.map(async ([method, path, body]) => {
        const [answer, ms] = await timed(() => r.callDuringOutage(method, path, { body }));
        expect(answer.status, `${method} ${path}`).toBe(503);
        expect(answer.json).toEqual({ error: "unavailable", message: "please try again" });
        expect(ms, `${method} ${path}`).toBeLessThan(BUDGET_MS.dynamodb + SLACK_MS);
      }),
    );
    // SPEC: the Router's Handover Endpoint always hears 200, and Web Conversations still gets the notification.
    const forwards = r.h.cm.webConversations.calls.length;
    const notification = await r.callDuringOutage("POST", "/router/handover", { body: { chatId } });
    expect(notification).toMatchObject({ status: 200, json: { ok: true } });
    expect(r.h.cm.webConversations.calls).toHaveLength(forwards + 1);

    const [withChat, ms] = await timed(() => r.callDuringOutage("GET", "/availability", { query: { chatId } }));
    expect(withChat.status).toBe(503);
    expect(ms).toBeLessThan(BUDGET_MS.presence + BUDGET_MS.dynamodb + SLACK_MS);
    expect((await r.call("GET", "/availability")).json, "no chat, no table").toMatchObject({ agentStatus: "online" });
    expect(r.h.cm.routing.calls).toHaveLength(0);

    await createChatTable(inject("ddbEndpoint"), TABLE);
    revived = await new DynamoDbProxy(inject("ddbEndpoint")).start(port);
    expect((await r.call("POST", "/intake/email", { body: { chatId, value: email } })).json.valid).toBe(true);
    expect((await r.call("POST", "/intake/name", { body: { chatId, value: name } })).json.complete).toBe(true);
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect(r.h.cm.acceptedMutations).toHaveLength(1);
  }, 90_000);
});
