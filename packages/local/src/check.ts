import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ConfigSchema,
  KEY_NAMES,
  MIN_WEBHOOK_KEY_LENGTH,
  PREVIOUS_KEY_NAMES,
  REQUIRED_SECRET_NAMES,
  type SecretName,
  sharedKeyProblems,
} from "@caic-handover/core/config/config";
import { ROUTES, type RouteSpec, routeKey, routeKeyName } from "@caic-handover/functions/routes";
import { isExpected, topicSubscriptions } from "./aws";
import { SetupGuideError } from "./setup-guide/document";
import { keyFor, resolveStage, routeRequest, type Stage, secretsOf } from "./stage";

/**
 * `npm run check -- --stage <stage>` (or `--api-url <url>`): before the real bot points at a stage,
 * one line per fact — each secret set, each route answering with its key and refusing without it,
 * the presence key accepted by CM's presence API (a real call), CM's URLs reachable over https, the
 * alarm topic's subscription confirmed. Exits 1 on any failure. Changes nothing on the stage: every
 * call with a key is one the route refuses (a body naming the chat twice) or only reads.
 */

const USAGE = `npm run check -- --stage <stage> [--outputs <file>]
       npm run check -- --api-url <url>   (secrets from the environment: each caller's key, MSC_PRESENCE_API_KEY)`;

const TIMEOUT_MS = 8000;
const PASSED = "ok  ";
const FAILED = "FAIL";

export interface CheckLine {
  ok: boolean;
  text: string;
}

const line = (ok: boolean, text: string): CheckLine => ({ ok, text });
export const formatLine = (checked: CheckLine) => `${checked.ok ? PASSED : FAILED}  ${checked.text}`;

/** A body every non-callback route refuses after the key (400): the chat id given twice. Nothing is changed. */
const REFUSED_BODY =
  '{"chatId":"00000000-0000-4000-8000-000000000000","chatId":"00000000-0000-4000-8000-000000000001"}';

async function call(url: URL, init: RequestInit): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    const cause = error instanceof Error ? (error.cause ?? error) : error;
    return { error: cause instanceof Error ? cause.message : String(cause) };
  }
}

/** The request that proves a route takes its key without changing anything. */
function probe(
  route: RouteSpec,
): { init: RequestInit; chatId?: string; expect: (status: number) => boolean } | undefined {
  // Every call with the key is passed on to Web Conversations: not made.
  if (route.function === "handover-notification") return undefined;
  const json = { "content-type": "application/json" };
  if (route.function === "router-events") {
    // Acknowledged and ignored: an event of no known type names no chat.
    return { init: { method: "POST", headers: json, body: '{"conversationEvents":[]}' }, expect: (s) => s === 200 };
  }
  if (route.caller === "presence") {
    // The presence webhook names no chat: it asks presence (cached) and stores nothing.
    return { init: { method: "POST", headers: json, body: "{}" }, expect: (s) => s === 200 };
  }
  if (route.method === "GET") {
    // Reads only: an unknown chat is 404; availability with no chat asks presence and stores nothing.
    return { init: { method: "GET" }, chatId: randomUUID(), expect: (s) => s === 200 || s === 404 };
  }
  return {
    init: { method: route.method, headers: json, body: REFUSED_BODY },
    chatId: randomUUID(),
    expect: (s) => s === 400,
  };
}

async function checkRoute(
  stage: Stage,
  route: RouteSpec,
  key: string | undefined,
  otherKey: string | undefined,
): Promise<CheckLine> {
  const name = routeKey(route).padEnd(30);
  const without = routeRequest(stage, route, undefined, randomUUID());
  const refused = await call(without.url, {
    method: route.method,
    headers: { "content-type": "application/json" },
    body: route.method === "GET" ? undefined : "{}",
  });
  if ("error" in refused) return line(false, `${name} does not answer: ${refused.error}`);
  let refusesText =
    refused.status === 401 ? "refuses without its key (401)" : `answers ${refused.status} WITHOUT its key`;
  let refusesOther = true;
  if (otherKey !== undefined) {
    const other = routeRequest(stage, route, otherKey, randomUUID());
    const answer = await call(other.url, {
      method: route.method,
      headers: { "content-type": "application/json", ...other.headers },
      body: route.method === "GET" ? undefined : "{}",
    });
    refusesOther = !("error" in answer) && answer.status === 401;
    refusesText += refusesOther
      ? " and with another caller's key"
      : `, answers ${"error" in answer ? answer.error : answer.status} with ANOTHER caller's key`;
  }
  if (key === undefined)
    return line(false, `${name} ${refusesText}; not called with its key (${routeKeyName(route)} unknown)`);
  const proof = probe(route);
  if (proof === undefined) {
    return line(
      refused.status === 401 && refusesOther,
      `${name} ${refusesText}; not called with its key (every such call is passed on to Web Conversations)`,
    );
  }
  const withKey = routeRequest(stage, route, key, proof.chatId);
  const answered = await call(withKey.url, {
    ...proof.init,
    headers: { ...(proof.init.headers as Record<string, string>), ...withKey.headers },
  });
  if ("error" in answered)
    return line(false, `${name} ${refusesText}; with its key it does not answer: ${answered.error}`);
  const accepted = answered.status !== 401 && proof.expect(answered.status);
  const withText = accepted
    ? `answers with its key (${answered.status})`
    : answered.status === 401
      ? `REFUSES its key (401): the stage's ${routeKeyName(route)} is not the one given`
      : `answers ${answered.status} with its key`;
  return line(accepted && refused.status === 401 && refusesOther, `${name} ${withText}, ${refusesText}`);
}

