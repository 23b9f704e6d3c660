import { UnauthorizedError } from "@caic-handover/core/shared/errors";
import { acceptedKeys, authenticate } from "@caic-handover/functions/http/keys";
import { CALLERS, type Caller, ROUTES, routeKey } from "@caic-handover/functions/routes";
import { describe, expect, it } from "vitest";
import { type EventInit, gatewayEvent } from "./events";

const KEYS = {
  HANDOVER_WEBHOOK_KEY: "dialog-key",
  ROUTER_WEBHOOK_KEY: "router-key",
  OPERATOR_KEY: "operator-key",
  PRESENCE_WEBHOOK_KEY: "presence-key",
} as const;
const keyOf = (caller: Caller) => KEYS[CALLERS[caller].key as keyof typeof KEYS];

/** The rule a refused request broke, or "accepted". */
function check(route: string, init: EventInit, keys: Parameters<typeof acceptedKeys>[0] = KEYS) {
  try {
    authenticate(gatewayEvent(route, init), acceptedKeys(keys).get(route));
    return "accepted";
  } catch (error) {
    if (error instanceof UnauthorizedError) return error.rule;
    throw error;
  }
}
const inHeader = (key: string) => ({ headers: { "x-handover-key": key } });
const inQuery = (key: string) => ({ query: { key } });

describe("each route takes its own caller's key", () => {
  const callers = Object.keys(CALLERS) as Caller[];
  it.each(ROUTES.map((route) => [routeKey(route), route.caller] as const))("%s: only %s's key", (route, caller) => {
    for (const presenter of callers) {
      expect(check(route, inHeader(keyOf(presenter)))).toBe(
        presenter === caller ? "accepted" : `not ${CALLERS[caller].who}`,
      );
    }
  });
});

describe("where the key goes", () => {
  it("refuses a request without a key", () => {
    expect(check("POST /handover", {})).toBe("no key");
  });

  it.each(ROUTES.map((route) => [routeKey(route), CALLERS[route.caller].query] as const))(
    "%s takes its key in the query: %s",
    (route, query) => {
      const caller = ROUTES.find((candidate) => routeKey(candidate) === route)!.caller;
      expect(check(route, inQuery(keyOf(caller)))).toBe(
        query ? "accepted" : "key in the query, which this route does not take",
      );
    },
  );

  it("takes the query key only on the Router's routes and the presence webhook", () => {
    expect(
      ROUTES.filter((route) => CALLERS[route.caller].query)
        .map(routeKey)
        .sort(),
    ).toEqual(["POST /availability", "POST /router/events", "POST /router/handover"]);
  });

  it("checks the header's key when both are given, even where the query is allowed", () => {
    expect(check("POST /router/events", { ...inHeader("wrong"), ...inQuery(KEYS.ROUTER_WEBHOOK_KEY) })).toBe(
      `not ${CALLERS.router.who}`,
    );
  });
});

describe("key rotation", () => {
  const rotating = { ...KEYS, HANDOVER_WEBHOOK_KEY: "new", HANDOVER_WEBHOOK_KEY_PREVIOUS: "old" };

  it("takes the caller's key and its previous value while that is set", () => {
    expect(check("POST /handover", inHeader("new"), rotating)).toBe("accepted");
    expect(check("POST /handover", inHeader("old"), rotating)).toBe("accepted");
    expect(check("POST /handover", inHeader("old"), { ...KEYS, HANDOVER_WEBHOOK_KEY: "new" })).toBe(
      `not ${CALLERS.dialog.who}`,
    );
  });

  it("never takes another caller's previous key", () => {
    const keys = { ...KEYS, OPERATOR_KEY_PREVIOUS: "old-operator" };
    expect(check("POST /handover", inHeader("old-operator"), keys)).toBe(`not ${CALLERS.dialog.who}`);
    expect(check("GET /chats/{chatId}", inHeader("old-operator"), keys)).toBe("accepted");
  });

  it("ignores a blank previous value", () => {
    expect(check("POST /handover", inHeader(""), { ...KEYS, HANDOVER_WEBHOOK_KEY_PREVIOUS: "" })).toBe(
      `not ${CALLERS.dialog.who}`,
    );
  });
});

describe("a route without a configured key", () => {
  it("refuses every request", () => {
    expect(check("POST /handover", inHeader("anything"), {})).toBe("no key for this route");
    expect(check("POST /handover", inHeader(""), { HANDOVER_WEBHOOK_KEY: "" })).toBe("no key for this route");
  });

  it("refuses a route the table does not have", () => {
    expect(check("POST /elsewhere", inHeader(KEYS.HANDOVER_WEBHOOK_KEY))).toBe("no key for this route");
  });
});
