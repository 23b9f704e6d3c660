import { DynamoDbProxy } from "@caic-handover/local/dynamodb-proxy";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
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
 * DynamoDB throttling (`ProvisionedThroughputExceededException`) and refused connections, injected by
 * a loopback proxy in front of DynamoDB Local: the handlers' own SDK client parses the error and
 * applies its retry strategy, as against AWS. Short throttling is absorbed; a sustained one is a
 * 503 "please try again" inside the budget that changes nothing; the next request after it succeeds.
 */
let r: Reliability;
let proxy: DynamoDbProxy;
beforeAll(async () => {
  proxy = await new DynamoDbProxy(inject("ddbEndpoint")).start();
  r = await startReliability(import.meta.filename, { DYNAMODB_ENDPOINT: proxy.endpoint });
});
afterAll(async () => {
  await r.finish();
  await proxy.stop();
});
beforeEach(() => {
  proxy.clear();
  r.resetCm();
});

let people = 0;
async function readyChat() {
  const chatId = newChatId();
  const { name, email } = person(`ddb-${people++}`);
  r.logs.personal(name, email);
  await r.call("POST", "/caic/events", { body: { chatId } });
  await r.call("POST", "/intake/email", { body: { chatId, value: email } });
  await r.call("POST", "/intake/name", { body: { chatId, value: name } });
  return { chatId, name, email };
}

/** Every route that touches the table, as a request for one chat. */
const storeRequests = (chatId: string, email: string): [string, string, object | undefined, string?][] => [
  ["POST", "/caic/events", { chatId }],
  ["GET", `/availability?chatId=${chatId}`, undefined],
  ["POST", "/intake/email", { chatId, value: email }],
  ["POST", "/intake/name", { chatId, value: "Nobody" }],
  ["POST", "/handover", { chatId }],
  ["POST", "/router/events", { chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] }],
  ["GET", `/chats/${chatId}`, undefined],
  ["DELETE", `/chats/${chatId}`, undefined],
];

/** Sends every store request at once while DynamoDB fails; each must be the 503 inside its budget. */
async function expectOutageAnswers(chatId: string, email: string, count = Number.POSITIVE_INFINITY) {
  const requests = storeRequests(chatId, email).slice(0, count);
  r.figures.faults += requests.length;
  await Promise.all(
    requests.map(async ([method, url, body]) => {
      const [answer, ms] = await timed(() => r.callDuringOutage(...request(method, url, body)));
      expect(answer.status, `${method} ${url}`).toBe(503);
      expect(answer.json, `${method} ${url}`).toEqual({ error: "unavailable", message: "please try again" });
      // A handover whose claim write failed reads back whether the claim landed after all (its answer lost).
      const calls = url === "/handover" ? 2 : 1;
      const budget = BUDGET_MS.dynamodb * calls + (url.startsWith("/availability") ? BUDGET_MS.presence : 0);
      expect(ms, `${method} ${url}`).toBeLessThan(budget + SLACK_MS);
    }),
  );
}

function request(method: string, url: string, body: object | undefined) {
  const [path, query] = url.split("?");
  return [method, path!, { body, query: query ? Object.fromEntries(new URLSearchParams(query)) : undefined }] as const;
}

describe("DynamoDB throttling", () => {
  it("a throttled answer is absorbed by the SDK's retries on every route", async () => {
    const requests = storeRequests(newChatId(), "burst@example.com");
    proxy.throttle(requests.length);
    r.figures.faults += requests.length;
    const answers = await Promise.all(requests.map(([method, url, body]) => r.call(...request(method, url, body))));
    for (const [i, answer] of answers.entries())
      expect([200, 404], requests[i]!.slice(0, 2).join(" ")).toContain(answer.status);
    expect(proxy.throttled).toBe(requests.length);
  });

  it("sustained throttling: every route answers 503 'please try again' within its budget and changes nothing", async () => {
    const { chatId, email } = await readyChat();
    const before = await r.h.scan();
    proxy.standingThrottle = true;
    await expectOutageAnswers(chatId, email);
    expect(r.h.cm.routing.calls, "no mutation request without a claim").toHaveLength(0);
    expect(await r.h.scan()).toEqual(before);

    const offline = await r.call("GET", "/availability");
    expect(offline.status, "availability without a chat needs no table").toBe(200);
    const webhook = await r.call("POST", "/availability", { body: { chatId, url: "https://shop.example" } });
    expect(webhook.status, "the presence webhook records nothing on a chat, so needs no table").toBe(200);
    expect(await r.h.scan()).toEqual(before);

    proxy.clear();
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect((await r.call("GET", `/chats/${chatId}`)).json.status).toBe("requested");
    expect(r.h.cm.acceptedMutations).toHaveLength(1);
  });

  it("throttling of the outcome write after CM accepted: the settle is retried, the caller hears requested, nothing is sent twice", async () => {
    const { chatId } = await readyChat();
    // All three of the SDK's attempts of the first settle write fail; the handover retries the settle.
    proxy.throttle(3, /UpdateItem.*REMOVE #claimExpiresAt/);
    r.figures.faults += 1;
    const answer = await r.call("POST", "/handover", { body: { chatId } });
    expect(answer.json).toEqual({ handover: "requested" });
    expect((await r.h.item(chatId))!.status).toBe("requested");
    expect(r.h.cm.appliedMutations).toHaveLength(1);
  }, 20_000);
});

describe("DynamoDB accepting connections but never answering", () => {
  it("every route answers 503 once the SDK's request deadline passes, not at the Lambda timeout", async () => {
    const { chatId, email } = await readyChat();
    proxy.hang = true;
    await expectOutageAnswers(chatId, email);
    proxy.clear();
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
  }, 60_000);
});

describe("DynamoDB refusing connections", () => {
  it("every route answers 503 within its budget; the first request after it is back succeeds", async () => {
    const { chatId, email } = await readyChat();
    const before = await r.h.scan();
    const port = Number(new URL(proxy.endpoint).port);
    await proxy.stop();
    try {
      await expectOutageAnswers(chatId, email);
      expect(r.h.cm.routing.calls).toHaveLength(0);
    } finally {
      await proxy.start(port);
    }
    expect(await r.h.scan()).toEqual(before);
    expect((await r.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect(r.h.cm.acceptedMutations).toHaveLength(1);
  });
});
