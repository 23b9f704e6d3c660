import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CallOptions, type Harness, LOCAL_KEYS, newChatId, startHarness } from "../support/harness";
import { logged } from "../support/log-capture";

/**
 * What real CAIC dialogs and HTTP clients send, through the handlers, against DynamoDB Local and
 * the simulated CM: unset variables, byte order marks, visitors' answers that break a JSON template,
 * and request bodies that must not reach the logs.
 */

// The handlers build their Logger at import, inside startHarness: log INFO so there is something to read.
process.env.POWERTOOLS_LOG_LEVEL = "INFO";

const DEFAULT_REFERRER = "https://shop.example/default";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ PRESENCE_REFERRER: DEFAULT_REFERRER, PRESENCE_CACHE_SECONDS: "0" });
});
afterAll(() => h.close());
beforeEach(() => h.cm.reset());

const BOM = "\ufeff";
const json = (body: object) => ({ body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const withBom = (body: object) => ({
  body: `${BOM}${JSON.stringify(body)}`,
  headers: { "content-type": "application/json" },
});
const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});
const plainText = (chatId: string, answer: string): CallOptions => ({
  query: { chatId },
  body: answer,
  headers: { "content-type": "text/plain; charset=utf-8" },
});

async function readyChat(email = "jane.doe@example.com", name = "Jane Doe") {
  const chatId = newChatId();
  await h.call("POST", "/caic/events", { body: { chatId } });
  await h.call("POST", "/intake/email", { body: { chatId, email } });
  await h.call("POST", "/intake/name", { body: { chatId, name } });
  return chatId;
}

const lastMutationContext = () => (h.cm.acceptedMutations.at(-1)!.body as { Context: Record<string, unknown> }).Context;

describe("an unset dialog variable is not given", () => {
  it("GET /availability with empty channel and referrer asks presence with the defaults: online", async () => {
    const chatId = newChatId();
    const answer = await h.call("GET", "/availability", { query: { chatId, channel: "", referrer: "" } });
    expect(answer.json).toEqual({ agentStatus: "online", agentAvailable: true, reason: "presence" });
    expect(h.cm.presence.calls).toHaveLength(1);
    expect(h.cm.presence.calls[0]).toMatchObject({ channel: "WebChat", referrer: DEFAULT_REFERRER });
  });

  it.each([
    ["placeholders", { channel: "{{channel}}", referrer: "{{referrer}}" }],
    ["no-value words", { channel: "null", referrer: "undefined" }],
    ["blanks", { channel: "  ", referrer: " " }],
  ])("GET /availability with %s uses the defaults", async (_, query) => {
    const answer = await h.call("GET", "/availability", { query: { chatId: newChatId(), ...query } });
    expect(answer.json.agentStatus).toBe("online");
    expect(h.cm.presence.calls[0]).toMatchObject({ channel: "WebChat", referrer: DEFAULT_REFERRER });
  });

  it('POST /handover with referrer "" sends PRESENCE_REFERRER as WebStoreReferrer', async () => {
    const chatId = await readyChat();
    const answer = await h.call("POST", "/handover", json({ chatId, referrer: "", keywords: "" }));
    expect(answer.json).toEqual({ handover: "requested" });
    expect(lastMutationContext().WebStoreReferrer).toBe(DEFAULT_REFERRER);
    expect(lastMutationContext()).not.toHaveProperty("RoutingKeywords");
  });

  it("an empty referrer never overwrites the one recorded earlier (query, JSON null, form)", async () => {
    const chatId = await readyChat();
    await h.call("GET", "/availability", { query: { chatId, referrer: "https://shop.example/help" } });
    await h.call("GET", "/availability", { query: { chatId, referrer: "" } });
    await h.call("POST", "/availability", json({ chatId, url: null, referrer: null }));
    expect((await h.item(chatId))?.referrer).toBe("https://shop.example/help");
    const answer = await h.call("POST", "/handover", form({ chatId, referrer: "" }));
    expect(answer.json).toEqual({ handover: "requested" });
    expect(lastMutationContext().WebStoreReferrer).toBe("https://shop.example/help");
  });

  it("an empty chatId in the query gives way to the body's", async () => {
    const chatId = newChatId();
    const answer = await h.call("POST", "/caic/events", { query: { chatId: "" }, body: { chatId } });
    expect(answer.json).toMatchObject({ chatId, status: "started" });
  });

  it.each([
    ["null"],
    ["NULL"],
    ["Undefined"],
    ["none"],
    ["{{chatId}}"],
    ["{chatId}"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an unreplaced placeholder, meant literally
    ["${chatId}"],
    ["%chatId%"],
    ["$chatId"],
    ["chatId"],
  ])("chatId %j is a 400 naming chatId, and no chat is created", async (chatId) => {
    const before = await h.scan();
    for (const [method, path, options] of [
      ["POST", "/caic/events", { body: { chatId } }],
      ["POST", "/intake/email", { body: { chatId, email: "jane@example.com" } }],
      ["POST", "/handover", { body: { chatId } }],
      ["GET", "/availability", { query: { chatId } }],
      ["GET", `/chats/${encodeURIComponent(chatId)}`, {}],
    ] as const) {
      const answer = await h.call(method, path, options);
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.json.message, `${method} ${path}`).toMatch(/^chatId .*(no value|placeholder)/);
    }
    expect(await h.scan()).toEqual(before);
    expect(h.cm.routing.calls).toHaveLength(0);
  });

  it("two visitors whose chatId is unset do not share a chat", async () => {
    const first = await h.call("POST", "/caic/events", { body: { chatId: "null" } });
    const second = await h.call("POST", "/caic/events", { body: { chatId: "null" } });
    expect([first.status, second.status]).toEqual([400, 400]);
    expect(await h.item("null")).toBeUndefined();
  });

  it("an empty or null answer is an invalid answer the dialog counts, not a malformed request", async () => {
    const chatId = newChatId();
    const empty = await h.call("POST", "/intake/email", { body: { chatId, email: "" } });
    expect(empty.json).toEqual({
      valid: false,
      field: "email",
      message: "Please enter your e-mail address.",
      attempts: 1,
      exhausted: false,
    });
    const unset = await h.call("POST", "/intake/email", { body: { chatId, value: null } });
    expect(unset.json).toMatchObject({ valid: false, attempts: 2 });
    const blank = await h.call("POST", "/intake/email", plainText(chatId, ""));
    expect(blank.json).toMatchObject({ valid: false, attempts: 3, exhausted: true });
  });
});

