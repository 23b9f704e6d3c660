import {
  BadRequestError,
  NotFoundError,
  StoreUnavailableError,
  UnauthorizedError,
} from "@caic-handover/core/shared/errors";
import { PREFLIGHT_ROUTE_KEY } from "@caic-handover/functions/http/cors";
import { MAX_BODY_BYTES, type RouteRequest } from "@caic-handover/functions/http/request";
import { httpRoute, type Reply, type RouteOptions, wantsText } from "@caic-handover/functions/http/route";
import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { type EventInit, GUID, gatewayEvent, recordingLogger } from "./events";

const KEYS = {
  HANDOVER_WEBHOOK_KEY: "dialog-key",
  ROUTER_WEBHOOK_KEY: "router-key",
  OPERATOR_KEY: "operator-key",
  PRESENCE_WEBHOOK_KEY: "presence-key",
};
const ORIGIN = "https://www.shop.example";

/** One route built as a handler file builds it; `run` stands in for the core call. */
function route(
  options: Partial<RouteOptions> = {},
  run: (request: RouteRequest) => Promise<Reply> = async () => ({ json: { ok: true } }),
) {
  const { log, logger } = recordingLogger();
  const core = vi.fn(run);
  const handler = httpRoute({ log: logger, keys: KEYS, chatId: "required", ...options }, core);
  const call = async (routeKey: string, init: EventInit = {}, context?: Context) => {
    const result = await handler(gatewayEvent(routeKey, init), context);
    const json = result.headers?.["content-type"]?.toString().startsWith("application/json");
    return { ...result, json: json ? JSON.parse(result.body!) : undefined };
  };
  return { call, core, log };
}
const dialog = (init: EventInit = {}) => ({
  ...init,
  headers: { "x-handover-key": KEYS.HANDOVER_WEBHOOK_KEY, ...init.headers },
});

describe("a request the route takes", () => {
  it("reaches the core once and answers its JSON, never cached", async () => {
    const { call, core } = route();
    const answer = await call("POST /handover", dialog({ query: { chatId: GUID } }));
    expect(core).toHaveBeenCalledTimes(1);
    expect(core.mock.calls[0]![0]).toMatchObject({ caller: "dialog", chatId: GUID });
    expect(answer).toMatchObject({
      statusCode: 200,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      json: { ok: true },
    });
  });

  it("answers a text reply as plain text, with the status the core sets", async () => {
    const { call } = route({}, async () => ({ status: 202, text: "online" }));
    const answer = await call("POST /handover", dialog({ query: { chatId: GUID } }));
    expect(answer).toMatchObject({
      statusCode: 202,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      body: "online",
    });
  });

  it("says whose key it carried on the route two callers share", async () => {
    const { call, core } = route({ chatId: "optional" });
    await call("GET /availability", dialog());
    await call("POST /availability", { query: { key: KEYS.PRESENCE_WEBHOOK_KEY } });
    expect(core.mock.calls.map(([request]) => request.caller)).toEqual(["dialog", "presence"]);
  });

  it("logs each line with the route and the chat, after forgetting the last request's", async () => {
    const { call, log } = route();
    const context = { awsRequestId: "r1" } as Context;
    await call("POST /handover", dialog({ query: { chatId: GUID } }), context);
    expect(log.resetKeys).toHaveBeenCalledTimes(1);
    expect(log.addContext).toHaveBeenCalledWith(context);
    expect(log.appendKeys.mock.calls).toEqual([[{ route: "POST /handover" }], [{ chatId: GUID }]]);
  });

  it("leaves the chat out of a Router callback's lines (the core logs the chat it acts on)", async () => {
    const { call, log } = route({ chatId: "optional", rawBody: true });
    await call("POST /router/events", { query: { key: KEYS.ROUTER_WEBHOOK_KEY, chatId: GUID } });
    expect(log.appendKeys.mock.calls).toEqual([[{ route: "POST /router/events" }]]);
  });
});

