import { LOCAL_AWS_ENV } from "../packages/local/src/dynamodb-local";

/** Fixed local secrets and CM identifiers, the same shape the integration harness uses. */
export const KEY = "bench-webhook-key-0123456789";
export const PRODUCT_TOKEN = "bench-product-token";
export const PRESENCE_KEY = "bench-presence-key";
export const TECHNICAL_LINK = "6f1d1c3e-0000-4000-8000-0000000be4c4";
export const ADAPTERS = { client: "WC-ADAPTER", bot: "CAIC-ADAPTER", agent: "MSC-ADAPTER" };

export interface HandlerEnvTargets {
  dynamodbEndpoint: string;
  tableName: string;
  presenceUrl: string;
  routingUrl: string;
  webConversationsUrl: string;
}

/**
 * The environment a handler builds its config from at import. Logs (INFO) and EMF metrics stay on,
 * as deployed: their serialisation is part of a handler's cost; the bench discards the lines.
 */
export function handlerEnv(targets: HandlerEnvTargets): Record<string, string> {
  return {
    ...LOCAL_AWS_ENV,
    POWERTOOLS_LOG_LEVEL: "INFO",
    POWERTOOLS_METRICS_DISABLED: "false",
    TABLE_NAME: targets.tableName,
    DYNAMODB_ENDPOINT: targets.dynamodbEndpoint,
    HANDOVER_WEBHOOK_KEY: KEY,
    CM_PRODUCT_TOKEN: PRODUCT_TOKEN,
    MSC_PRESENCE_API_KEY: PRESENCE_KEY,
    CM_TECHNICAL_LINK_ID: TECHNICAL_LINK,
    ROUTER_CLIENT_ADAPTER_ID: ADAPTERS.client,
    ROUTER_BOT_ADAPTER_ID: ADAPTERS.bot,
    ROUTER_AGENT_ADAPTER_ID: ADAPTERS.agent,
    PRESENCE_API_URL: targets.presenceUrl,
    ROUTING_API_URL: targets.routingUrl,
    WEB_CONVERSATIONS_HANDOVER_URL: targets.webConversationsUrl,
  };
}
