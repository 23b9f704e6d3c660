import { PayloadTooLargeError } from "@caic-handover/core/shared/errors";
import { decodeBody, MAX_BODY_BYTES, type ReadOptions, readRequest } from "@caic-handover/functions/http/request";
import { describe, expect, it } from "vitest";
import { type EventInit, GUID, gatewayEvent, problem, recordingLogger } from "./events";

/** Reads a request as the adapter does: the body decoded, then headers, query, path and body read. */
function read(init: EventInit, options: Partial<ReadOptions> = {}, routeKey = "POST /handover") {
  const { logger, log } = recordingLogger();
  const event = gatewayEvent(routeKey, init);
  const request = readRequest(event, decodeBody(event, MAX_BODY_BYTES), {
    log: logger,
    chatId: "required",
    ...options,
  });
  return { request, log };
}
const json = (body: object) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const text = (body: string, query?: Record<string, string>) => ({
  headers: { "content-type": "text/plain; charset=utf-8" },
  body,
  ...(query ? { query } : {}),
});

describe("decodeBody", () => {
  it("reads no body as empty", () => {
    expect(decodeBody(gatewayEvent("POST /handover"), MAX_BODY_BYTES)).toBe("");
  });

  it("decodes a base64 body", () => {
    const body = Buffer.from('{"chatId":"ä"}').toString("base64");
    expect(decodeBody(gatewayEvent("POST /handover", { body, base64: true }), MAX_BODY_BYTES)).toBe('{"chatId":"ä"}');
  });

  it("drops a leading UTF-8 byte order mark, plain or base64", () => {
    expect(decodeBody(gatewayEvent("POST /handover", { body: "\uFEFFJörg" }), MAX_BODY_BYTES)).toBe("Jörg");
    const base64 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("Jörg")]).toString("base64");
    expect(decodeBody(gatewayEvent("POST /handover", { body: base64, base64: true }), MAX_BODY_BYTES)).toBe("Jörg");
  });

  it("takes 16 KiB and refuses a byte more, counting UTF-8 bytes after base64 decoding", () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    const atLimit = "é".repeat(MAX_BODY_BYTES / 2);
    expect(decodeBody(gatewayEvent("POST /handover", { body: atLimit }), MAX_BODY_BYTES)).toBe(atLimit);
    const base64 = Buffer.from(atLimit).toString("base64");
    expect(base64.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(decodeBody(gatewayEvent("POST /handover", { body: base64, base64: true }), MAX_BODY_BYTES)).toBe(atLimit);
    expect(() => decodeBody(gatewayEvent("POST /handover", { body: `${atLimit}x` }), MAX_BODY_BYTES)).toThrow(
      PayloadTooLargeError,
    );
  });
});

describe("which chat id a request names", () => {
  const other = "11111111-2222-4333-8444-555555555555";

  it("takes the path's over the query's over the body's", () => {
    const body = json({ chatId: "body" });
    expect(read({ ...body, path: { chatId: GUID }, query: { chatId: other } }).request.chatId).toBe(GUID);
    expect(read({ ...body, query: { chatId: other } }).request.chatId).toBe(other);
    expect(read(body).request.chatId).toBe("body");
  });

  it("takes query chatId over ChatId; the body's in either spelling, never both", () => {
    expect(read({ query: { ChatId: "b", chatId: "a" } }).request.chatId).toBe("a");
    expect(read({ query: { ChatId: "b" } }).request.chatId).toBe("b");
    expect(read(json({ ChatId: "b" })).request.chatId).toBe("b");
    expect(problem(() => read(json({ ChatId: "b", chatId: "a" })))).toBe("chatId is given more than once in the body");
    expect(problem(() => read(json({ chatId: null, ChatId: "b" })))).toBe("chatId is given more than once in the body");
  });

  it("passes over a place that gives an unset value (blank, JSON null) for the next", () => {
    expect(read({ ...json({ chatId: "body" }), path: { chatId: " " }, query: { chatId: "" } }).request.chatId).toBe(
      "body",
    );
    expect(
      read({ ...json({ chatId: null }), query: { chatId: " " } }, { chatId: "optional" }).request.chatId,
    ).toBeUndefined();
    expect(problem(() => read(json({ chatId: " " })))).toBe("chatId is required");
  });

  it("reads a form body's chat id", () => {
    const form = { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "chatId=form&x=1" };
    expect(read(form).request).toMatchObject({ chatId: "form", fields: { chatId: "form", x: "1" } });
  });

  it("lower-cases a GUID and keeps another tolerated id as given, with a warning", () => {
    expect(read({ query: { chatId: GUID.toUpperCase() } }).request.chatId).toBe(GUID);
    const { request, log } = read({ query: { chatId: "Chat_42" } });
    expect(request.chatId).toBe("Chat_42");
    expect(log.warn).toHaveBeenCalledWith("chatId is not a GUID", { chatId: "Chat_42" });
  });

  it.each([
    ["null", 'chatId is "null", a word for no value: the dialog\'s chatId variable is not set'],
    ["undefined", 'chatId is "undefined", a word for no value: the dialog\'s chatId variable is not set'],
    ["chatId", 'chatId is "chatId", a word for no value: the dialog\'s chatId variable is not set'],
    ["{{chatId}}", "chatId is an unreplaced template placeholder: the dialog's chatId variable is not set"],
    ["a/b", "chatId may only contain letters, digits, '-' and '_'"],
  ])("refuses the chat id %j", (chatId, message) => {
    expect(problem(() => read({ query: { chatId } }))).toBe(message);
  });

  it("refuses a chat id that is not a string", () => {
    expect(problem(() => read(json({ chatId: 42 })))).toBe("chatId must be a string");
  });

  it("refuses a request naming none when the route requires one; leaves it unset when optional", () => {
    expect(problem(() => read(json({ reason: "x" })))).toBe("chatId is required");
    expect(read(json({ reason: "x" }), { chatId: "optional" }).request.chatId).toBeUndefined();
  });
});

