import { randomUUID } from "node:crypto";
import { KEY_NAMES, type KeyName, previousKeyName } from "@caic-handover/core/config/config";
import { PREFLIGHT_ROUTE_KEY } from "@caic-handover/functions/http/cors";
import {
  CALLERS,
  keyInQueryAllowed,
  ROUTES,
  type RouteSpec,
  routeKey,
  routeKeyName,
} from "@caic-handover/functions/routes";
import { toApiEvent } from "@caic-handover/local/api-event";
import { coldStart, dispatch, type Handlers, loadHandlers } from "@caic-handover/local/dispatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, LOCAL_KEYS, startHarness } from "../support/harness";
import { captureLogs } from "../support/log-capture";

/**
 * Keys scoped to callers (routes.ts CALLERS): each route answers its own caller's key, or that key's
 * previous value during a rotation, and refuses every other caller's; `?key=` only on the routes whose
 * callers cannot send headers. Run through the local gateway with every handler as Lambda imports it.
 */
const PREVIOUS: Record<KeyName, string> = Object.fromEntries(
  KEY_NAMES.map((name) => [name, `previous-${name.toLowerCase()}-${"p".repeat(20)}`]),
) as Record<KeyName, string>;
const ORIGIN = "https://www.shop.example";

let h: Harness;
let handlers: Handlers;
beforeAll(async () => {
  h = await startHarness({
    ...Object.fromEntries(KEY_NAMES.map((name) => [previousKeyName(name), PREVIOUS[name]])),
    PRESENCE_WEBHOOK_CORS_ORIGINS: `${ORIGIN}, https://other.shop.example`,
  });
  handlers = await loadHandlers();
});
afterAll(() => h.close());

/** A request each route refuses with 400 (or reads harmlessly) once the key is accepted: nothing changes. */
const request = (route: RouteSpec) => {
  const path = route.path.replace("{chatId}", randomUUID());
  if (route.method === "GET" || route.method === "DELETE") return { path, body: undefined };
  if (route.path.startsWith("/router/")) return { path, body: { chatId: randomUUID() } };
  return { path, body: "[not an object]" };
};

/** Accepted means: anything but the 401 the key check gives. */
async function status(route: RouteSpec, key: string | null, where: "header" | "query") {
  const { path, body } = request(route);
  const answer = await h.call(route.method, path, {
    body,
    key: where === "header" ? key : null,
    query: where === "query" && key !== null ? { key } : undefined,
  });
  expect(answer.status, `${routeKey(route)} answered ${answer.status}: ${answer.text}`).toBeLessThan(500);
  return answer.status;
}

describe("each caller's key on each route", () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))(
    "%s: only its caller's key (current or previous) is accepted, every other caller's is 401",
    async (_name, route) => {
      const own = routeKeyName(route);
      for (const name of KEY_NAMES) {
        for (const value of [LOCAL_KEYS[name], PREVIOUS[name]]) {
          const answered = await status(route, value, "header");
          if (name === own) expect(answered, `${name} on ${routeKey(route)}`).not.toBe(401);
          else expect(answered, `${name} on ${routeKey(route)}`).toBe(401);
        }
      }
      expect(await status(route, null, "header")).toBe(401);
    },
  );

  it("refuses a previous value once it is removed: the rotation is over", async () => {
    const route = ROUTES.find((candidate) => candidate.caller === "operator" && candidate.method === "GET")!;
    expect(await status(route, PREVIOUS.OPERATOR_KEY, "header")).not.toBe(401);
    const previous = process.env.OPERATOR_KEY_PREVIOUS;
    delete process.env.OPERATOR_KEY_PREVIOUS;
    try {
      await coldStart(handlers, route.function);
      const answer = await dispatch(handlers, {
        method: "GET",
        url: `/chats/${randomUUID()}`,
        headers: { "x-handover-key": PREVIOUS.OPERATOR_KEY },
      });
      expect(answer.statusCode).toBe(401);
      const current = await dispatch(handlers, {
        method: "GET",
        url: `/chats/${randomUUID()}`,
        headers: { "x-handover-key": LOCAL_KEYS.OPERATOR_KEY },
      });
      expect(current.statusCode).toBe(404);
    } finally {
      process.env.OPERATOR_KEY_PREVIOUS = previous;
    }
  });
});

