import * as z from "zod/mini";
import { CultureSetting } from "./culture";
import { BusinessHoursText } from "./opening-hours";

/**
 * The key of each caller of the API (routes.ts `CALLERS`): the dialog's (CAIC API Callouts), the
 * Router's, operators' and the presence webhook's. Each is refused on the others' routes.
 */
export const KEY_NAMES = [
  "HANDOVER_WEBHOOK_KEY",
  "ROUTER_WEBHOOK_KEY",
  "OPERATOR_KEY",
  "PRESENCE_WEBHOOK_KEY",
] as const;
export type KeyName = (typeof KEY_NAMES)[number];
/** A key's previous value, accepted beside it until removed: rotation without an outage (docs/deploy.md#keys). */
export const PREVIOUS_KEY_NAMES = [
  "HANDOVER_WEBHOOK_KEY_PREVIOUS",
  "ROUTER_WEBHOOK_KEY_PREVIOUS",
  "OPERATOR_KEY_PREVIOUS",
  "PRESENCE_WEBHOOK_KEY_PREVIOUS",
] as const;
export const previousKeyName = (key: KeyName) => `${key}_PREVIOUS` as (typeof PREVIOUS_KEY_NAMES)[number];
/** The secrets every stage must set (SPEC §2 and the callers' keys); the previous keys are optional. */
export const REQUIRED_SECRET_NAMES = ["CM_PRODUCT_TOKEN", "MSC_PRESENCE_API_KEY", ...KEY_NAMES] as const;
/** Every secret. In AWS they are SST `Config.Secret`s; locally, plain environment variables. */
export const SECRET_NAMES = [...REQUIRED_SECRET_NAMES, ...PREVIOUS_KEY_NAMES] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** What SST v2 puts in a bound secret's variable when the value lives in SSM: a published string, never a value. */
export const SST_SSM_PLACEHOLDER = "__FETCH_FROM_SSM__";

/** A caller's key is guessable below this length (`openssl rand -hex 32` gives 64). */
export const MIN_WEBHOOK_KEY_LENGTH = 32;

const text = z.string().check(z.trim(), z.minLength(1));
const key = z.optional(
  text.check(
    z.minLength(
      MIN_WEBHOOK_KEY_LENGTH,
      `at least ${MIN_WEBHOOK_KEY_LENGTH} characters; make one with openssl rand -hex 32`,
    ),
  ),
);

/** Whole-number settings: [min, max, default], read by the schema and by the error naming what is valid. */
const NUMBER_RANGES = {
  PRESENCE_CACHE_SECONDS: [0, 3600, 10],
  PRESENCE_MAX_STALE_SECONDS: [0, 3600, 60],
  INTAKE_TTL_HOURS: [1, 24 * 365, 24],
  HANDOVER_RETRY_WINDOW_SECONDS: [0, 3600, 120],
} as const;
const OFFLINE_HANDOVER_VALUES = ["off", "message"] as const;
const optionalText = z.optional(text);
const url = z.url({ protocol: /^https?$/ });
const wholeNumber = (min: number, max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), fallback);

const INTAKE_FIELDS = ["email", "name", "message"] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];
export type OfflineHandover = Config["OFFLINE_HANDOVER"];
export type EraseCmHistory = Config["ERASE_CM_HISTORY"];

