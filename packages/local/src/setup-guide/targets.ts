import type { OfflineHandover } from "@caic-handover/core/config/config";
import { KEY_NAMES, type KeyName } from "@caic-handover/core/config/config";
import { ROUTES, type RouteSpec } from "@caic-handover/functions/routes";
import { LOCAL_DEFAULTS, localBaseUrl } from "../local-defaults";
import { SetupGuideError } from "./document";

export const APP = "caic-handover";

// Where the guide points: a deployed stage (outputs or --api-url) or `npm start`.

export interface Target {
  /** What the guide is for, in one line. */
  describe: string;
  /** Each route's URL without query, by the route's stack output name. */
  urls: Record<string, string>;
  dashboardUrl: string | undefined;
  /** The callers' keys themselves, only with --show-key. */
  keys: Partial<Record<KeyName, string>> | undefined;
  /** Where to find a key when it is not shown. */
  keySource: (name: KeyName) => string;
  /** How a deploy parameter such as WEB_CONVERSATIONS_HANDOVER_URL is set for this target. */
  setParameter: (name: string) => string;
  /** OFFLINE_HANDOVER of the target: with `message` the dialog gets its leave-a-message branch. */
  offlineHandover: OfflineHandover;
  /** How a secret such as CM_PRODUCT_TOKEN is set for this target. */
  setSecret: (name: string) => string;
  /** Why CM.com cannot call these URLs and what to do instead, when they point at this machine. */
  unreachable: string | undefined;
}

export interface GuideOptions {
  outputs?: string;
  stage?: string;
  apiUrl?: string;
  local?: boolean;
  showKey?: boolean;
}

const routeUrls = (base: string) =>
  Object.fromEntries(ROUTES.map((route) => [route.output, `${base.replace(/\/+$/, "")}${route.path}`]));

/** Hosts only this machine reaches: CM.com's cloud cannot call them. */
const isLoopback = (url: string) => {
  const host = URL.canParse(url) ? new URL(url).hostname : "";
  return host === "localhost" || host === "[::1]" || host === "0.0.0.0" || /^127\./.test(host);
};

/** Said wherever a loopback URL is offered for CAIC or the Router. */
export const unreachableFromCm = (base: string) =>
  `CM.com's cloud cannot call ${base}: these URLs work from this machine only. To wire CAIC and the Router, use a deployed stage (\`npm run setup-guide -- --stage <stage>\`), or expose the port through a tunnel of your choice and print the guide for it (\`npm run setup-guide -- --local --api-url https://<your tunnel>\`).`;

/** `npm start` on loopback: PORT, or --api-url; the key as `npm start` resolves it (shell, `.env`, default). */
/** OFFLINE_HANDOVER as the stage's output or the environment gives it; unset is `off`, as in the config. */
function offlineHandover(value: string | undefined, source: string): OfflineHandover {
  if (value === undefined || value === "") return "off";
  if (value === "off" || value === "message") return value;
  throw new SetupGuideError(`${source} OFFLINE_HANDOVER is off or message, not ${value}`);
}

export function localTarget(options: GuideOptions, env: Record<string, string | undefined>): Target {
  const base = options.apiUrl ?? localBaseUrl(env.PORT || LOCAL_DEFAULTS.PORT);
  const keys = Object.fromEntries(KEY_NAMES.map((name) => [name, env[name] || LOCAL_DEFAULTS[name]]));
  return {
    describe: `npm start on ${base}`,
    urls: routeUrls(base),
    dashboardUrl: undefined,
    keys: options.showKey ? keys : undefined,
    keySource: (name) => `${name} from your shell or \`.env\`, else the local default; \`npm start\` prints it`,
    setParameter: (name) => `\`${name}=…\` in \`.env\` (or the shell), then restart \`npm start\``,
    offlineHandover: offlineHandover(env.OFFLINE_HANDOVER, "the environment's"),
    setSecret: (name) =>
      `\`${name}=…\` in \`.env\` (or the shell), then restart \`npm start\` (unset, it uses a made-up local value)`,
    unreachable: isLoopback(base) ? unreachableFromCm(base) : undefined,
  };
}

/**
 * A deployed stage: every stack entry of that stage in `.sst/outputs.json`, merged; or only
 * --api-url. The keys are shown only when --show-key is given and each caller's key is set.
 */