describe("a refused key", () => {
  it.each<[string, EventInit, string]>([
    ["no key", {}, "no key"],
    ["a wrong key", { headers: { "x-handover-key": "wrong" } }, "not the dialog's key (CAIC API Callouts)"],
    [
      "another caller's key",
      { headers: { "x-handover-key": KEYS.OPERATOR_KEY } },
      "not the dialog's key (CAIC API Callouts)",
    ],
    [
      "the key in the query",
      { query: { key: KEYS.HANDOVER_WEBHOOK_KEY } },
      "key in the query, which this route does not take",
    ],
  ])("%s: 401 naming where the key goes, the rule in the log, the core never called", async (_, init, rule) => {
    const { call, core, log } = route();
    const answer = await call("POST /handover", { ...init, query: { chatId: GUID, ...init.query } });
    expect(answer).toMatchObject({
      statusCode: 401,
      json: { error: "unauthorized", message: "send the key in the X-Handover-Key header" },
    });
    expect(answer.body).not.toContain(KEYS.HANDOVER_WEBHOOK_KEY);
    expect(core).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith("request refused", { status: 401, rule });
  });

  it("tells a query-key caller to use the query", async () => {
    const { call } = route({ chatId: "optional" });
    expect((await call("POST /availability", {})).json).toEqual({
      error: "unauthorized",
      message: "send the key in the query parameter ?key=",
    });
  });

  it("takes the previous key during a rotation", async () => {
    const { call } = route({ keys: { ...KEYS, HANDOVER_WEBHOOK_KEY: "new", HANDOVER_WEBHOOK_KEY_PREVIOUS: "old" } });
    expect(
      (await call("POST /handover", { headers: { "x-handover-key": "old" }, query: { chatId: GUID } })).statusCode,
    ).toBe(200);
  });
});

describe("the body size limit", () => {
  const tooLarge = "x".repeat(MAX_BODY_BYTES + 1);

  it("refuses a body over 16 KiB with 413, before the key is checked", async () => {
    const { call, core, log } = route();
    const answer = await call("POST /handover", { body: tooLarge });
    expect(answer).toMatchObject({
      statusCode: 413,
      json: { error: "payload_too_large", message: `body is larger than ${MAX_BODY_BYTES} bytes` },
    });
    expect(core).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith("request refused", {
      status: 413,
      rule: `body is larger than ${MAX_BODY_BYTES} bytes`,
    });
  });

  it("takes a Router callback's body of any size once its key matches, and checks the key first", async () => {
    const { call, core } = route({ chatId: "optional", rawBody: true });
    expect((await call("POST /router/events", { body: tooLarge })).statusCode).toBe(401);
    const answer = await call("POST /router/events", { body: tooLarge, query: { key: KEYS.ROUTER_WEBHOOK_KEY } });
    expect(answer.statusCode).toBe(200);
    expect(core.mock.calls[0]![0].rawBody).toBe(tooLarge);
  });
});