/** Every setting the product reads, with its default: the single source for functions, stack and local runner. */
export const ConfigSchema = z.object({
  CM_PRODUCT_TOKEN: optionalText,
  MSC_PRESENCE_API_KEY: optionalText,
  ...(Object.fromEntries([...KEY_NAMES, ...PREVIOUS_KEY_NAMES].map((name) => [name, key])) as Record<
    KeyName | (typeof PREVIOUS_KEY_NAMES)[number],
    typeof key
  >),
  /** Origins whose browsers may call the presence webhook (`POST /availability`), comma-separated; unset: no CORS. */
  PRESENCE_WEBHOOK_CORS_ORIGINS: z.optional(
    z.pipe(
      z.pipe(
        text,
        z.transform((list) => list.split(",").map((origin) => origin.trim())),
      ),
      z.array(z.string().check(z.regex(/^https?:\/\/[^/\s]+$/))).check(z.minLength(1)),
    ),
  ),
  CM_TECHNICAL_LINK_ID: text,
  ROUTER_CLIENT_ADAPTER_ID: text,
  ROUTER_BOT_ADAPTER_ID: text,
  ROUTER_AGENT_ADAPTER_ID: text,
  PRESENCE_CHANNEL: z._default(text, "WebChat"),
  PRESENCE_REFERRER: optionalText,
  PRESENCE_CACHE_SECONDS: wholeNumber(...NUMBER_RANGES.PRESENCE_CACHE_SECONDS),
  PRESENCE_MAX_STALE_SECONDS: wholeNumber(...NUMBER_RANGES.PRESENCE_MAX_STALE_SECONDS),
  INTAKE_TTL_HOURS: wholeNumber(...NUMBER_RANGES.INTAKE_TTL_HOURS),
  /** A `POST /caic/events` this soon after a run began, while it is in flight or unconfirmed, is a retry of that run (docs/design.md#runs). */
  HANDOVER_RETRY_WINDOW_SECONDS: wholeNumber(...NUMBER_RANGES.HANDOVER_RETRY_WINDOW_SECONDS),
  INTAKE_REQUIRED_FIELDS: z._default(
    z.pipe(
      z.pipe(
        text,
        z.transform((list) => list.split(",").map((field) => field.trim())),
      ),
      z.array(z.enum(INTAKE_FIELDS)).check(z.minLength(1)),
    ),
    ["email", "name"],
  ),
  PRESENCE_API_URL: z._default(url, "https://presence.robinhq.com/api/v1"),
  ROUTING_API_URL: z._default(url, "https://api.conversational.cm.com"),
  WEB_CONVERSATIONS_HANDOVER_URL: z.optional(url),
  /** `message`: a handover while nobody is online goes through as a message an agent answers later (docs/no-dead-ends.md). */
  OFFLINE_HANDOVER: z._default(z.enum(OFFLINE_HANDOVER_VALUES), "off"),
  /** Opening hours as JSON (timeZone, weekly, holidays, special); absent means always open. */
  BUSINESS_HOURS: z.optional(BusinessHoursText),
  /** Culture of visitor-facing texts when a call gives none or one whose language has no texts. */
  DEFAULT_CULTURE: z._default(CultureSetting, { language: "en", locale: "en" }),
  /** `on-erase`: `DELETE /chats/{chatId}` also deletes the Router session's history at CM; `on-session-end`: session end does too. */
  ERASE_CM_HISTORY: z._default(z.enum(["off", "on-erase", "on-session-end"]), "off"),
  TABLE_NAME: z._default(text, "caic-handover-chats"),
  DYNAMODB_ENDPOINT: z.optional(url),
});

export type Config = z.infer<typeof ConfigSchema>;
/** Config whose listed secrets are known to be present. */
export type ConfigWith<S extends SecretName> = Config & { [K in S]: string };

/** What a setting accepts, in the words an error uses when the schema's own message is generic. */
export function acceptedValues(name: string): string | undefined {
  if (name in NUMBER_RANGES) {
    const [min, max] = NUMBER_RANGES[name as keyof typeof NUMBER_RANGES];
    return `a whole number from ${min} to ${max}`;
  }
  switch (name) {
    case "OFFLINE_HANDOVER":
      return `one of ${OFFLINE_HANDOVER_VALUES.join(", ")} (lower case)`;
    case "INTAKE_REQUIRED_FIELDS":
      return `a comma-separated list of one or more of ${INTAKE_FIELDS.join(", ")}, such as "email,name"`;
    case "PRESENCE_API_URL":
    case "ROUTING_API_URL":
    case "WEB_CONVERSATIONS_HANDOVER_URL":
    case "DYNAMODB_ENDPOINT":
      return "an http or https URL, such as https://api.conversational.cm.com";
    case "DEFAULT_CULTURE":
      return 'a culture such as "nl-NL" or "en"';
    case "PRESENCE_WEBHOOK_CORS_ORIGINS":
      return "a comma-separated list of origins such as https://www.example.com (scheme and host, no path)";
    case "BUSINESS_HOURS":
      return "opening hours as JSON (docs/configuration.md#business-hours)";
    default:
      return name in ConfigSchema.shape ? "a non-blank text" : undefined;
  }
}