describe("?key= in the query", () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))(
    "%s: taken only on the Router's and the presence webhook's routes",
    async (_name, route) => {
      const answered = await status(route, LOCAL_KEYS[routeKeyName(route)], "query");
      if (keyInQueryAllowed(route)) expect(answered).not.toBe(401);
      else expect(answered).toBe(401);
    },
  );

  it("is allowed exactly for the Router and the presence webhook", () => {
    expect(
      Object.entries(CALLERS)
        .filter(([, caller]) => caller.query)
        .map(([name]) => name),
    ).toEqual(["router", "presence"]);
  });
});

describe("a key that is not set", () => {
  it("fails closed: the function does not start, and its log names the missing secret", async () => {
    const capture = captureLogs();
    const saved = process.env.ROUTER_WEBHOOK_KEY;
    const level = process.env.POWERTOOLS_LOG_LEVEL;
    delete process.env.ROUTER_WEBHOOK_KEY;
    process.env.POWERTOOLS_LOG_LEVEL = "INFO";
    try {
      await expect(coldStart(handlers, "router-events")).rejects.toThrow(/router-events did not start/);
    } finally {
      process.env.ROUTER_WEBHOOK_KEY = saved;
      process.env.POWERTOOLS_LOG_LEVEL = level;
      capture.stop();
    }
    const critical = capture.lines.filter((line) => line.includes("cannot start"));
    expect(critical).toHaveLength(1);
    expect(critical[0]).toContain("ROUTER_WEBHOOK_KEY is missing");
    expect(critical[0]).not.toContain(LOCAL_KEYS.HANDOVER_WEBHOOK_KEY);
    // The gateway gives a function that cannot start Lambda's bare 500; the other callers' routes still answer.
    await coldStart(handlers, "router-events");
  });
});