describe("errors become statuses in one place", () => {
  const failing = (error: unknown) => route({}, async () => Promise.reject(error));
  const handover = dialog({ query: { chatId: GUID } });

  it("a request's own problem: 400 with the rule, logged", async () => {
    const { call, log } = failing(new BadRequestError("reason is too long"));
    expect(await call("POST /handover", handover)).toMatchObject({
      statusCode: 400,
      json: { error: "bad_request", message: "reason is too long" },
    });
    expect(log.warn).toHaveBeenCalledWith("request refused", { status: 400, rule: "reason is too long" });
  });

  it("a request's reading problem: 400 before the core is called", async () => {
    const { call, core } = route();
    const answer = await call("POST /handover", dialog({ headers: { "content-type": "application/json" }, body: "{" }));
    expect(answer).toMatchObject({ statusCode: 400, json: { error: "bad_request" } });
    expect(core).not.toHaveBeenCalled();
  });

  it("an unknown chat: 404", async () => {
    const { call } = failing(new NotFoundError("chat"));
    expect(await call("POST /handover", handover)).toMatchObject({
      statusCode: 404,
      json: { error: "not_found", message: "chat not found" },
    });
  });

  it("a key the core refuses: 401", async () => {
    const { call } = failing(new UnauthorizedError());
    expect((await call("POST /handover", handover)).statusCode).toBe(401);
  });

  it("the store unavailable: 503 asking to retry, the cause only in the log", async () => {
    const { call, log } = failing(new StoreUnavailableError("ProvisionedThroughputExceededException"));
    const answer = await call("POST /handover", handover);
    expect(answer).toMatchObject({ statusCode: 503, json: { error: "unavailable", message: "please try again" } });
    expect(answer.body).not.toContain("Provisioned");
    expect(log.error).toHaveBeenCalledWith("chat store unavailable", {
      error: "ProvisionedThroughputExceededException",
    });
  });

  it("anything else: 500 saying nothing, the log naming only the error's kind", async () => {
    const { call, log } = failing(new TypeError("visitor jane@example.com"));
    const answer = await call("POST /handover", handover);
    expect(answer).toMatchObject({ statusCode: 500, json: { error: "internal" } });
    expect(log.error).toHaveBeenCalledWith("unexpected error", { error: "TypeError" });
    expect(JSON.stringify(log.error.mock.calls)).not.toContain("jane");
  });
});

describe("CORS on the presence webhook", () => {
  const webhook = (origin: string, init: EventInit = { query: { key: KEYS.PRESENCE_WEBHOOK_KEY } }) => ({
    ...init,
    headers: { origin, ...init.headers },
  });
  const presence = () => route({ chatId: "optional", corsOrigins: [ORIGIN] });

  it("lets an allowed origin read the answer, refused ones included", async () => {
    const { call } = presence();
    for (const answer of [
      await call("POST /availability", webhook(ORIGIN)),
      await call("POST /availability", webhook(ORIGIN, {})),
    ]) {
      expect(answer.headers).toMatchObject({ "access-control-allow-origin": ORIGIN, vary: "Origin" });
    }
  });

  it("adds no CORS headers for another origin, another route, or without configured origins", async () => {
    const { call } = presence();
    const other = await call("POST /availability", webhook("https://evil.example"));
    const dialogRoute = await call("GET /availability", dialog({ headers: { origin: ORIGIN } }));
    const unset = await route({ chatId: "optional" }).call("POST /availability", webhook(ORIGIN));
    for (const answer of [other, dialogRoute, unset]) {
      expect(answer.statusCode).toBe(200);
      expect(answer.headers).not.toHaveProperty("access-control-allow-origin");
    }
  });

  it("answers an allowed origin's preflight with 204 and what it may send, without a key", async () => {
    const { call, core } = presence();
    expect(await call(PREFLIGHT_ROUTE_KEY, { headers: { origin: ORIGIN } })).toMatchObject({
      statusCode: 204,
      headers: {
        "access-control-allow-origin": ORIGIN,
        vary: "Origin",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type, x-handover-key",
        "access-control-max-age": "600",
      },
      body: "",
    });
    expect(core).not.toHaveBeenCalled();
  });

  it("refuses another origin's preflight, or any without configured origins, with 403", async () => {
    const { call } = presence();
    for (const answer of [
      await call(PREFLIGHT_ROUTE_KEY, { headers: { origin: "https://evil.example" } }),
      await call(PREFLIGHT_ROUTE_KEY, {}),
      await route({ chatId: "optional" }).call(PREFLIGHT_ROUTE_KEY, { headers: { origin: ORIGIN } }),
    ]) {
      expect(answer).toMatchObject({ statusCode: 403, headers: { "cache-control": "no-store" }, body: "" });
    }
  });
});

describe("wantsText", () => {
  it("is true for Accept: text/plain without JSON", () => {
    expect(wantsText("text/plain")).toBe(true);
    expect(wantsText("text/plain, application/json")).toBe(false);
    expect(wantsText("")).toBe(false);
    expect(wantsText("*/*")).toBe(false);
  });
});
