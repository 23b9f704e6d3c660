import { ROUTES, type RouteSpec } from "@caic-handover/functions/routes";
import type { HttpInput } from "@caic-handover/local/api-event";
import fc from "fast-check";
import { expect } from "vitest";
import { localKeyFor, newChatId } from "./harness";
import { type Answer, person, type Reliability } from "./reliability-harness";

/** Chat ids hostile requests aim at: a few real ones, so a wrongly accepted request would show in the table. */
export const TARGET_CHATS = [
  "0b7f3c0e-1111-4a4a-8b8b-000000000001",
  "0b7f3c0e-1111-4a4a-8b8b-000000000002",
  "tolerated_chat-1",
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 1_000, maxLength: 3_000 }),
  fc.constantFrom(
    "",
    " ",
    "null",
    "\u0000",
    "\uFFFD",
    "x".repeat(2_049),
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile input, meant literally
    "${jndi:ldap://x}",
  ),
);

export const chatIdish = fc.oneof(
  fc.constantFrom(...TARGET_CHATS),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 129, maxLength: 200 }),
  fc.constantFrom("a b", "../etc/passwd", "é", "a@b.co", "", " ", "%00", "x".repeat(129), "a,b"),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

const fieldValue = fc.oneof(text, fc.jsonValue({ maxDepth: 3 }));

const bodyObject = fc.record(
  {
    chatId: chatIdish,
    ChatId: chatIdish,
    value: fieldValue,
    email: fieldValue,
    name: fieldValue,
    referrer: fieldValue,
    url: fieldValue,
    channel: fieldValue,
    keywords: fieldValue,
    data: fc.oneof(fieldValue, fc.record({ context: fieldValue })),
    chat: fc.oneof(fieldValue, fc.record({ id: chatIdish })),
    conversationEvents: fc.oneof(
      fieldValue,
      fc.array(fc.record({ $type: fc.oneof(text, fc.constant("RouterSessionEnded")) }), { maxLength: 3 }),
    ),
    extra: fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=ISO-8859-1",
  "text/plain",
  "application/octet-stream",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
];

/** A body in every shape a hostile or broken caller sends: [body, content type]. */
export const hostileBody: fc.Arbitrary<[string | Buffer | undefined, string | undefined]> = fc.tuple(
  fc.oneof(
    bodyObject.map((o) => JSON.stringify(o)),
    bodyObject.map((o) =>
      new URLSearchParams(
        Object.entries(o).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ).toString(),
    ),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .tuple(fc.integer({ min: 50, max: 4_000 }), fc.boolean())
      .map(([depth, array]) =>
        array ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      ),
    fc
      .tuple(chatIdish, chatIdish, text)
      .map(
        ([a, b, v]) =>
          `{"chatId":${JSON.stringify(a)},"value":${JSON.stringify(v)},"chatId":${JSON.stringify(b)},"value":1}`,
      ),
    fc.integer({ min: 16_385, max: 40_000 }).map((n) => `{"value":"${"a".repeat(n)}"}`),
    fc
      .integer({ min: 10_000, max: 16_000 })
      .map((n) => JSON.stringify({ chatId: TARGET_CHATS[0], value: "b".repeat(n) })),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(fc.constantFrom(...TARGET_CHATS), fc.uint8Array({ minLength: 1, maxLength: 20 }))
      .map(([chatId, bytes]) =>
        Buffer.concat([
          Buffer.from(`{"chatId":"${chatId}","value":"`),
          Buffer.from([0xff, 0xfe, ...bytes]),
          Buffer.from('"}'),
        ]),
      ),
    fc.constantFrom(
      undefined,
      "",
      "null",
      "   ",
      "{}",
      "[]",
      "true",
      '"a string"',
      "{nope",
      '{"__proto__":{"chatId":"x"},"constructor":{"prototype":{"polluted":1}}}',
      "chatId=a&chatId=b&value=",
      "__proto__[chatId]=x&constructor=1",
      '{"chatId":"0b7f3c0e-1111-4a4a-8b8b-000000000001","value":"Jane","chatId":"not valid!"}',
    ),
    fc.string({ unit: "binary", maxLength: 300 }),
  ),
  fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
);

const queryKeys = fc.constantFrom(
  "chatId",
  "ChatId",
  "referrer",
  "channel",
  "url",
  "keywords",
  "value",
  "email",
  "name",
  "data",
  "foo",
  "__proto__",
);
export const hostileQuery = fc.dictionary(
  queryKeys,
  text.map((s) => s.slice(0, 3_000)),
  { maxKeys: 3 },
);

export type KeyPlacement = "header" | "query" | "none" | "wrong" | "short" | "long";
export const keyPlacement = fc.constantFrom<KeyPlacement>(
  "header",
  "header",
  "header",
  "header",
  "query",
  "none",
  "wrong",
  "short",
  "long",
);

export const route = fc.constantFrom(...ROUTES);

/** A path for the route; a `{chatId}` segment gets a hostile value. */
export const pathFor = (spec: RouteSpec) =>
  spec.path.includes("{chatId}")
    ? fc
        .oneof(fc.constantFrom(...TARGET_CHATS), fc.string({ maxLength: 140 }))
        .map((id) => spec.path.replace("{chatId}", encodeURIComponent(id)))
    : fc.constant(spec.path);

export const hostileRequest = route.chain((spec) =>
  fc.record({
    spec: fc.constant(spec),
    path: pathFor(spec),
    body: hostileBody,
    query: hostileQuery,
    key: keyPlacement,
    accept: fc.option(fc.constantFrom("text/plain", "application/json", "*/*", "text/plain, application/json", ""), {
      nil: undefined,
    }),
    extraHeaders: fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,12}$/), fc.string({ maxLength: 50 }), { maxKeys: 3 }),
  }),
);
export type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer T> ? T : never;