/** How much of CM's answer a line quotes. */
const QUOTED_CHARACTERS = 80;
/** The shortest start of a secret hidden where a quote ends, and anywhere else. */
const MIN_HIDDEN_AT_END = 4;
const MIN_HIDDEN_INSIDE = 8;

/** Replaces each secret, and each start of one (8 characters, or 4 at the text's end), by `<key>`. */
function hideSecrets(text: string, forms: readonly string[]): string {
  let out = "";
  for (let at = 0; at < text.length; ) {
    let hidden = 0;
    for (const form of forms) {
      let length = 0;
      while (length < form.length && at + length < text.length && text[at + length] === form[length]) length++;
      const atEnd = at + length === text.length;
      if (
        (length === form.length || length >= MIN_HIDDEN_INSIDE || (atEnd && length >= MIN_HIDDEN_AT_END)) &&
        length > hidden
      )
        hidden = length;
    }
    if (hidden > 0) {
      out += "<key>";
      at += hidden;
    } else out += text[at++];
  }
  return out;
}

/**
 * What a line may quote of an answer: every secret (and its URL-encoded form) replaced by `<key>` first,
 * then cut, then a start of a secret left at the cut hidden too, so no secret shows in part wherever the
 * answer echoes it.
 */
export function quoteAnswer(text: string, secrets: readonly string[], limit = QUOTED_CHARACTERS): string {
  const forms = [...new Set(secrets.filter((secret) => secret.length > 0).flatMap((s) => [s, encodeURIComponent(s)]))];
  return hideSecrets(hideSecrets(text.trim(), forms).slice(0, limit), forms);
}

export async function checkPresence(
  env: Record<string, string | undefined>,
  apiKey: string | undefined,
  secrets: readonly string[] = apiKey === undefined ? [] : [apiKey],
): Promise<CheckLine> {
  if (apiKey === undefined) return line(false, "presence API: not called, MSC_PRESENCE_API_KEY is not set");
  const base = env.PRESENCE_API_URL || (ConfigSchema.shape.PRESENCE_API_URL.parse(undefined) as string);
  const url = new URL(base);
  url.searchParams.set("apikey", apiKey);
  url.searchParams.set("Channel", env.PRESENCE_CHANNEL || "WebChat");
  const answer = await call(url, { headers: { accept: "text/plain" } });
  const where = `presence API ${new URL(base).origin}`;
  if ("error" in answer) return line(false, `${where} did not answer: ${answer.error}`);
  const said = quoteAnswer(answer.text, [apiKey, ...secrets]);
  const ok = answer.status === 200 && /^(online|offline)$/i.test(said);
  return line(
    ok,
    ok
      ? `${where} accepted MSC_PRESENCE_API_KEY: answered ${answer.status} ${said}`
      : `${where} answered ${answer.status} ${JSON.stringify(said)}: MSC_PRESENCE_API_KEY is not accepted (or the URL is wrong)`,
  );
}

async function checkHttps(name: string, value: string | undefined): Promise<CheckLine> {
  if (!value) return line(false, `${name} is not set (in .env.<stage> or the shell)`);
  const url = new URL(value);
  if (url.protocol !== "https:") return line(false, `${name} ${url.origin} is not https`);
  const answer = await call(url, { method: "HEAD" });
  return "error" in answer
    ? line(false, `${name} ${url.origin} is not reachable over https: ${answer.error}`)
    : line(true, `${name} ${url.origin} is reachable over https (answered ${answer.status})`);
}

