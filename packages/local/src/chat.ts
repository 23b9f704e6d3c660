import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findRoute } from "@caic-handover/functions/routes";
import { awsAccess, isExpected, stageLogGroups } from "./aws";
import { SetupGuideError } from "./setup-guide/document";
import { APP } from "./setup-guide/targets";
import { keyFor, resolveStage, routeRequest, secretsOf } from "./stage";

/**
 * `npm run chat -- <chatId> --stage <stage>`: what happened to one chat. Its status and history
 * from the status route (names, e-mail addresses and questions masked, as that route gives them),
 * then the CloudWatch Logs Insights query for its log lines and a console link that runs it over
 * the stage's function log groups.
 */

const USAGE = "npm run chat -- <chatId> --stage <stage> [--outputs <file>] [--days <n>]   (or --api-url <url>)";

/** The Logs Insights query of one chat's lines: every function writes `chatId` on them. */
export function chatQuery(chatId: string): string {
  const quoted = chatId.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  return [
    "fields @timestamp, fn, level, message, status, mode, outcome, reason, result, problem, rule",
    `| filter chatId = "${quoted}"`,
    "| sort @timestamp asc",
    "| limit 200",
  ].join("\n");
}

/** The console's own encoding of a Logs Insights link: `*` for `%` inside, then the fragment escaped with `$`. */
const consoleEscape = (text: string) =>
  encodeURIComponent(text)
    .replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%", "*");

export function insightsLink(region: string, query: string, logGroups: readonly string[], days: number): string {
  const source = logGroups.map((group) => `~'${consoleEscape(group)}`).join("");
  const detail = `~(end~0~start~-${days * 86400}~timeType~'RELATIVE~unit~'seconds~editorString~'${consoleEscape(query)}~source~(${source}))`;
  const fragment = `logsV2:logs-insights?queryDetail=${detail}`.replaceAll("?", "$3F").replaceAll("=", "$3D");
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#${fragment}`;
}

interface ChatView {
  status: string;
  email: string | null;
  name: string | null;
  message: string | null;
  missing: string[];
  mode: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  history?: { at: string; status: string; detail?: string }[];
}

export async function chatReport(
  args: readonly string[],
  shell: Record<string, string | undefined>,
): Promise<string[]> {
  let parsed: ReturnType<typeof parse>;
  const parse = (list: string[]) =>
    parseArgs({
      args: list,
      strict: true,
      allowPositionals: true,
      options: {
        stage: { type: "string" },
        "api-url": { type: "string" },
        outputs: { type: "string" },
        days: { type: "string" },
      },
    });
  try {
    parsed = parse([...args]);
  } catch (error) {
    throw new SetupGuideError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const chatId = positionals[0];
  if (chatId === undefined || positionals.length > 1 || (!values.stage && !values["api-url"])) {
    throw new SetupGuideError(USAGE);
  }
  const days = Number(values.days ?? "3");
  if (!Number.isInteger(days) || days < 1 || days > 365)
    throw new SetupGuideError("--days is a whole number from 1 to 365");
  const stage = resolveStage({ stage: values.stage, apiUrl: values["api-url"], outputs: values.outputs }, shell);
  const secrets = await secretsOf(stage);
  const route = findRoute("GET", "/chats/{chatId}");
  const key = keyFor(route, secrets.values);
  if (key === undefined) throw new SetupGuideError(`the operator key is not set in ${secrets.source}`);
  const { url, headers } = routeRequest(stage, route, key, chatId);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(8000) });
  } catch (error) {
    throw new SetupGuideError(
      `${url.origin} did not answer: ${error instanceof Error ? (error.cause ?? error) : error}`,
    );
  }
  const lines = [`chat ${chatId} on ${stage.name ? `stage ${stage.name}` : url.origin}`];
  if (response.status === 404) {
    lines.push("status: not found (never seen, or its record expired INTAKE_TTL_HOURS after its last change)");
  } else if (response.status !== 200) {
    throw new SetupGuideError(`the status route answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  } else {
    const view = (await response.json()) as ChatView;
    lines.push(
      `status: ${view.status}${view.mode ? ` (mode ${view.mode})` : ""}${view.failureReason ? `, failure: ${view.failureReason}` : ""}`,
      `e-mail: ${view.email ?? "-"}   name: ${view.name ?? "-"}   question: ${view.message ?? "-"}   missing: ${view.missing.join(",") || "-"}`,
      `created ${view.createdAt}, last change ${view.updatedAt}, personal data expires ${view.expiresAt}`,
      "history:",
      ...(view.history ?? []).map(
        (entry) => `  ${entry.at}  ${entry.status}${entry.detail ? `  ${entry.detail}` : ""}`,
      ),
    );
  }
  const query = chatQuery(chatId);
  lines.push("", "CloudWatch Logs Insights query (the stage's function log groups):", query);
  if (stage.region !== undefined && stage.name !== undefined) {
    const access = secrets.access ?? (await awsAccess(stage.env, stage.region));
    const groups = await stageLogGroups(access, `/aws/lambda/${stage.name}-${APP}-`);
    lines.push(
      "",
      groups.length > 0
        ? `Console (last ${days} days, ${groups.length} log groups):`
        : `No log groups under /aws/lambda/${stage.name}-${APP}- yet; the console link selects none:`,
      insightsLink(stage.region, query, groups, days),
    );
  }
  return lines;
}

async function main() {
  try {
    for (const text of await chatReport(process.argv.slice(2), process.env)) console.log(text);
  } catch (error) {
    if (!isExpected(error)) throw error;
    console.error(`chat: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