describe("CORS on the presence webhook (PRESENCE_WEBHOOK_CORS_ORIGINS)", () => {
  it("answers a preflight from a listed origin, for POST with the key header", async () => {
    const answer = await dispatch(handlers, {
      method: "OPTIONS",
      url: "/availability",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(answer.statusCode).toBe(204);
    expect(answer.headers).toMatchObject({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, x-handover-key",
    });
  });

  it("gives an unlisted origin no CORS headers", async () => {
    const answer = await dispatch(handlers, {
      method: "OPTIONS",
      url: "/availability",
      headers: { origin: "https://evil.example" },
    });
    expect(answer.statusCode).toBe(403);
    expect(answer.headers).not.toHaveProperty("access-control-allow-origin");
  });

  it("lets a listed origin read the webhook's answer, and no other route's", async () => {
    const webhook = await h.call("POST", "/availability", {
      key: null,
      query: { key: LOCAL_KEYS.PRESENCE_WEBHOOK_KEY },
      headers: { origin: ORIGIN },
      body: { url: "https://www.shop.example/" },
    });
    expect(webhook.status).toBe(200);
    expect(webhook.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const dialog = await h.call("GET", "/availability", { headers: { origin: ORIGIN } });
    expect(dialog.headers).not.toHaveProperty("access-control-allow-origin");
    const other = await dispatch(handlers, { method: "OPTIONS", url: "/caic/events", headers: { origin: ORIGIN } });
    expect(other.statusCode).toBe(404);
  });

  it("answers presence only: a chatId and referrer in the webhook's request write nothing on a chat", async () => {
    const chatId = randomUUID();
    const webhook = await h.call("POST", "/availability", {
      key: null,
      query: { key: LOCAL_KEYS.PRESENCE_WEBHOOK_KEY },
      body: { chatId, referrer: "https://evil.example/", url: "https://www.shop.example/" },
    });
    expect(webhook.status).toBe(200);
    expect(await h.item(chatId)).toBeUndefined();
    const dialog = await h.call("GET", "/availability", {
      query: { chatId, referrer: "https://www.shop.example/help" },
    });
    expect(dialog.status).toBe(200);
    const recorded = JSON.stringify(await h.item(chatId));
    expect(recorded).toContain("https://www.shop.example/help");
    await h.call("POST", "/availability", {
      key: null,
      query: { key: LOCAL_KEYS.PRESENCE_WEBHOOK_KEY },
      body: { chatId, referrer: "https://evil.example/" },
    });
    expect(JSON.stringify(await h.item(chatId))).toBe(recorded);
  });

  it("has no preflight at all when no origins are configured", async () => {
    const saved = process.env.PRESENCE_WEBHOOK_CORS_ORIGINS;
    delete process.env.PRESENCE_WEBHOOK_CORS_ORIGINS;
    try {
      await coldStart(handlers, "availability");
      const answer = await dispatch(handlers, { method: "OPTIONS", url: "/availability", headers: { origin: ORIGIN } });
      expect(answer.statusCode).toBe(404);
      // Even if a preflight reached the function, it would grant nothing.
      const direct = await handlers.get("availability")!(
        toApiEvent(
          { method: "OPTIONS", url: "/availability", headers: { origin: ORIGIN } },
          { routeKey: PREFLIGHT_ROUTE_KEY, pathParameters: {} },
        ),
      );
      expect(direct.statusCode).toBe(403);
      expect(direct.headers ?? {}).not.toHaveProperty("access-control-allow-origin");
      const webhook = await dispatch(handlers, {
        method: "POST",
        url: `/availability?key=${LOCAL_KEYS.PRESENCE_WEBHOOK_KEY}`,
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://www.shop.example/" }),
      });
      expect(webhook.statusCode).toBe(200);
      expect(webhook.headers ?? {}).not.toHaveProperty("access-control-allow-origin");
    } finally {
      process.env.PRESENCE_WEBHOOK_CORS_ORIGINS = saved;
      await coldStart(handlers, "availability");
    }
  });
});

describe("the presence webhook cannot spend CM's presence allowance (PRESENCE_WEBHOOK_REFERRERS)", () => {
  it("asks CM only about the configured channel and the listed referrers or the default, whatever 120 callers name", async () => {
    const listed = ["https://www.shop.example/", "https://help.shop.example/nl/"];
    const saved = process.env.PRESENCE_WEBHOOK_REFERRERS;
    process.env.PRESENCE_WEBHOOK_REFERRERS = listed.join(", ");
    try {
      await coldStart(handlers, "availability");
      h.cm.reset();
      // A flood as a holder of the browser-visible key would send it: each page, referrer and channel new.
      const bodies = Array.from({ length: 120 }, (_, i) => {
        const page = i % 3 === 0 ? `${listed[i % 2]}page-${i}` : `https://flood-${i}.example/${"x".repeat(i)}`;
        return i % 2 === 0 ? { url: page, channel: `Flood-${i}` } : { referrer: page, channel: `Flood-${i}` };
      });
      const answers = await Promise.all(
        bodies.map((body) =>
          dispatch(handlers, {
            method: "POST",
            url: `/availability?key=${LOCAL_KEYS.PRESENCE_WEBHOOK_KEY}`,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(120).fill(200));
      const asked = new Set(h.cm.presence.calls.map((call) => `${call.channel} ${call.referrer ?? "(default)"}`));
      const allowed = new Set([
        ...listed.map((referrer) => `WebChat ${referrer}`),
        `WebChat ${process.env.PRESENCE_REFERRER ?? "(default)"}`,
      ]);
      expect([...asked].filter((key) => !allowed.has(key))).toEqual([]);
      // The shared cache answers the rest: one call per key at most.
      expect(h.cm.presence.calls.length).toBeLessThanOrEqual(allowed.size);
    } finally {
      if (saved === undefined) delete process.env.PRESENCE_WEBHOOK_REFERRERS;
      else process.env.PRESENCE_WEBHOOK_REFERRERS = saved;
      await coldStart(handlers, "availability");
    }
  });
});
