import { keyInQueryAllowed, keyPlacement, ROUTES, type RouteSpec } from "@caic-handover/functions/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localKeyFor } from "../../support/harness";
import { person, type Reliability, startReliability } from "../../support/reliability-harness";

/** Every route × every way of presenting (or not) the webhook key. */
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename);
});
afterAll(() => r.finish());

const CHAT = "5a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b";
const { name, email } = person("auth");

const bodyFor = (path: string) =>
  ({
    "/caic/events": { chatId: CHAT },
    "/availability": { chatId: CHAT, url: "https://shop.example" },
    "/intake/email": { chatId: CHAT, value: email },
    "/intake/name": { chatId: CHAT, value: name },
    "/intake/message": { chatId: CHAT, value: `Question from ${name}` },
    "/handover": { chatId: CHAT },
    "/router/handover": { chatId: CHAT },
    "/router/events": { chat: { id: CHAT }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
  })[path];

type Presentation = { label: string; header?: string; query?: string; accepted: boolean };
/** Each way of presenting (or not) the route's own caller's key; the query counts only where the route takes it. */
const presentations = (route: RouteSpec, KEY = localKeyFor(route)): Presentation[] => [
  { label: "no key", accepted: false },
  { label: "empty key", header: "", accepted: false },
  { label: "wrong key, same length", header: `${KEY.slice(0, -1)}X`, accepted: false },
  { label: "shorter key (a prefix)", header: KEY.slice(0, 10), accepted: false },
  { label: "longer key (key + 1)", header: `${KEY}0`, accepted: false },
  { label: "key of very different length", query: KEY.repeat(20), accepted: false },
  { label: "key with surrounding space", header: ` ${KEY} `, accepted: false },
  { label: "key in another case", header: KEY.toUpperCase(), accepted: false },
  {
    label: "wrong key in the header, right one in the query (the header decides)",
    header: "wrong",
    query: KEY,
    accepted: false,
  },
  { label: "key in the header", header: KEY, accepted: true },
  { label: "key in the query", query: KEY, accepted: keyInQueryAllowed(route) },
];

describe.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))("%s", (_label, route) => {
  const KEY = localKeyFor(route);
  it.each(presentations(route).map((p) => [p.label, p] as const))("%s", async (_l, presentation) => {
    r.logs.personal(name, email);
    const path = route.path.replace("{chatId}", CHAT);
    const before = await r.h.scan();
    const routingCalls = r.h.cm.routing.calls.length;
    const query: Record<string, string> =
      route.method === "GET" && route.path === "/availability" ? { chatId: CHAT } : {};
    if (presentation.query !== undefined) query.key = presentation.query;
    const linesBefore = r.logs.lines.length;
    const answer = await r.call(route.method, path, {
      key: presentation.header ?? null,
      query,
      body: route.method === "POST" ? bodyFor(route.path) : undefined,
    });
    if (presentation.accepted) {
      expect(answer.status).not.toBe(401);
      expect(answer.status).toBeLessThan(500);
    } else {
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ error: "unauthorized", message: `send the key in ${keyPlacement(route)}` });
      // One log line per refusal: route, status and rule; never the key presented.
      const refusals = r.logs.lines
        .slice(linesBefore)
        .filter((line) => line.includes('"request refused"'))
        .map((line) => JSON.parse(line));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({
        level: "WARN",
        route: `${route.method} ${route.path}`,
        status: 401,
        rule:
          presentation.header === undefined && presentation.query === undefined
            ? "no key"
            : presentation.header === undefined && !keyInQueryAllowed(route)
              ? "key in the query, which this route does not take"
              : expect.stringMatching(/^not the .*key/),
      });
      for (const line of r.logs.lines.slice(linesBefore)) {
        for (const presented of [presentation.header, presentation.query]) {
          if (presented && presented.trim().length >= 10) expect(line).not.toContain(presented.trim());
        }
        expect(line).not.toContain(KEY.slice(0, 10));
      }
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      expect(await r.h.scan(), "a refused request changed the table").toEqual(before);
      expect(r.h.cm.routing.calls).toHaveLength(routingCalls);
    }
  });
});

describe("a malformed callout", () => {
  it("is refused with 400 and one log line naming route, status and rule, never the body", async () => {
    const linesBefore = r.logs.lines.length;
    // Unreadable JSON naming no chat: /handover hands over on a broken body only when it knows the chat.
    const body = `{"value":"${name} <${email}>"`;
    const answer = await r.call("POST", "/handover", { body, headers: { "content-type": "application/json" } });
    expect(answer.status).toBe(400);
    const lines = r.logs.lines.slice(linesBefore);
    const refusals = lines.filter((line) => line.includes('"request refused"')).map((line) => JSON.parse(line));
    expect(refusals).toEqual([
      expect.objectContaining({
        route: "POST /handover",
        status: 400,
        rule: "chatId is required: the body names none, so the chat id goes in the URL",
      }),
    ]);
    for (const line of lines) expect(line).not.toContain(email);
  });
});
