import {
  ConfigSchema,
  loadConfig,
  misspeltSettings,
  SECRET_NAMES,
  settingProblems,
} from "@caic-handover/core/config/config";
import { VisibleError } from "sst/error.js";
import * as z from "zod/mini";

/**
 * Config keys that are not deploy parameters: secrets live in SSM (`Config.Secret`), the stack
 * supplies TABLE_NAME itself, and DYNAMODB_ENDPOINT only points the local runner at DynamoDB Local.
 */
const NOT_PARAMETERS: ReadonlySet<string> = new Set([...SECRET_NAMES, "TABLE_NAME", "DYNAMODB_ENDPOINT"]);

/** The SPEC §2 parameters, passed to every function as plain environment variables. */
export const PARAMETER_NAMES = Object.keys(ConfigSchema.shape).filter((name) => !NOT_PARAMETERS.has(name));

/**
 * Deployed, these URLs carry the product token, the presence key and chats' data: TLS only. (`npm start`
 * may point them at loopback `http://` simulators.)
 */
const TLS_ONLY = ["PRESENCE_API_URL", "ROUTING_API_URL", "WEB_CONVERSATIONS_HANDOVER_URL"] as const;

/** Settings of the deployment itself rather than of the product. */
export const StackSettingsSchema = z.object({
  POWERTOOLS_LOG_LEVEL: z._default(z.enum(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"]), "INFO"),
  ALARM_EMAIL: z.optional(z.email()),
  /** Point-in-time recovery keeps erased data this long; DynamoDB allows 1–35 days. */
  POINT_IN_TIME_RECOVERY_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(35)), 7),
  /** Requested handovers not confirmed by the Router within the window that raise the alarm. */
  UNCONFIRMED_HANDOVER_THRESHOLD: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 3),
  /** The alarm's window: longer than the Router takes to confirm, short enough to hear of it soon. */
  UNCONFIRMED_HANDOVER_WINDOW_MINUTES: z._default(z.coerce.number().check(z.int(), z.gte(5), z.lte(1440)), 15),
  /**
   * Each route's steady limit (requests/s) and burst. HTTP APIs count every request against them, with
   * or without a key, so they sit well above a cheap flood from one machine; the account's API Gateway
   * quota (10,000/s per region) bounds them all together.
   */
  API_THROTTLE_RATE: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 1000),
  API_THROTTLE_BURST: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(5000)), 2000),
  /**
   * Concurrent executions reserved for (and capping) each function, so a flood on one route neither
   * runs up an unbounded bill nor takes the concurrency the others need; `off` reserves none.
   */
  FUNCTION_RESERVED_CONCURRENCY: z._default(
    z.union([z.literal("off"), z.coerce.number().check(z.int(), z.gte(1), z.lte(1000))]),
    20,
  ),
});

/** The deployment's own settings (log level, alarm, recovery, throttles), read from the environment. */
export const STACK_SETTING_NAMES = Object.keys(StackSettingsSchema.shape);
/** Every name a `.env` file may set: the product's settings and the deployment's. */
export const KNOWN_SETTINGS: readonly string[] = [...Object.keys(ConfigSchema.shape), ...STACK_SETTING_NAMES];
/** Warnings already printed: the stacks read the settings more than once per synth. */
const warned = new Set<string>();

/**
 * The deployment's own settings as set (empty means unset), checked: one line per malformed one naming
 * what it accepts (the same words as the product's settings), and the values with defaults applied.
 */
