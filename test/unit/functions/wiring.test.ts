import { CmHistoryClient } from "@caic-handover/core/router/cm-history";
import { RoutingClient } from "@caic-handover/core/router/routing";
import { cmHistoryWiring, routerWiring } from "@caic-handover/functions/wiring";
import { describe, expect, it } from "vitest";

const log = { info() {}, warn() {}, error() {} } as unknown as Parameters<typeof routerWiring>[1];
const CM = {
  ROUTING_API_URL: "https://cm.example/",
  CM_TECHNICAL_LINK_ID: "link-1",
  CM_PRODUCT_TOKEN: "token",
  ROUTER_CLIENT_ADAPTER_ID: "client-adapter",
  ROUTER_BOT_ADAPTER_ID: "bot-adapter",
  ROUTER_AGENT_ADAPTER_ID: "agent-adapter",
};

describe("routerWiring", () => {
  it("calls CM's routing API for the technical link, with the ruleset's three adapters", () => {
    const { routing, adapters } = routerWiring(CM, log);
    expect(routing).toBeInstanceOf(RoutingClient);
    expect(routing.mutationUrl("chat 1")).toBe(
      "https://cm.example/conversational/control/v1/accounts/link-1/chats/chat%201/routing/mutationrequests",
    );
    expect(adapters).toEqual({ client: "client-adapter", bot: "bot-adapter", agent: "agent-adapter" });
  });
});

describe("cmHistoryWiring", () => {
  it.each([
    ["off", "erase", false],
    ["off", "session-end", false],
    ["on-erase", "erase", true],
    ["on-erase", "session-end", false],
    ["on-session-end", "erase", true],
    ["on-session-end", "session-end", true],
  ] as const)("ERASE_CM_HISTORY=%s on %s: a history client %s", (setting, occasion, built) => {
    const { cmHistory } = cmHistoryWiring({ ...CM, ERASE_CM_HISTORY: setting }, log, occasion);
    expect(cmHistory !== undefined).toBe(built);
    if (cmHistory) {
      expect(cmHistory).toBeInstanceOf(CmHistoryClient);
      expect(cmHistory.sessionUrl("s-1")).toBe(
        "https://cm.example/conversational/conversation-history/v1/accounts/link-1/session-history/s-1",
      );
    }
  });
});
