import { fileURLToPath } from "node:url";
import { ConfigSchema } from "@caic-handover/core/config/config";
import { LOCAL_AWS_ENV } from "./dynamodb-local";
import { readEnvFile } from "./env-file";

/** The project root, where `npm start` looks for `.env`. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Settings `npm start` runs with when neither the shell nor `.env` gives them: made-up local values,
 * accepted only by the simulated CM. Shared by `start`, `demo` and the tests so they always agree.
 */
export const LOCAL_DEFAULTS = {
  // One key per caller (routes.ts CALLERS), each refused on the others' routes, as deployed.
  HANDOVER_WEBHOOK_KEY: "local-handover-key-for-npm-start-only",
  ROUTER_WEBHOOK_KEY: "local-router-key-for-npm-start-only-0",
  OPERATOR_KEY: "local-operator-key-for-npm-start-only-0",
  PRESENCE_WEBHOOK_KEY: "local-presence-webhook-key-npm-start-only",
  CM_PRODUCT_TOKEN: "local-product-token",
  MSC_PRESENCE_API_KEY: "local-presence-api-key",
  CM_TECHNICAL_LINK_ID: "00000000-0000-4000-8000-00000000c0de",
  ROUTER_CLIENT_ADAPTER_ID: "local-web-conversations-adapter",
  ROUTER_BOT_ADAPTER_ID: "local-caic-adapter",
  ROUTER_AGENT_ADAPTER_ID: "local-msc-adapter",
  TABLE_NAME: "caic-handover-chats",
  PORT: "3000",
} as const;

export type LocalSetting = keyof typeof LOCAL_DEFAULTS;

/** Every name `.env` may set for this project (`.env.example` documents each). */
export const SETTING_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(ConfigSchema.shape),
  ...Object.keys(LOCAL_DEFAULTS),
  ...["DATA_DIR", "BASE_URL", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED", "ALARM_EMAIL"],
]);

/**
 * Reads `.env` from the project root into `process.env` (the shell wins over the file), then fills
 * every setting still missing from `LOCAL_DEFAULTS`. A malformed line stops it, naming the line.
 */
export function loadLocalEnv(): NodeJS.ProcessEnv & Record<LocalSetting, string> {
  for (const [name, value] of Object.entries(readEnvFile(`${PROJECT_ROOT}.env`, ".env", SETTING_NAMES) ?? {})) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
  for (const [name, value] of Object.entries(LOCAL_DEFAULTS)) {
    if (!process.env[name]) process.env[name] = value;
  }
  return process.env as NodeJS.ProcessEnv & Record<LocalSetting, string>;
}

/** Where the demo and tests find a running `npm start`. */
export const localBaseUrl = (port: string) => `http://127.0.0.1:${port}`;

/** What the simulated CM accepts: `npm start`, the tests and the bench all run with the local values. */
export const SIMULATED_CM = {
  presenceApiKey: LOCAL_DEFAULTS.MSC_PRESENCE_API_KEY,
  productToken: LOCAL_DEFAULTS.CM_PRODUCT_TOKEN,
  technicalLinkId: LOCAL_DEFAULTS.CM_TECHNICAL_LINK_ID,
  adapters: {
    client: LOCAL_DEFAULTS.ROUTER_CLIENT_ADAPTER_ID,
    bot: LOCAL_DEFAULTS.ROUTER_BOT_ADAPTER_ID,
    agent: LOCAL_DEFAULTS.ROUTER_AGENT_ADAPTER_ID,
  },
} as const;

export interface HandlerTargets {
  dynamodbEndpoint: string;
  tableName: string;
  presenceUrl: string;
  routingUrl: string;
  webConversationsUrl: string;
}

/** The environment a handler builds its config from at import: the local values, aimed at these targets. */
export function handlerEnv(targets: HandlerTargets): Record<string, string> {
  const { PORT: _port, TABLE_NAME: _table, ...identity } = LOCAL_DEFAULTS;
  return {
    ...LOCAL_AWS_ENV,
    ...identity,
    TABLE_NAME: targets.tableName,
    DYNAMODB_ENDPOINT: targets.dynamodbEndpoint,
    PRESENCE_API_URL: targets.presenceUrl,
    ROUTING_API_URL: targets.routingUrl,
    WEB_CONVERSATIONS_HANDOVER_URL: targets.webConversationsUrl,
  };
}
