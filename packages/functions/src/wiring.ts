import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "@caic-handover/core/config/config";
import { CmHistoryClient, erasesCmHistoryOn } from "@caic-handover/core/router/cm-history";
import { type Adapters, RoutingClient } from "@caic-handover/core/router/routing";
import type { Log } from "@caic-handover/core/shared/metrics";

/*
 * How the functions reach what is outside them, built from the configuration in this one place.
 * Each handler imports only the builders it uses (no barrel): a bundle holds the clients it calls.
 */

/** The DynamoDB client's deadlines: `DYNAMODB_CALL_S` (routes.ts) is checked against them (timing test). */
export const DYNAMODB_CLIENT = { maxAttempts: 3, connectionTimeoutMs: 1000, requestTimeoutMs: 1500 } as const;

/**
 * The DocumentClient every store of a function shares: one call ends within `DYNAMODB_CALL_S`
 * (3 attempts of ≤ 1.5 s; docs/design.md#timing); undefined attributes are left out.
 */
export function dynamoDbClient(config: Pick<Config, "DYNAMODB_ENDPOINT">): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
      maxAttempts: DYNAMODB_CLIENT.maxAttempts,
      // One call ends within DYNAMODB_CALL_S (docs/design.md#timing); without throwOnRequestTimeout the SDK only warns.
      requestHandler: {
        connectionTimeout: DYNAMODB_CLIENT.connectionTimeoutMs,
        requestTimeout: DYNAMODB_CLIENT.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

/** CM's endpoint, the Conversational technical link and the product token: what both CM clients call with. */
type CmConfig = Pick<Config, "ROUTING_API_URL" | "CM_TECHNICAL_LINK_ID"> & { CM_PRODUCT_TOKEN: string };

/** The handover's and hand-back's routing mutations, with the Router ruleset's three adapters. */
export function routerWiring(
  config: CmConfig & Pick<Config, "ROUTER_CLIENT_ADAPTER_ID" | "ROUTER_BOT_ADAPTER_ID" | "ROUTER_AGENT_ADAPTER_ID">,
  log: Log,
): { routing: RoutingClient; adapters: Adapters } {
  return {
    routing: new RoutingClient({
      baseUrl: config.ROUTING_API_URL,
      technicalLinkId: config.CM_TECHNICAL_LINK_ID,
      productToken: config.CM_PRODUCT_TOKEN,
      log,
    }),
    adapters: {
      client: config.ROUTER_CLIENT_ADAPTER_ID,
      bot: config.ROUTER_BOT_ADAPTER_ID,
      agent: config.ROUTER_AGENT_ADAPTER_ID,
    },
  };
}

/**
 * CM's Conversation History client, when ERASE_CM_HISTORY asks for CM's copy to go on this occasion
 * (`erase`: the operator's erase; `session-end`: the Router's session end); otherwise nothing.
 */
export function cmHistoryWiring(
  config: CmConfig & Pick<Config, "ERASE_CM_HISTORY">,
  log: Log,
  occasion: "erase" | "session-end",
): { cmHistory?: CmHistoryClient } {
  if (!erasesCmHistoryOn(config.ERASE_CM_HISTORY, occasion)) return {};
  return {
    cmHistory: new CmHistoryClient({
      baseUrl: config.ROUTING_API_URL,
      accountId: config.CM_TECHNICAL_LINK_ID,
      productToken: config.CM_PRODUCT_TOKEN,
      log,
    }),
  };
}