async function checkAlarmTopic(
  stage: Stage,
  access: Awaited<ReturnType<typeof secretsOf>>["access"],
): Promise<CheckLine> {
  const arn = stage.outputs.AlarmTopicArn;
  if (arn === undefined)
    return line(false, "alarm topic: no AlarmTopicArn output for this stage (give --stage with .sst/outputs.json)");
  if (access === undefined) return line(false, "alarm topic: not checked without AWS access (--stage)");
  try {
    const subscriptions = await topicSubscriptions(access, arn);
    const confirmed = subscriptions.filter((subscription) => subscription.confirmed);
    const pending = subscriptions.filter((subscription) => !subscription.confirmed);
    const list = (items: typeof subscriptions) => items.map((s) => `${s.protocol} ${s.endpoint}`).join(", ");
    if (confirmed.length > 0) return line(true, `alarm topic has a confirmed subscription: ${list(confirmed)}`);
    return line(
      false,
      pending.length > 0
        ? `alarm topic has no confirmed subscription: ${list(pending)} pending (confirm the e-mail AWS sent)`
        : "alarm topic has no subscription: set ALARM_EMAIL in .env.<stage> and deploy",
    );
  } catch (error) {
    return line(false, `alarm topic: ${(error as Error).message}`);
  }
}

export async function runCheck(
  args: readonly string[],
  shell: Record<string, string | undefined>,
): Promise<CheckLine[]> {
  let values: { stage?: string; "api-url"?: string; outputs?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        stage: { type: "string" },
        "api-url": { type: "string" },
        outputs: { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new SetupGuideError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help || (!values.stage && !values["api-url"])) throw new SetupGuideError(USAGE);
  const stage = resolveStage({ stage: values.stage, apiUrl: values["api-url"], outputs: values.outputs }, shell);
  const lines: CheckLine[] = [];
  let secrets: Awaited<ReturnType<typeof secretsOf>>;
  try {
    secrets = await secretsOf(stage);
    const keys: readonly string[] = [...KEY_NAMES, ...PREVIOUS_KEY_NAMES];
    // A key's previous value is optional (rotation); reported only while it is set.
    const shown: SecretName[] = [
      ...REQUIRED_SECRET_NAMES,
      ...PREVIOUS_KEY_NAMES.filter((name) => secrets.values[name]),
    ];
    for (const name of shown) {
      const value = secrets.values[name];
      const setCommand = `npx sst secrets set ${name} <value> --stage ${stage.name ?? "<stage>"}`;
      if (value === undefined) lines.push(line(false, `secret ${name} is not set in ${secrets.source}: ${setCommand}`));
      else if (keys.includes(name) && value.trim().length < MIN_WEBHOOK_KEY_LENGTH)
        lines.push(line(false, `secret ${name} is shorter than ${MIN_WEBHOOK_KEY_LENGTH} characters: ${setCommand}`));
      else if (keys.includes(name) && !ConfigSchema.shape[name].safeParse(value).success)
        lines.push(
          line(
            false,
            `secret ${name} is not a key the functions accept (letters, digits and . _ ~ + / = - only): ${setCommand}`,
          ),
        );
      else lines.push(line(true, `secret ${name} is set (${secrets.source})`));
    }
    // `sst secrets set` checks nothing: a value shared by two callers' keys would open one's routes to the other.
    for (const problem of sharedKeyProblems(secrets.values)) lines.push(line(false, `secrets: ${problem}`));
  } catch (error) {
    lines.push(line(false, `secrets cannot be read: ${(error as Error).message}`));
    secrets = { values: {}, source: "nowhere" };
  }
  for (const route of ROUTES) {
    // Another caller's key, which the route must refuse (keys scoped to callers).
    const other = KEY_NAMES.map((name) => secrets.values[name]).find(
      (value) => value !== undefined && value !== keyFor(route, secrets.values),
    );
    lines.push(await checkRoute(stage, route, keyFor(route, secrets.values), other));
  }
  const secretValues = Object.values(secrets.values).filter((value): value is string => typeof value === "string");
  lines.push(await checkPresence(stage.env, secrets.values.MSC_PRESENCE_API_KEY, secretValues));
  for (const name of ["ROUTING_API_URL", "PRESENCE_API_URL"] as const) {
    const fallback = ConfigSchema.shape[name].parse(undefined) as string;
    lines.push(await checkHttps(name, stage.env[name] || fallback));
  }
  lines.push(await checkHttps("WEB_CONVERSATIONS_HANDOVER_URL", stage.env.WEB_CONVERSATIONS_HANDOVER_URL));
  lines.push(await checkAlarmTopic(stage, secrets.access));
  return lines;
}

async function main() {
  try {
    const lines = await runCheck(process.argv.slice(2), process.env);
    for (const checked of lines) console.log(formatLine(checked));
    const failed = lines.filter((checked) => !checked.ok).length;
    console.log(failed === 0 ? "\nall checks passed" : `\n${failed} of ${lines.length} checks failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } catch (error) {
    if (!isExpected(error)) throw error;
    console.error(`check: ${error.message}`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