/** Levenshtein distance, for naming the setting a misspelt variable was probably meant to be. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Environment variables that look like a misspelt setting (`OFLINE_HANDOVER`): a name within two
 * edits of a known one, or a known one in another case. Each warning names the closest known setting.
 * A misspelt setting is otherwise silently ignored and its default applies.
 */
export function misspeltSettings(env: Record<string, string | undefined>): string[] {
  const known = Object.keys(ConfigSchema.shape);
  const warnings: string[] = [];
  for (const variable of Object.keys(env)) {
    const name = variable.replace(/^SST_(Secret|Parameter)_value_/, "");
    if (known.includes(name) || name.length < 6) continue;
    let closest: string | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const candidate of known) {
      const d = distance(name.toUpperCase(), candidate);
      if (d < best) [closest, best] = [candidate, d];
    }
    if (closest !== undefined && best <= 2) {
      warnings.push(`${variable} is not a setting and is ignored; did you mean ${closest}?`);
    }
  }
  return warnings;
}

/** The settings whose value differs from the default (secrets by name only), for a start-up banner. */
export function nonDefaultSettings(config: Config): string[] {
  const lines: string[] = [];
  for (const [name, schema] of Object.entries(ConfigSchema.shape)) {
    const value = (config as Record<string, unknown>)[name];
    const fallback = schema.safeParse(undefined);
    if (value === undefined || (fallback.success && JSON.stringify(value) === JSON.stringify(fallback.data))) continue;
    if ((SECRET_NAMES as readonly string[]).includes(name)) continue;
    lines.push(
      `${name}=${Array.isArray(value) ? value.join(",") : typeof value === "object" ? JSON.stringify(value) : String(value)}`,
    );
  }
  return lines;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Build the config from an environment once per cold start. SST-bound values
 * (`SST_Secret_value_X`, `SST_Parameter_value_X`) are read under their plain names too.
 * Fails fast, naming every missing or malformed setting.
 */
export function loadConfig<S extends SecretName>(
  env: Record<string, string | undefined>,
  requiredSecrets: readonly S[] = [],
): ConfigWith<S> {
  const values: Record<string, string> = {};
  /** What is wrong, one entry per setting; SST's placeholder counts as missing. */
  const problems = new Map<string, string>();
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key] ?? env[`SST_Secret_value_${key}`] ?? env[`SST_Parameter_value_${key}`];
    if (value === SST_SSM_PLACEHOLDER) problems.set(key, `${key} is missing (it holds SST's placeholder, not a value)`);
    else if (value !== undefined && value !== "") values[key] = value;
  }
  const parsed = ConfigSchema.safeParse(values);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0]);
    if (!problems.has(name)) {
      const generic = issue.message === "Invalid input" || issue.message.startsWith("Invalid ");
      const accepted = acceptedValues(name);
      // A generic schema message is replaced by what the setting accepts, after the value (never a secret's).
      const shown = (SECRET_NAMES as readonly string[]).includes(name) ? "" : `: ${JSON.stringify(values[name])}`;
      problems.set(
        name,
        values[name] === undefined
          ? `${name} is missing`
          : generic && accepted !== undefined
            ? `${name} is invalid${shown} (accepted: ${accepted})`
            : `${name} is invalid (${issue.message})`,
      );
    }
  }
  for (const secret of requiredSecrets) {
    if (values[secret] === undefined && !problems.has(secret)) problems.set(secret, `${secret} is missing`);
  }
  if (problems.size > 0 || !parsed.success) {
    throw new ConfigError(`caic-handover configuration: ${[...problems.values()].join("; ")}`);
  }
  return parsed.data as ConfigWith<S>;
}
