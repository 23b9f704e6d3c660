import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { SECRET_NAMES, type SecretName } from "@caic-handover/core/config/config";
import { ROUTES, type RouteSpec, routeKeyName } from "@caic-handover/functions/routes";
import { type AwsAccess, awsAccess, stageSecrets } from "./aws";
import { readEnvFile } from "./env-file";
import { PROJECT_ROOT, SETTING_NAMES } from "./local-defaults";
import { SetupGuideError } from "./setup-guide/document";
import { APP, outputUrl, parseOutputs, stageOutputs } from "./setup-guide/targets";

/**
 * A deployed stage as `npm run check` and `npm run chat` see it: its route URLs and outputs from
 * `.sst/outputs.json` (or only `--api-url`), its settings from `.env.<stage>` under the shell's, its
 * secrets from SSM, and the key each route takes, from the route table (`routeKeyName`).
 */
export interface Stage {
  name: string | undefined;
  /** Each route's URL without query, by output name. */
  urls: Record<string, string>;
  outputs: Record<string, string>;
  region: string | undefined;
  /** `.env.<stage>` under the shell's environment. */
  env: Record<string, string | undefined>;
}

export interface StageOptions {
  stage?: string;
  apiUrl?: string;
  outputs?: string;
}

const readIfPresent = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
};

/** The region of an `execute-api` URL or an ARN. */
const regionOf = (text: string | undefined) =>
  text === undefined
    ? undefined
    : (/\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(text)?.[1] ??
      /^arn:aws[^:]*:[^:]+:([a-z0-9-]+):/.exec(text)?.[1]);

export function resolveStage(options: StageOptions, shell: Record<string, string | undefined>): Stage {
  const fileEnv = options.stage
    ? (readEnvFile(resolve(PROJECT_ROOT, `.env.${options.stage}`), `.env.${options.stage}`, SETTING_NAMES) ?? {})
    : {};
  const env = { ...fileEnv, ...shell };
  if (options.apiUrl) {
    if (!/^https?:\/\/[^\s/]+/.test(options.apiUrl)) {
      throw new SetupGuideError(`--api-url must be an http(s) URL, not ${options.apiUrl}`);
    }
    const base = options.apiUrl.replace(/\/+$/, "");
    return {
      name: options.stage,
      urls: Object.fromEntries(ROUTES.map((route) => [route.output, `${base}${route.path}`])),
      outputs: {},
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? regionOf(base),
      env,
    };
  }
  const file = options.outputs ?? resolve(PROJECT_ROOT, ".sst/outputs.json");
  const picked = stageOutputs(parseOutputs(readIfPresent(file), file), options.stage, file);
  return {
    name: picked.stage,
    urls: Object.fromEntries(ROUTES.map((route) => [route.output, outputUrl(picked.outputs, route, file)])),
    outputs: picked.outputs,
    region:
      env.AWS_REGION ??
      env.AWS_DEFAULT_REGION ??
      regionOf(picked.outputs.ApiUrl) ??
      regionOf(picked.outputs.AlarmTopicArn) ??
      regionOf(Object.values(picked.outputs).find((value) => value.includes("execute-api"))),
    env,
  };
}

/** The stage's secrets: from SSM with --stage, else from the environment (never printed). */
export async function secretsOf(
  stage: Stage,
): Promise<{ values: Partial<Record<SecretName, string>>; source: string; access?: AwsAccess }> {
  if (stage.name === undefined) {
    const values: Partial<Record<SecretName, string>> = {};
    for (const name of SECRET_NAMES) if (stage.env[name]) values[name] = stage.env[name];
    return { values, source: "the environment (no --stage: SSM not read)" };
  }
  if (stage.region === undefined) throw new SetupGuideError("no AWS region: set AWS_REGION");
  const access = await awsAccess(stage.env, stage.region);
  return { values: await stageSecrets(access, APP, stage.name, SECRET_NAMES), source: "SSM", access };
}

/** The key a route's caller presents, looked up from the route table. */
export const keyFor = (route: RouteSpec, secrets: Partial<Record<SecretName, string>>) => secrets[routeKeyName(route)];

/** A route's URL with a chat id in place, and the key where the route wants it. */
export function routeRequest(stage: Stage, route: RouteSpec, key: string | undefined, chatId?: string) {
  const url = new URL(stage.urls[route.output]!.replace("{chatId}", encodeURIComponent(chatId ?? "")));
  const headers: Record<string, string> = {};
  if (key !== undefined) {
    if (route.keyIn === "query") url.searchParams.set("key", key);
    else headers["x-handover-key"] = key;
  }
  return { url, headers };
}