describe("an answer that is an unset dialog variable is no answer", () => {
  it.each([
    ["name", "null"],
    ["name", "undefined"],
    ["email", "{{email}}"],
    ["message", "{{question}}"],
    ["message", "null"],
  ])("/intake/%s with %j: invalid and counted, nothing stored", async (field, answer) => {
    const chatId = newChatId();
    const reply = await h.call("POST", `/intake/${field}`, plainText(chatId, answer));
    expect(reply.json).toMatchObject({ valid: false, field, attempts: 1 });
    expect((await h.item(chatId))?.[field as "name"]).toBeUndefined();
  });

  it("a visitor called Null is still a name", async () => {
    const chatId = newChatId();
    expect((await h.call("POST", "/intake/name", plainText(chatId, "Null"))).json).toMatchObject({ valid: true });
  });
});

describe("a UTF-8 byte order mark before the body is ignored on every route", () => {
  it("event, availability, intake, handover, status", async () => {
    const chatId = newChatId();
    expect((await h.call("POST", "/caic/events", withBom({ chatId }))).json).toMatchObject({
      chatId,
      status: "started",
    });
    const availability = await h.call("POST", "/availability", withBom({ chatId, url: "https://shop.example/bom" }));
    // The presence webhook read the body (an unreadable one is a 400); it records nothing on the chat.
    expect(availability.status).toBe(200);
    expect(availability.json.agentStatus).toBe("online");
    expect((await h.call("POST", "/intake/email", withBom({ chatId, email: "jane@example.com" }))).json.valid).toBe(
      true,
    );
    expect((await h.call("POST", "/intake/name", withBom({ chatId, name: "Jane Doe" }))).json.valid).toBe(true);
    expect((await h.call("POST", "/handover", withBom({ chatId }))).json).toEqual({ handover: "requested" });
    const form = await h.call("POST", "/handover", {
      body: `${BOM}chatId=${chatId}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.json).toEqual({ handover: "requested" });
  });

  it("the Router's Handover Endpoint marks the chat, and its default template (empty context) is still repaired", async () => {
    const chatId = await readyChat();
    await h.call("POST", "/handover", { body: { chatId } });
    const answer = await h.call("POST", "/router/handover", {
      body: `${BOM}{"chatId":"${chatId}","channel":"CXWebConversations","context":}`,
      headers: { "content-type": "application/json" },
    });
    expect(answer.json).toEqual({ ok: true });
    expect((await h.item(chatId))?.status).toBe("handed_over");
  });

  it("the Router's event endpoint ends the session, the event type matched without regard to case", async () => {
    for (const type of ["RouterSessionEnded", "routersessionended", "ROUTERSESSIONENDED"]) {
      const chatId = await readyChat();
      const answer = await h.call("POST", "/router/events", {
        ...withBom({ chat: { id: chatId }, conversationEvents: [{ $type: type }] }),
      });
      expect(answer.json).toEqual({ ok: true });
      const item = await h.item(chatId);
      expect(item?.status, type).toBe("ended");
      expect(item?.email, type).toBeUndefined();
    }
  });
});

describe("a visitor's answer cannot break the step, loop the dialog or pick the chat", () => {
  const hostileAnswers = ['O"Neil', "back\\slash", 'x","chatId":"another', "{{name}}", "a\nb", "}{"];

  it.each(hostileAnswers)(
    "as the plain-text body the setup guide recommends: %j is an answer like any other",
    async (answer) => {
      const chatId = newChatId();
      const other = newChatId();
      const reply = await h.call("POST", "/intake/name", plainText(chatId, answer.replace("another", other)));
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ field: "name", valid: expect.any(Boolean) });
      expect(await h.item(other)).toBeUndefined();
    },
  );

  it("the plain-text body carries every name and address as typed", async () => {
    const chatId = newChatId();
    const name = await h.call("POST", "/intake/name", plainText(chatId, "Siobhán O’Neill"));
    expect(name.json).toMatchObject({ valid: true, value: "Siobhán O'Neill" });
    const email = await h.call("POST", "/intake/email", plainText(chatId, "mailto:jane.doe@example.com\n"));
    expect(email.json).toMatchObject({ valid: true, value: "jane.doe@example.com", complete: true });
    const item = await h.item(chatId);
    expect([item?.name, item?.email]).toEqual(["Siobhán O'Neill", "jane.doe@example.com"]);
  });

  it("a JSON template broken by a quotation mark or backslash is counted, and the third ends the step", async () => {
    const chatId = newChatId();
    const template = (answer: string) => ({
      body: `{"chatId":"${chatId}","name":"${answer}"}`,
      headers: { "content-type": "application/json" },
    });
    const answers = [];
    for (const answer of ['Robert "Bob', "C:\\", 'Bobby "Tables"']) {
      answers.push((await h.call("POST", "/intake/name", template(answer))).json);
    }
    expect(answers.map((a) => [a.valid, a.attempts, a.exhausted])).toEqual([
      [false, 1, false],
      [false, 2, false],
      [false, 3, true],
    ]);
    expect(answers[0].message).toMatch(/quotation marks/);
  });

  it("a body that names chatId twice is refused and writes nothing", async () => {
    const chatId = newChatId();
    const victim = newChatId();
    await h.call("POST", "/caic/events", { body: { chatId: victim } });
    const before = await h.scan();
    const injected = `x","chatId":"${victim}`;
    const bodies: Array<[string, string]> = [
      [`{"chatId":"${chatId}","email":"${injected}"}`, "application/json"],
      [`{"chatId":"${chatId}","email":"${injected}`, "application/json"],
      [`{"chatId":"${chatId}","ChatId":"${victim}","email":"a@b.nl"}`, "application/json"],
      [`chatId=${chatId}&email=x&chatId=${victim}`, "application/x-www-form-urlencoded"],
    ];
    for (const [body, contentType] of bodies) {
      const answer = await h.call("POST", "/intake/email", { body, headers: { "content-type": contentType } });
      expect(answer.status, body).toBe(400);
      expect(answer.json.message).toBe("chatId is given more than once in the body");
    }
    expect(await h.scan()).toEqual(before);
  });

  const PLAIN = "with a text/plain answer the chat id goes in the URL";
  const NONE = "the body names none, so the chat id goes in the URL";
  it.each([
    ["/intake/name?chatId=", { chatId: "" }, "Jane Doe", "text/plain; charset=utf-8", `chatId is empty: ${PLAIN}`],
    ["/intake/email?chatId=%20", { chatId: " " }, "Jane Doe", "text/plain", `chatId is empty: ${PLAIN}`],
    ["/intake/message", {}, "Jane Doe", "text/plain", `chatId is required: ${PLAIN}`],
    // An answer that starts like a JSON template, or a body with no content type at all, names no chat id either.
    ["/intake/name?chatId=", { chatId: "" }, "{hi}", "text/plain", `chatId is empty: ${PLAIN}`],
    ["/intake/message?chatId=", { chatId: "" }, '{"chatId":"","message":"x', "text/plain", `chatId is empty: ${PLAIN}`],
    ["/intake/email?chatId=", { chatId: "" }, "jane@example.com", undefined, `chatId is empty: ${NONE}`],
    ["/intake/email", {}, "jane@example.com", undefined, `chatId is required: ${NONE}`],
    ["/intake/name?chatId=", { chatId: "" }, "{hi}", "application/json", `chatId is empty: ${NONE}`],
    ["/intake/name?chatId=", { chatId: "" }, "42", "application/json", `chatId is empty: ${NONE}`],
  ])(
    "an answer to %s with body %s names no chat id: a 400 naming chatId, not the body",
    async (path, query, body, type, message) => {
      const before = await h.scan();
      const answer = await h.call("POST", path.split("?")[0]!, {
        query,
        body,
        headers: type === undefined ? {} : { "content-type": type },
      });
      expect(answer.status).toBe(400);
      expect(answer.json.message).toBe(message);
      expect(await h.scan()).toEqual(before);
    },
  );

  it("a long answer is a too-long answer, not a malformed request", async () => {
    const chatId = newChatId();
    const answer = await h.call("POST", "/intake/name", { body: { chatId, name: "x".repeat(5_000) } });
    expect(answer.json).toMatchObject({ valid: false, attempts: 1, message: expect.stringMatching(/too long/) });
  });
});

describe("logs hold no value a caller sent unless it is known not to be personal", () => {
  it("the presence webhook's key names no chat: whatever chat id its request carries, it answers presence, logs none and writes nothing", async () => {
    const chatId = newChatId();
    const webhook = (options: CallOptions) =>
      h.call("POST", "/availability", {
        ...options,
        key: null,
        query: { key: LOCAL_KEYS.PRESENCE_WEBHOOK_KEY, ...options.query },
      });
    // Every way a chat id can be named, valid or not: none may be refused, logged or recorded.
    const forms: [string, CallOptions][] = [
      ["JSON chatId", json({ chatId, url: "https://shop.example/p" })],
      ["JSON ChatId", json({ ChatId: chatId })],
      ["a number", json({ chatId: 123 })],
      ["an unreplaced placeholder", json({ chatId: "{{chatId}}" })],
      ["a word for no value", json({ chatId: "undefined" })],
      ["not a chat id", json({ chatId: "a b" })],
      [
        "named twice",
        { body: `{"chatId":"${chatId}","ChatId":"${chatId}"}`, headers: { "content-type": "application/json" } },
      ],
      ["a form", form({ chatId, referrer: "https://shop.example/f" })],
      ["a form naming it twice", form({ chatId, ChatId: chatId })],
      ["the query", { query: { chatId, referrer: "https://shop.example/q" } }],
      ["the query's ChatId", { query: { ChatId: chatId } }],
    ];
    for (const [what, options] of forms) {
      let answer: Awaited<ReturnType<typeof h.call>> | undefined;
      const lines = await logged(async () => {
        answer = await webhook(options);
      });
      expect(answer!.status, what).toBe(200);
      expect(answer!.json.agentStatus, what).toBe("online");
      expect(lines.length, `${what}: the answer was logged`).toBeGreaterThan(0);
      expect(lines.join("\n"), what).not.toContain(chatId);
      expect(lines.join("\n"), what).not.toMatch(/"chatId"/);
    }
    expect(await h.item(chatId)).toBeUndefined();
  });

  it("an unknown Router event carrying a name: only that it was unknown is logged", async () => {
    const chatId = newChatId();
    const lines = await logged(() => h.call("POST", "/router/events", json({ chatId, name: "Marta Kowalska" })));
    expect(lines.join("\n")).not.toMatch(/Marta|Kowalska/);
    const ignored = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === "router event ignored");
    expect(ignored).toMatchObject({ chatId, unknownTypes: 1 });
  });

  it("a channel or event type a caller typed is not written; the configured channel is", async () => {
    h.cm.presence.behaviour.standing = { status: 500 };
    const lines = await logged(async () => {
      await h.call("GET", "/availability", { query: { channel: "Marta Kowalska" } });
      await h.call("GET", "/availability", {});
      await h.call(
        "POST",
        "/router/events",
        json({ chatId: newChatId(), conversationEvents: [{ $type: "Kowalska" }] }),
      );
    });
    expect(lines.join("\n")).not.toMatch(/Marta|Kowalska/);
    // "presence check failed", or the last real answer served when an earlier test left one.
    const failures = lines.map((line) => JSON.parse(line)).filter((e) => e.message.startsWith("presence") && e.channel);
    expect(failures.map((e) => e.channel)).toEqual(["(given by the caller)", "WebChat"]);
  });

  it("names and addresses sent through every intake form stay out of the logs", async () => {
    const chatId = newChatId();
    const lines = await logged(async () => {
      await h.call("POST", "/intake/name", plainText(chatId, "Marta Kowalska"));
      await h.call("POST", "/intake/email", plainText(chatId, "mailto:marta.kowalska@example.pl"));
      await h.call("POST", "/intake/name", { body: `{"chatId":"${chatId}","name":"Marta "Kowalska"}` });
      await h.call("POST", "/intake/email", { body: { chatId, email: "marta kowalska@example" } });
    });
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join("\n")).not.toMatch(/marta|kowalska/i);
  });
});
