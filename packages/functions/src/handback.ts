import { requestHandback } from "@caic-handover/core/handover/handback";
import { RoutingClient } from "@caic-handover/core/router/routing";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("handback");
const { config } = runtime;
const deps = {
  ...runtime,
  routing: new RoutingClient({
    baseUrl: config.ROUTING_API_URL,
    technicalLinkId: config.CM_TECHNICAL_LINK_ID,
    productToken: config.CM_PRODUCT_TOKEN,
    log: runtime.log,
  }),
  adapters: {
    client: config.ROUTER_CLIENT_ADAPTER_ID,
    bot: config.ROUTER_BOT_ADAPTER_ID,
    agent: config.ROUTER_AGENT_ADAPTER_ID,
  },
};

export const handler = httpRoute({ log: runtime.log, keys: config, chatId: "required" }, async ({ chatId }) => ({
  json: await requestHandback(deps, chatId!),
}));
