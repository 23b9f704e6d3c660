import {
  type HandlerTargets,
  LOCAL_DEFAULTS,
  handlerEnv as localHandlerEnv,
  SIMULATED_CM,
} from "@caic-handover/local/local-defaults";

/** The local values the simulated CM accepts, as the bench's calls need them. */
export const KEY = LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY;
export const PRODUCT_TOKEN = SIMULATED_CM.productToken;
export const PRESENCE_KEY = SIMULATED_CM.presenceApiKey;
export const TECHNICAL_LINK = SIMULATED_CM.technicalLinkId;
export const ADAPTERS = {
  client: LOCAL_DEFAULTS.ROUTER_CLIENT_ADAPTER_ID,
  bot: LOCAL_DEFAULTS.ROUTER_BOT_ADAPTER_ID,
  agent: LOCAL_DEFAULTS.ROUTER_AGENT_ADAPTER_ID,
};

/**
 * The environment a handler builds its config from at import. Logs (INFO) and EMF metrics stay on,
 * as deployed: their serialisation is part of a handler's cost; the bench discards the lines.
 */
export function handlerEnv(targets: HandlerTargets): Record<string, string> {
  return { ...localHandlerEnv(targets), POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" };
}