export function toInput(request: HostileRequest): HttpInput {
  const headers: Record<string, string> = { ...request.extraHeaders };
  const query: Record<string, string> = { ...request.query };
  delete query.key;
  const [body, contentType] = request.body;
  // The route's own caller's key (route table).
  const KEY = localKeyFor(request.spec);
  if (contentType !== undefined) headers["content-type"] = contentType;
  if (request.accept !== undefined) headers.accept = request.accept;
  switch (request.key) {
    case "header":
      headers["x-handover-key"] = KEY;
      break;
    case "query":
      query.key = KEY;
      break;
    case "wrong":
      headers["x-handover-key"] = `${KEY.slice(0, -1)}!`;
      break;
    case "short":
      headers["x-handover-key"] = KEY.slice(0, 5);
      break;
    case "long":
      query.key = `${KEY}${KEY}`;
      break;
    case "none":
      break;
  }
  const qs = new URLSearchParams(query).toString();
  return { method: request.spec.method, url: qs ? `${request.path}?${qs}` : request.path, headers, body };
}

/** A 400's message starts with what was wrong: a field, the body or the chat id. */
const NAMES_THE_PROBLEM = /^(chatId|body|value|email|name|referrer|url|channel|keywords|data(\.\w+)?)\b/;

/** The invariants of a rejected or accepted hostile request. */
export function checkAnswer(answer: Answer, label: string) {
  expect(answer.status, label).toBeLessThan(500);
  expect([200, 400, 401, 404, 413], label).toContain(answer.status);
  if (answer.status === 401)
    expect(answer.json, label).toMatchObject({
      error: "unauthorized",
      message: expect.stringMatching(/^send the key in /),
    });
  else if (answer.status >= 400) {
    // A 404 may be API Gateway's own `{"message":"Not Found"}` for a path no route matches.
    if (answer.status !== 404) expect(typeof answer.json?.error, label).toBe("string");
    expect(answer.json?.message, label).toMatch(/\S/);
    if (answer.status === 400) expect(answer.json.message, label).toMatch(NAMES_THE_PROBLEM);
  }
}

/** Sends each request; every rejected one must leave the table and CM untouched. */
export async function sendHostile(
  r: Reliability,
  requests: { input: HttpInput; label: string; run?: () => Promise<Answer> }[],
) {
  let before = await r.h.scan();
  for (const { input, label, run } of requests) {
    const routingCalls = r.h.cm.routing.calls.length;
    const answer = run ? await run() : await r.send(input);
    checkAnswer(answer, label);
    const after = await r.h.scan();
    if (answer.status >= 400) {
      expect(after, `${label}: a rejected request changed the table`).toEqual(before);
      expect(r.h.cm.routing.calls.length, label).toBe(routingCalls);
    }
    before = after;
  }
}

let valid = 0;
/** A well-formed request to the route for a fresh chat, and proof that it worked. */
export async function validRequestWorks(r: Reliability, spec: RouteSpec) {
  const chatId = newChatId();
  const { name, email } = person(`fuzz-${process.pid}-${valid++}`);
  r.logs.personal(name, email);
  const ok = (answer: Answer) => {
    expect(answer.status, `${spec.method} ${spec.path} after hostile requests`).toBe(200);
    return answer.json;
  };
  switch (spec.function) {
    case "caic-event":
      return expect(ok(await r.call("POST", "/caic/events", { body: { chatId } }))).toMatchObject({
        chatId,
        status: "started",
        missing: ["email", "name"],
      });
    case "availability":
      return expect(
        ok(
          await r.call(
            spec.method,
            "/availability",
            spec.method === "GET" ? { query: { chatId } } : { body: { chatId, url: "https://shop.example" } },
          ),
        ).agentStatus,
      ).toBe("online");
    case "intake-email":
      return expect(ok(await r.call("POST", "/intake/email", { body: { chatId, value: email } })).valid).toBe(true);
    case "intake-name":
      return expect(ok(await r.call("POST", "/intake/name", { body: { chatId, value: name } })).valid).toBe(true);
    case "intake-message":
      return expect(
        ok(await r.call("POST", "/intake/message", { body: { chatId, value: `Question from ${name}` } })).valid,
      ).toBe(true);
    case "handover":
      await r.call("POST", "/intake/email", { body: { chatId, email } });
      await r.call("POST", "/intake/name", { body: { chatId, name } });
      return expect(ok(await r.call("POST", "/handover", { body: { chatId } }))).toEqual({ handover: "requested" });
    case "handover-notification":
    case "router-events":
      return expect(ok(await r.call("POST", spec.path, { body: { chatId } }))).toEqual({ ok: true });
    case "chat-status":
      await r.call("POST", "/caic/events", { body: { chatId } });
      return expect(ok(await r.call("GET", `/chats/${chatId}`)).status).toBe("started");
    case "chat-erase":
      await r.call("POST", "/intake/email", { body: { chatId, value: email } });
      expect(ok(await r.call("DELETE", `/chats/${chatId}`))).toMatchObject({ erased: true });
      return expect((await r.h.item(chatId))?.email).toBeUndefined();
    case "handback":
      await r.call("POST", "/caic/events", { body: { chatId, email, name } });
      expect(ok(await r.call("POST", "/handover", { body: { chatId } }))).toEqual({ handover: "requested" });
      return expect(ok(await r.call("POST", `/chats/${chatId}/handback`))).toEqual({ handback: "requested" });
  }
}