export function stackSettings(env: Record<string, string | undefined>): {
  problems: string[];
  data?: z.infer<typeof StackSettingsSchema>;
} {
  const values = Object.fromEntries(STACK_SETTING_NAMES.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  const checked = settingProblems(StackSettingsSchema, values);
  return {
    problems: [...checked.problems.values()],
    data: checked.data as z.infer<typeof StackSettingsSchema> | undefined,
  };
}

export interface DeploySettings {
  /** Parameters set in the environment, as given: the functions apply the schema's defaults themselves. */
  parameters: Record<string, string>;
  logLevel: z.infer<typeof StackSettingsSchema>["POWERTOOLS_LOG_LEVEL"];
  /** Where alarm notifications are e-mailed, when set. */
  alarmEmail: string | undefined;
  /** Days point-in-time recovery can restore the chats table to (and so keeps erased data). */
  recoveryDays: number;
  /** The unconfirmed-handover alarm: requested minus confirmed over the window, at or above the threshold. */
  unconfirmedHandovers: { threshold: number; windowMinutes: number };
  /** Per-route throttle of the HTTP API. */
  throttle: { rate: number; burst: number };
  /** Reserved concurrency of each function; undefined reserves none. */
  reservedConcurrency: number | undefined;
}

/**
 * Reads the deploy-time environment (`sst deploy` loads `.env` and `.env.<stage>` into it) through
 * the product's own config schema, so a deploy fails before anything is created, naming every
 * missing or malformed setting, instead of every function failing at its first cold start.
 */
/**
 * The deploy's settings, or a refusal SST prints as its one line (a `VisibleError`: no stack trace after it).
 */
export function deploySettings(env: Record<string, string | undefined>): DeploySettings {
  try {
    return readDeploySettings(env);
  } catch (error) {
    throw visible(error);
  }
}

/** A refusal as SST shows it: its message alone. */
export function visible(error: unknown): VisibleError {
  return error instanceof VisibleError
    ? error
    : new VisibleError(error instanceof Error ? error.message : String(error));
}

function readDeploySettings(env: Record<string, string | undefined>): DeploySettings {
  // A misspelt setting never reaches Lambda (only known names are passed): said here, once per synth.
  for (const warning of misspeltSettings(env, KNOWN_SETTINGS)) {
    if (warned.has(warning)) continue;
    warned.add(warning);
    console.warn(`caic-handover deploy settings: warning: ${warning}`);
  }
  const parameters = Object.fromEntries(
    PARAMETER_NAMES.flatMap((name) => (env[name] ? [[name, env[name]] as const] : [])),
  );
  const config = loadConfig(parameters);
  const cleartext = TLS_ONLY.filter((name) => {
    const url = config[name];
    return url !== undefined && new URL(url).protocol !== "https:";
  });
  if (cleartext.length > 0) {
    throw new Error(
      `caic-handover deploy settings: ${cleartext.map((name) => `${name} must be an https:// URL when deployed`).join("; ")}`,
    );
  }
  const settings = stackSettings(env);
  if (settings.problems.length > 0) throw new Error(`caic-handover deploy settings: ${settings.problems.join("; ")}`);
  const data = settings.data as z.infer<typeof StackSettingsSchema>;
  return {
    parameters,
    logLevel: data.POWERTOOLS_LOG_LEVEL,
    alarmEmail: data.ALARM_EMAIL,
    recoveryDays: data.POINT_IN_TIME_RECOVERY_DAYS,
    unconfirmedHandovers: {
      threshold: data.UNCONFIRMED_HANDOVER_THRESHOLD,
      windowMinutes: data.UNCONFIRMED_HANDOVER_WINDOW_MINUTES,
    },
    throttle: { rate: data.API_THROTTLE_RATE, burst: data.API_THROTTLE_BURST },
    reservedConcurrency: data.FUNCTION_RESERVED_CONCURRENCY === "off" ? undefined : data.FUNCTION_RESERVED_CONCURRENCY,
  };
}

/** Lambda's limit on a function's environment: every name and value together, in bytes. */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** What a value CloudFormation resolves at deploy (the table name) may take: DynamoDB allows 255. */
const UNRESOLVED_VALUE_BYTES = 255;

/**
 * Why Lambda would refuse this function's environment, naming the variable that takes most of it, as one
 * line; undefined when it fits. CloudFormation would otherwise fail half-way through the deploy with
 * "Lambda was unable to configure your environment variables because they exceeded the 4KB limit".
 */
export function environmentRefusal(
  fn: string,
  environment: Record<string, string>,
  isUnresolved: (value: string) => boolean,
): string | undefined {
  const bytes = (name: string, value: string) =>
    Buffer.byteLength(name) + (isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value));
  const sizes = Object.entries(environment).map(([name, value]) => [name, bytes(name, value)] as const);
  const total = sizes.reduce((sum, [, size]) => sum + size, 0);
  if (total <= LAMBDA_ENVIRONMENT_LIMIT) return undefined;
  const [largest, size] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return `${largest} is too long: function ${fn}'s environment would be ${total} bytes (${largest} ${size}), over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}-byte limit; shorten ${largest}`;
}