export function deployedTarget(
  options: GuideOptions,
  env: Record<string, string | undefined>,
  outputsText?: string,
): Target {
  let stage = options.stage;
  let urls: Record<string, string>;
  let dashboardUrl: string | undefined;
  let from: string;
  let offline = offlineHandover(env.OFFLINE_HANDOVER, "the environment's");
  if (options.apiUrl) {
    urls = routeUrls(options.apiUrl);
    from = `--api-url ${options.apiUrl}`;
  } else {
    const file = options.outputs ?? ".sst/outputs.json";
    const picked = stageOutputs(parseOutputs(outputsText, file), stage, file);
    stage = picked.stage;
    urls = Object.fromEntries(ROUTES.map((route) => [route.output, outputUrl(picked.outputs, route, file)]));
    dashboardUrl = picked.outputs.DashboardUrl;
    // The stage says what it was deployed with; older stages have no such output.
    if (picked.outputs.OfflineHandover) offline = offlineHandover(picked.outputs.OfflineHandover, `${file}'s`);
    from = file;
  }
  const anyUrl = Object.values(urls)[0]!;
  const stageFlag = `--stage ${stage ?? "<stage>"}`;
  const secretCommand = (name: KeyName) => `npx sst secrets get ${name} ${stageFlag}`;
  const unknown = KEY_NAMES.filter((name) => !env[name]);
  if (options.showKey && unknown.length > 0) {
    throw new SetupGuideError(
      unknown.map((name) => `--show-key needs the key in ${name}; its value: ${secretCommand(name)}`).join("; "),
    );
  }
  return {
    describe: `${stage ? `stage ${stage}` : "a deployed stage"} (from ${from})`,
    urls,
    dashboardUrl,
    keys: options.showKey ? Object.fromEntries(KEY_NAMES.map((name) => [name, env[name]!])) : undefined,
    keySource: (name) => `the stage's ${name} secret: \`${secretCommand(name)}\``,
    setParameter: (name) => `\`${name}=…\` in \`.env.${stage ?? "<stage>"}\`, then \`npx sst deploy ${stageFlag}\``,
    setSecret: (name) => `\`npx sst secrets set ${name} '<value>' ${stageFlag}\``,
    offlineHandover: offline,
    unreachable: isLoopback(anyUrl) ? unreachableFromCm(new URL(anyUrl).origin) : undefined,
  };
}

export function parseOutputs(outputsText: string | undefined, file: string): Record<string, Record<string, string>> {
  if (outputsText === undefined) {
    throw new SetupGuideError(
      `${file} not found: deploy first (npx sst deploy --stage <stage>), or give --api-url <url>, or --local for npm start`,
    );
  }
  try {
    return JSON.parse(outputsText) as Record<string, Record<string, string>>;
  } catch {
    throw new SetupGuideError(`${file} is not JSON`);
  }
}

/** SST v2 names each entry `<stage>-<app>-<Stack>`; a stage's stacks are merged into one set of outputs. */
export function stageOutputs(all: Record<string, Record<string, string>>, wanted: string | undefined, file: string) {
  const byStage = new Map<string, Record<string, string>>();
  for (const [name, outputs] of Object.entries(all)) {
    const match = new RegExp(`^(.+)-${APP}-[^-]+$`).exec(name);
    if (match) byStage.set(match[1]!, { ...byStage.get(match[1]!), ...outputs });
  }
  const stages = [...byStage.keys()];
  const stage = wanted ?? (stages.length === 1 ? stages[0] : undefined);
  if (stage === undefined) {
    throw new SetupGuideError(
      stages.length === 0
        ? `${file} holds no ${APP} stage: deploy first`
        : `${file} holds several stages (${stages.join(", ")}): pick one with --stage`,
    );
  }
  const outputs = byStage.get(stage);
  if (!outputs) throw new SetupGuideError(`${file} holds no stage ${stage} (found: ${stages.join(", ") || "none"})`);
  return { stage, outputs };
}

/** A route's own output (its query, such as the key placeholder, is the guide's to add), else ApiUrl + path. */
export function outputUrl(outputs: Record<string, string>, route: RouteSpec, file: string): string {
  const own = outputs[route.output];
  if (own) return own.split("?")[0]!;
  if (outputs.ApiUrl) return `${outputs.ApiUrl.replace(/\/+$/, "")}${route.path}`;
  throw new SetupGuideError(`${file} has neither ${route.output} nor ApiUrl: deploy again`);
}