describe("a request whose caller names no chat (the presence webhook: ignoreChatId)", () => {
  const ignoring = (init: EventInit) => {
    const { logger, log } = recordingLogger();
    const event = gatewayEvent("POST /availability", init);
    const request = readRequest(event, decodeBody(event, MAX_BODY_BYTES), { log: logger, chatId: "optional" }, true);
    return { request, log };
  };
  const form = (fields: Record<string, string>) => ({
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  it.each<[string, EventInit]>([
    ["a GUID in the body", json({ chatId: GUID })],
    ["a number", json({ chatId: 42 })],
    ["a placeholder", json({ chatId: "{{chatId}}" })],
    ["a word for no value", json({ chatId: "undefined" })],
    [
      "both spellings in the body",
      { headers: { "content-type": "application/json" }, body: `{"chatId":"${GUID}","ChatId":"x"}` },
    ],
    ["a form naming it twice", form({ chatId: GUID, ChatId: GUID })],
    ["the query", { query: { chatId: GUID, ChatId: "x y" } }],
  ])("reads none from %s, refuses nothing and warns of nothing", (_, init) => {
    const { request, log } = ignoring(init);
    expect(request.chatId).toBeUndefined();
    expect(request.query).not.toHaveProperty("chatId");
    expect(log.warn).not.toHaveBeenCalled();
  });
});

describe("the fields a route sees", () => {
  it("merges the query under the body's fields and never passes the key on", () => {
    const { request } = read({ ...json({ chatId: "a", skill: "body" }), query: { key: "secret", skill: "q", x: "1" } });
    expect(request.fields).toEqual({ chatId: "a", skill: "body", x: "1" });
    expect(request.query).toEqual({ skill: "q", x: "1" });
  });

  it("passes the raw body, the content type in lower case and the Accept header", () => {
    const { request } = read({
      headers: { "content-type": "Application/JSON", accept: "text/plain" },
      body: '{"chatId":"a"}',
    });
    expect(request).toMatchObject({
      bodyForm: "fields",
      rawBody: '{"chatId":"a"}',
      contentType: "application/json",
      accept: "text/plain",
    });
  });
});

describe("a Capture Input step (answerBody)", () => {
  const step = { answerBody: true } as const;

  it("takes a plain-text body as the answer with the chat id in the URL", () => {
    const { request } = read(text("Jörg", { chatId: GUID }), step);
    expect(request).toMatchObject({ chatId: GUID, bodyForm: "text", rawBody: "Jörg", fields: { chatId: GUID } });
  });

  it("says the chat id goes in the URL when a plain-text answer comes without one", () => {
    expect(problem(() => read(text("Jörg"), step))).toBe(
      "chatId is required: with a text/plain answer the chat id goes in the URL",
    );
    expect(problem(() => read(text("Jörg", { chatId: " " }), step))).toBe(
      "chatId is empty: with a text/plain answer the chat id goes in the URL",
    );
  });

  it("says the chat id goes in the URL when a non-JSON answer of another type names none", () => {
    expect(problem(() => read({ headers: { "content-type": "application/json" }, body: "Jörg" }, step))).toBe(
      "chatId is required: the body names none, so the chat id goes in the URL",
    );
  });

  it("reads a plain-text body that is a JSON object naming the chat id as fields", () => {
    const { request } = read(text('{"chatId":"a","value":"x"}'), step);
    expect(request).toMatchObject({ chatId: "a", bodyForm: "fields", fields: { chatId: "a", value: "x" } });
  });

  it("reads a broken JSON object as unreadable, with the chat id it names and the query's fields only", () => {
    const { request } = read(
      {
        headers: { "content-type": "application/json" },
        body: '{"chatId":"a","value":"x"y"}',
        query: { culture: "nl" },
      },
      step,
    );
    expect(request).toMatchObject({ chatId: "a", bodyForm: "unreadable", fields: { culture: "nl" } });
  });
});

describe("a Router callback (rawBody)", () => {
  const callback = { rawBody: true, chatId: "optional" } as const;

  it("never parses the body and refuses nothing in it", () => {
    const { request } = read({ headers: { "content-type": "application/json" }, body: "{not json" }, callback);
    expect(request).toMatchObject({ chatId: undefined, bodyForm: "fields", fields: {}, rawBody: "{not json" });
  });

  it("takes the first valid path or query chat id as a stand-in, skipping invalid ones", () => {
    expect(
      read({ path: { chatId: "null" }, query: { chatId: "a/b", ChatId: GUID.toUpperCase() } }, callback).request.chatId,
    ).toBe(GUID);
    expect(read({ query: { chatId: "null" } }, callback).request.chatId).toBeUndefined();
  });

  it("takes no chat id from the body", () => {
    expect(read(json({ chatId: GUID }), callback).request.chatId).toBeUndefined();
  });
});
