import * as z from "zod/mini";
import { BusinessHoursText } from "../availability/business-hours";
import { CultureSetting } from "../language/culture";

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
/**
 * Pairs of different callers' keys (previous values included) that hold the same value, which would
 * undo the scoping: each as one line naming the two settings, never the value.
 */
export function sharedKeyProblems(values: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const given = KEY_NAMES.flatMap((key, caller) =>
    [key, previousKeyName(key)].map((name) => ({ name, caller, value: values[name]?.trim() })),
  ).filter((entry) => entry.value && entry.value !== SST_SSM_PLACEHOLDER);
  for (const [i, a] of given.entries()) {
    for (const b of given.slice(i + 1)) {
      if (a.caller !== b.caller && a.value === b.value) {
        problems.push(`${a.name} and ${b.name} hold the same value: each caller needs a key of its own`);
      }
    }
  }
  return problems;
}

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
    // A key goes into headers and URLs; a space or other character there is a pasted message, not a key
    // (a failed `$(npx sst secrets get …)` captures its error text).
    z.regex(/^[A-Za-z0-9._~+/=-]+$/, "only letters, digits and . _ ~ + / = -; make one with openssl rand -hex 32"),
  ),
);

/** Whole-number settings: [min, max, default]. */
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

const CorsOrigins = z.pipe(
  z.pipe(
    text,
    z.transform((list) => list.split(",").map((origin) => origin.trim())),
  ),
  // As a browser sends it: lower case, no default port, no wildcard, no trailing slash; anything else never matches.
  z
    .array(
      z.string().check(
        z.regex(/^https?:\/\/([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$/),
        z.refine((origin) => !/^https:.*:443$|^http:.*:80$/.test(origin)),
      ),
    )
    .check(z.minLength(1)),
);
z.globalRegistry.add(CorsOrigins, {
  description:
    "a comma-separated list of origins as browsers send them, such as https://www.example.com: " +
    "scheme and lower-case host, a port only if not the default (443, 80), no wildcard, path or trailing slash",
});

const Referrers = z.pipe(
  z.pipe(
    text,
    z.transform((list) =>
      list
        .split(",")
        .map((referrer) => referrer.trim())
        .filter((referrer) => referrer !== ""),
    ),
  ),
  z.array(z.string().check(z.maxLength(2048))).check(z.minLength(1), z.maxLength(50)),
);
z.globalRegistry.add(Referrers, {
  description: "a comma-separated list of at most 50 referrers (web store URLs), each at most 2048 characters",
});

/** Every setting the product reads, with its default: the single source for functions, stack and local runner. */
export const ConfigSchema = z.object({
  CM_PRODUCT_TOKEN: optionalText,
  MSC_PRESENCE_API_KEY: optionalText,
  ...(Object.fromEntries([...KEY_NAMES, ...PREVIOUS_KEY_NAMES].map((name) => [name, key])) as Record<
    KeyName | (typeof PREVIOUS_KEY_NAMES)[number],
    typeof key
  >),
  /** Origins whose browsers may call the presence webhook (`POST /availability`), comma-separated; unset: no CORS. */
  PRESENCE_WEBHOOK_CORS_ORIGINS: z.optional(CorsOrigins),
  /** The referrers the presence webhook may ask CM about (a page under one asks it); others ask `PRESENCE_REFERRER`. */
  PRESENCE_WEBHOOK_REFERRERS: z.optional(Referrers),
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
  /** `message`: a handover while nobody is online goes through as a message an agent answers later (docs/features.md). */
  OFFLINE_HANDOVER: z._default(z.enum(OFFLINE_HANDOVER_VALUES), "off"),
  /** Business hours as JSON (timeZone, weekly, holidays, special); absent means always open. */
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

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  out?: AnySchema;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: AnySchema[];
  element?: AnySchema;
  format?: string;
  protocol?: RegExp;
  checks?: { _zod: { def: { check: string; value?: number; minimum?: number; format?: string } } }[];
}

/** One check's bound, read from a schema's definition. */
function checkOf(def: Def, check: string) {
  return def.checks?.map((c) => c._zod.def).find((c) => c.check === check);
}

/**
 * What a setting's schema accepts, in the words an error uses, read from the schema itself (enum
 * values, number bounds, formats) so no setting of any schema falls through; a schema whose value is
 * checked by code (a transform) carries its own words as its registered `description`.
 */
export function acceptedBy(schema: AnySchema): string | undefined {
  const described = z.globalRegistry.get(schema)?.description;
  if (described !== undefined) return described;
  const def = schema._zod.def as unknown as Def;
  switch (def.type) {
    case "default":
    case "optional":
    case "nullable":
    case "prefault":
      return acceptedBy(def.innerType as AnySchema);
    case "pipe": {
      const out = def.out as AnySchema;
      const outType = (out._zod.def as unknown as Def).type;
      if (outType === "array") return acceptedBy(out);
      return outType === "transform" ? acceptedBy(def.in as AnySchema) : acceptedBy(out);
    }
    case "enum": {
      const values = Object.values(def.entries ?? {}).map(String);
      const letters = values.join("");
      const lettering =
        letters === letters.toLowerCase() ? " (lower case)" : letters === letters.toUpperCase() ? " (upper case)" : "";
      return `one of ${values.join(", ")}${lettering}`;
    }
    case "literal":
      return (def.values ?? []).map(String).join(", ");
    case "union":
      return (def.options ?? []).map((option) => acceptedBy(option)).join(", or ");
    case "array": {
      const element = def.element?._zod.def as unknown as Def | undefined;
      const min = checkOf(def, "min_length")?.minimum ?? 0;
      const values = element?.type === "enum" ? Object.values(element.entries ?? {}).join(", ") : "values";
      const example =
        element?.type === "enum"
          ? `, such as "${Object.values(element.entries ?? {})
              .slice(0, 2)
              .join(",")}"`
          : "";
      return `a comma-separated list of ${min > 0 ? `${min === 1 ? "one" : min} or more` : "any"} of ${values}${example}`;
    }
    case "number": {
      const whole = checkOf(def, "number_format")?.format?.includes("int");
      const min = checkOf(def, "greater_than")?.value;
      const max = checkOf(def, "less_than")?.value;
      const kind = whole ? "a whole number" : "a number";
      if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
      if (min !== undefined) return `${kind} of ${min} or more`;
      return max !== undefined ? `${kind} up to ${max}` : kind;
    }
    case "string": {
      if (def.format === "email") return "an e-mail address, such as oncall@example.com";
      if (def.format === "url") {
        return def.protocol?.test("http")
          ? "an http or https URL, such as https://api.conversational.cm.com"
          : "a URL, such as https://api.conversational.cm.com";
      }
      const min = checkOf(def, "min_length")?.minimum ?? 0;
      return min > 1 ? `at least ${min} characters` : min === 1 ? "a non-blank text" : "any text";
    }
    default:
      return undefined;
  }
}

/** What a setting of the product's config accepts (see acceptedBy). */
export function acceptedValues(name: string): string | undefined {
  const schema = (ConfigSchema.shape as Record<string, AnySchema>)[name];
  return schema === undefined ? undefined : acceptedBy(schema);
}

/** Zod's own words for a failed check, which say nothing a user can act on. */
const GENERIC_MESSAGE = /^(Invalid|Too (big|small)|Expected)/;

/**
 * One line per malformed or missing setting of an object schema, each naming what the setting accepts
 * (and the value given, never a secret's): shared by the product's config and the deploy's settings.
 */
export function settingProblems(
  schema: z.ZodMiniObject,
  values: Record<string, string>,
  secretNames: readonly string[] = SECRET_NAMES,
): { problems: Map<string, string>; data?: Record<string, unknown> } {
  const problems = new Map<string, string>();
  const parsed = schema.safeParse(values);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0]);
    if (problems.has(name)) continue;
    if (values[name] === undefined) {
      problems.set(name, `${name} is missing`);
      continue;
    }
    const accepted = acceptedBy((schema.shape as Record<string, AnySchema>)[name] as AnySchema);
    const shown = secretNames.includes(name) ? "" : `: ${JSON.stringify(values[name])}`;
    // Zod's generic words give way to what the setting accepts, after the value; a message of the
    // setting's own (which names the value) is kept, with what is accepted unless it says so already.
    const generic = GENERIC_MESSAGE.test(issue.message) && accepted !== undefined;
    const why = generic
      ? `accepted: ${accepted}`
      : accepted === undefined || issue.message.includes(accepted)
        ? issue.message
        : `${issue.message}; accepted: ${accepted}`;
    problems.set(name, `${name} is invalid${generic ? shown : ""} (${why})`);
  }
  return { problems, data: parsed.success ? (parsed.data as Record<string, unknown>) : undefined };
}

