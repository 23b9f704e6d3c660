import { type ConfigWith, loadConfig, misspeltSettings } from "@caic-handover/core/config/config";
import { DynamoDbChatStore } from "@caic-handover/core/dynamodb/chat-store-dynamodb";
import { type FunctionName, optionalSecrets, requiredSecrets } from "./routes";
import { fetchBoundSecrets } from "./secrets";
import { createLogger, createMetrics } from "./telemetry";
import { dynamoDbClient } from "./wiring";

/** A misspelt setting is warned about once per process. */
let misspeltWarned = false;

/**
 * Everything a handler needs, built once per cold start from the environment (and SSM for bound secrets).
 * Fails closed: when a secret or setting cannot be had, it logs once what is missing and how to set it,
 * then throws, so the cold start fails and every request gets Lambda's bare 500 (an alarmed function error).
 */
export async function createRuntime<F extends FunctionName>(fn: F) {
  const secrets = requiredSecrets(fn);
  const log = createLogger(fn);
  let config: ConfigWith<(typeof secrets)[number]>;
  try {
    const env = { ...process.env, ...(await fetchBoundSecrets(process.env, secrets, optionalSecrets(fn))) };
    config = loadConfig(env, secrets);
    // Once per process: each cold start in AWS; once for all of npm start's functions.
    if (!misspeltWarned) for (const warning of misspeltSettings(process.env)) log.warn(`configuration: ${warning}`);
    misspeltWarned = true;
  } catch (error) {
    log.critical(`cannot start, serving nobody: ${error instanceof Error ? error.message : String(error)}`);
    throw new StartupError(fn);
  }
  const client = dynamoDbClient(config);
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

/** The cold start failed; the reason is in the log line before, never in a response. */
export class StartupError extends Error {
  override name = "StartupError";
  constructor(fn: FunctionName) {
    super(`${fn} did not start: its configuration or secrets are unavailable (see the log line before)`);
  }
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
