import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbChatStore } from "@caic-handover/core/chat-store-dynamodb";
import { loadConfig } from "@caic-handover/core/config";
import { FUNCTIONS, type FunctionName } from "./routes";
import { fetchBoundSecrets } from "./secrets";
import { createLogger, createMetrics } from "./telemetry";

/** Everything a handler needs, built once per cold start from the environment (and SSM for bound secrets). */
export async function createRuntime<F extends FunctionName>(fn: F) {
  const secrets = FUNCTIONS[fn].secrets;
  const env = { ...process.env, ...(await fetchBoundSecrets(process.env, secrets)) };
  const config = loadConfig(env, secrets);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
      maxAttempts: 3,
      // 3 attempts of ≤ 1.5 s end one call in ≤ 5 s, inside every route's timeout; without throwOnRequestTimeout the SDK only warns.
      requestHandler: { connectionTimeout: 1000, requestTimeout: 1500, throwOnRequestTimeout: true },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const log = createLogger(fn);
  return {
    config,
    log,
    metrics: createMetrics(),
    /** The DocumentClient every store of this function shares. */
    dynamodb: client,
    store: new DynamoDbChatStore({ client, tableName: config.TABLE_NAME, ttlHours: config.INTAKE_TTL_HOURS }),
    now: () => new Date(),
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