/**
 * Levenshtein distance when it is at most `limit`, else `limit + 1`: only the diagonal band of width
 * `limit` is computed and a row whose every cell exceeds the limit ends it, so a variable far from
 * every setting (most of an environment) costs a length comparison or a few cells, not a full table.
 */
function distanceWithin(a: string, b: string, limit: number): number {
  const over = limit + 1;
  if (Math.abs(a.length - b.length) > limit) return over;
  let previous = new Uint8Array(b.length + 1);
  let current = new Uint8Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = Math.min(j, over);
  for (let i = 1; i <= a.length; i++) {
    current.fill(over);
    current[0] = Math.min(i, over);
    let rowBest = current[0]!;
    for (let j = Math.max(1, i - limit); j <= Math.min(b.length, i + limit); j++) {
      const d = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        over,
      );
      current[j] = d;
      if (d < rowBest) rowBest = d;
    }
    if (rowBest > limit) return over;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/**
 * Environment variables that look like a misspelt setting (`OFLINE_HANDOVER`): a name within two
 * edits of a known one, or a known one in another case. Each warning names the closest known setting.
 * A misspelt setting is otherwise silently ignored and its default applies. Runs once per cold start
 * over the whole environment, so each comparison is bounded (distanceWithin).
 */
export function misspeltSettings(
  env: Record<string, string | undefined>,
  known: readonly string[] = Object.keys(ConfigSchema.shape),
): string[] {
  const knownSet = new Set(known);
  const warnings: string[] = [];
  for (const variable of Object.keys(env)) {
    const name = variable.replace(/^SST_(Secret|Parameter)_value_/, "");
    if (knownSet.has(name) || name.length < 6) continue;
    const upper = name.toUpperCase();
    let closest: string | undefined;
    let best = 3;
    for (const candidate of known) {
      if (best === 0) break;
      const d = distanceWithin(upper, candidate, Math.min(2, best - 1));
      if (d < best) [closest, best] = [candidate, d];
    }
    if (closest !== undefined && best <= 2) {
      warnings.push(`${variable} is not a setting and is ignored; did you mean ${closest}?`);
    }
  }
  return warnings;
}

/** The settings whose value differs from the default (secrets by name only), for a start-up banner. */
export function nonDefaultSettings(config: object, schema: z.ZodMiniObject = ConfigSchema): string[] {
  const lines: string[] = [];
  for (const [name, setting] of Object.entries(schema.shape as Record<string, AnySchema>)) {
    const value = (config as Record<string, unknown>)[name];
    const fallback = z.safeParse(setting, undefined);
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
  const checked = settingProblems(ConfigSchema, values);
  for (const [name, problem] of checked.problems) if (!problems.has(name)) problems.set(name, problem);
  for (const secret of requiredSecrets) {
    if (values[secret] === undefined && !problems.has(secret)) problems.set(secret, `${secret} is missing`);
  }
  if (problems.size > 0 || checked.data === undefined) {
    throw new ConfigError(`caic-handover configuration: ${[...problems.values()].join("; ")}`);
  }
  return checked.data as ConfigWith<S>;
}
