import { CultureRequestSchema } from "@caic-handover/core/culture";
import { HandoverRequestSchema, requestHandover } from "@caic-handover/core/handover";
import { HandoverDetailsSchema, handoverDetails } from "@caic-handover/core/handover-details";
import { parseInput } from "@caic-handover/core/input";
import { RoutingClient } from "@caic-handover/core/routing";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("handover");
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
  required: config.INTAKE_REQUIRED_FIELDS,
  defaultReferrer: config.PRESENCE_REFERRER,
  offlineHandover: config.OFFLINE_HANDOVER,
};

export const handler = httpRoute({ log: runtime.log, keys: config, chatId: "required" }, async ({ chatId, fields }) => {
  const details = handoverDetails(parseInput(HandoverDetailsSchema, fields), parseInput(CultureRequestSchema, fields));
  return { json: await requestHandover(deps, chatId!, parseInput(HandoverRequestSchema, fields), details) };
});
