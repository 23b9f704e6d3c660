import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import {
  type Config,
  ConfigError,
  KEY_NAMES,
  type KeyName,
  loadConfig,
  misspeltSettings,
  nonDefaultSettings,
  REQUIRED_SECRET_NAMES,
  sharedKeyProblems,
} from "@caic-handover/core/config/config";
import { CALLERS, ROUTES, routeKeyName } from "@caic-handover/functions/routes";
import { KNOWN_SETTINGS, StackSettingsSchema, stackSettings } from "../../../stacks/settings";
import { CM_RATE_LIMITS, CmSimulator, parseRoutingFaults } from "./cm-simulator";
import { businessHoursIn, switchesFromSettings } from "./cm-switches";
import { CONSOLE_PATH, LocalConsole, tapMetricLines } from "./console";
import { coldStart, loadHandlers } from "./dispatch";
import { createChatTable, JavaMissingError, LOCAL_AWS_ENV, startDynamoDbLocal } from "./dynamodb-local";
import { applyDynamoDbFaults, type DynamoDbFault, DynamoDbProxy, parseDynamoDbFaults } from "./dynamodb-proxy";
import { type Gateway, startGateway } from "./gateway";
import { loadLocalEnv, PROJECT_ROOT } from "./local-defaults";
import { unreachableFromCm } from "./setup-guide/targets";
import { onStopRequest } from "./stop-request";

/**
 * `npm start`: the whole API on loopback, as API Gateway and Lambda would run it, with an embedded
 * DynamoDB Local and a simulated CM unless the environment points at real ones.
 */

const SHUTDOWN_LIMIT_MS = 5000;
/** The Node.js version the project documents; older ones are past their end of life. */
const NODE_MAJOR = 22;
const nodeMajor = Number(process.versions.node.split(".")[0]);
const CM_URLS = ["PRESENCE_API_URL", "ROUTING_API_URL", "WEB_CONVERSATIONS_HANDOVER_URL"] as const;

const running: Array<{ stop(): Promise<void> }> = [];
let stopping = false;

const starting = start().catch((error: unknown) => {
  console.error(`npm start: ${failureMessage(error)}`);
  void shutdown(1);
});
onStopRequest(() => void shutdown(0));

async function start() {
  const env = loadLocalEnv();
  for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) process.env[name] ??= value;
  // Funnel metrics are CloudWatch EMF lines: the console counts them; on a terminal they are noise unless asked for.
  const printMetrics = process.env.POWERTOOLS_METRICS_DISABLED === "false";
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  process.env.POWERTOOLS_LOG_LEVEL ??= "INFO";
  const config = loadConfig(process.env, REQUIRED_SECRET_NAMES);
  const shared = sharedKeyProblems(process.env);
  if (shared.length > 0) throw new ConfigError(`caic-handover configuration: ${shared.join("; ")}`);
  for (const warning of misspeltSettings(process.env, KNOWN_SETTINGS)) console.warn(`npm start: warning: ${warning}`);
  // The deploy's own settings do nothing here, but `sst deploy` would refuse a malformed one: said now.
  for (const problem of stackSettings(process.env).problems) {
    console.warn(`npm start: warning: ${problem}; a deploy setting, unused by npm start, that sst deploy refuses`);
  }
  const gatewayPort = port(env.PORT);
  const switches = switchesFromSettings(env);
  const ddbFaults = dynamoDbFaults(process.env.SIMULATE_DYNAMODB_FAULTS);

  const dynamoDb = await startDynamoDb(config, env.DATA_DIR);
  await createChatTable(dynamoDb.endpoint, config.TABLE_NAME).catch((error: Error) => {
    throw new ConfigError(
      `DynamoDB at ${dynamoDb.endpoint} did not create table ${config.TABLE_NAME}: ${error.message}`,
    );
  });
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
  if (ddbFaults.length > 0) {
    // The handlers reach DynamoDB through the fault proxy; the console reads it directly.
    const proxy = await new DynamoDbProxy(dynamoDb.endpoint).start();
    running.push(proxy);
    applyDynamoDbFaults(proxy, ddbFaults);
    process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
    dynamoDb.description += `; the handlers through a fault proxy ${proxy.endpoint} (SIMULATE_DYNAMODB_FAULTS=${process.env.SIMULATE_DYNAMODB_FAULTS})`;
  }

  const simulated = CM_URLS.filter((name) => !env[name]);
  const simulator =
    simulated.length > 0 ? await startSimulator(config, rateLimits(env.SIMULATE_CM_RATE_LIMITS)) : undefined;
  if (simulator) {
    const urls = {
      PRESENCE_API_URL: simulator.presenceUrl,
      ROUTING_API_URL: simulator.routingUrl,
      WEB_CONVERSATIONS_HANDOVER_URL: simulator.webConversationsUrl,
    };
    for (const name of simulated) process.env[name] = urls[name];
    simulateRoutingFaults(simulator, process.env.SIMULATE_CM_ROUTING_FAULTS);
  }

  const configuredHours = process.env.BUSINESS_HOURS || undefined;
  const hours = businessHoursIn(switches.businessHours, configuredHours);
  if (hours === undefined) delete process.env.BUSINESS_HOURS;
  else process.env.BUSINESS_HOURS = hours;
  const handlers = await loadHandlers();
  const inspectUrl = simulator?.inspectUrl;
  let apiUrl = "";
  const localConsole = new LocalConsole({
    simulator,
    switches,
    apiUrl: () => apiUrl,
    keys: Object.fromEntries(KEY_NAMES.map((name) => [name, config[name]!])) as Record<KeyName, string>,
    dynamoDbEndpoint: dynamoDb.endpoint,
    tableName: config.TABLE_NAME,
    offlineHandover: config.OFFLINE_HANDOVER,
    businessHours: configuredHours,
    coldStart: (fn) => coldStart(handlers, fn),
  });
  running.push({ stop: async () => localConsole.stop() });
  tapMetricLines(localConsole.tally, printMetrics);
  const gateway = await startGateway({
    handlers,
    port: gatewayPort,
    localPages: (req, body, res) => localConsole.serve(req, body, res),
    localInfo: {
      simulator: {
        inspectUrl,
        presenceControlUrl: simulated.includes("PRESENCE_API_URL") ? simulator?.presenceControlUrl : undefined,
      },
      offlineHandover: config.OFFLINE_HANDOVER,
      eraseCmHistory: config.ERASE_CM_HISTORY,
    },
  });
  running.push({ stop: gateway.close });
  apiUrl = gateway.url;
  const rateLimited = simulator?.presence.rateLimited ?? false;
  console.log(banner(gateway, config, dynamoDb.description, simulated, inspectUrl, rateLimited));
}

async function startDynamoDb(config: Config, dataDir: string | undefined) {
  if (config.DYNAMODB_ENDPOINT) {
    return {
      endpoint: config.DYNAMODB_ENDPOINT,
      description: `existing DynamoDB at ${config.DYNAMODB_ENDPOINT} (DYNAMODB_ENDPOINT)`,
    };
  }
  const path = dataDir ? resolve(PROJECT_ROOT, dataDir) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  const ddb = await startDynamoDbLocal({ dataDir: path });
  running.push(ddb);
  const storage = path ? `data kept in ${path}` : "in memory, DATA_DIR to keep data";
  return {
    endpoint: ddb.endpoint,
    description: `embedded DynamoDB Local ${ddb.endpoint} (${storage}; java pid ${ddb.pid})`,
  };
}

async function startSimulator(config: Config, rateLimited: boolean) {
  const simulator = new CmSimulator({
    presenceApiKey: config.MSC_PRESENCE_API_KEY!,
    productToken: config.CM_PRODUCT_TOKEN!,
    technicalLinkId: config.CM_TECHNICAL_LINK_ID,
    rateLimited,
    adapters: {
      client: config.ROUTER_CLIENT_ADAPTER_ID,
      bot: config.ROUTER_BOT_ADAPTER_ID,
      agent: config.ROUTER_AGENT_ADAPTER_ID,
    },
  });
  running.push(simulator);
  return simulator.start();
}

/** Settings the banner has a line of its own for. */
const SHOWN_ABOVE = ["BUSINESS_HOURS", "OFFLINE_HANDOVER", "TABLE_NAME", "DYNAMODB_ENDPOINT", ...CM_URLS];

/** `SIMULATE_CM_ROUTING_FAULTS=apply-late` (a comma list: one per request, the last standing; docs/local.md). */
function simulateRoutingFaults(simulator: CmSimulator, setting: string | undefined) {
  if (!setting) return;
  let faults: ReturnType<typeof parseRoutingFaults>;
  try {
    faults = parseRoutingFaults(setting);
  } catch (error) {
    throw new ConfigError(`SIMULATE_CM_ROUTING_FAULTS: ${(error as Error).message}`);
  }
  simulator.routing.behaviour.next(...faults.slice(0, -1));
  simulator.routing.behaviour.standing = faults.at(-1);
}

/** `SIMULATE_DYNAMODB_FAULTS=throttle:count=3:on=claim` (the DynamoDB fault proxy's kinds; docs/local.md). */
function dynamoDbFaults(setting: string | undefined): DynamoDbFault[] {
  if (!setting) return [];
  try {
    return parseDynamoDbFaults(setting);
  } catch (error) {
    throw new ConfigError(`SIMULATE_DYNAMODB_FAULTS: ${(error as Error).message}`);
  }
}

function banner(
  gateway: Gateway,
  config: Config,
  dynamoDb: string,
  simulated: readonly string[],
  inspectUrl: string | undefined,
  rateLimited: boolean,
) {
  // Each route's URL with its own caller's key where the caller puts it in the query (route table).
  const urlOf = (route: (typeof ROUTES)[number]) =>
    `${gateway.url}${route.path}${route.keyIn === "query" ? `?key=${encodeURIComponent(config[routeKeyName(route)]!)}` : ""}`;
  const urlWidth = Math.max(...ROUTES.map((route) => urlOf(route).length)) + 2;
  const line = (label: string, value: string) => `  ${label.padEnd(34)}${value}`;
  return [
    "",
    `caic-handover is running on ${gateway.url}`,
    "",
    ...ROUTES.map((route) => `  ${route.method.padEnd(7)}${urlOf(route).padEnd(urlWidth)}${route.calledBy}`),
    "",
    line("Header to add", "X-Handover-Key: the key of the route's caller  (URLs with ?key= carry it already)"),
    ...Object.values(CALLERS).map(({ key, who }) => line(`Local key (${key})`, `${config[key]}  ${who}`)),
    line("DynamoDB", `${dynamoDb}, table ${config.TABLE_NAME}`),
    line(
      "OFFLINE_HANDOVER",
      `${config.OFFLINE_HANDOVER}  (message: a visitor may leave a message while nobody is online)`,
    ),
    line("BUSINESS_HOURS", process.env.BUSINESS_HOURS?.trim() || "none (always open)"),
    ...nonDefaultSettings(config)
      .filter((setting) => !SHOWN_ABOVE.some((name) => setting.startsWith(`${name}=`)))
      .map((setting) => line("Changed from its default", setting)),
    // The deploy's own settings (POWERTOOLS_LOG_LEVEL works here too, so is not one of them here).
    ...nonDefaultSettings(stackSettings(process.env).data ?? {}, StackSettingsSchema)
      .filter((setting) => !setting.startsWith("POWERTOOLS_LOG_LEVEL="))
      .map((setting) => line("Applies at deploy only", setting)),
    ...CM_URLS.map((name) =>
      line(name, `${(simulated.includes(name) ? "simulated" : "configured").padEnd(12)}${process.env[name]}`),
    ),
    ...(inspectUrl ? [line("What the simulated CM received", inspectUrl)] : []),
    line("Console (open in a browser)", `${gateway.url}${CONSOLE_PATH}`),
    ...(rateLimited ? [line("Simulated presence rate limits", `${rateLimitsText()} (SIMULATE_CM_RATE_LIMITS)`)] : []),
    "",
    unreachableFromCm(gateway.url),
    ...(nodeMajor < NODE_MAJOR
      ? [
          "",
          `Node.js ${process.versions.node} is past its end of life: use Node.js ${NODE_MAJOR} (README, Quick start).`,
        ]
      : []),
    "",
    "Try it: `npm run demo` in a second shell. Ctrl-C stops everything.",
    "",
  ].join("\n");
}

/** CM's limits as the banner shows them: `3/s, 180/min, …`. */
function rateLimitsText(): string {
  const per: Record<number, string> = { 1000: "s", 60000: "min", 3600000: "h", 86400000: "day" };
  return CM_RATE_LIMITS.map(({ requests, perMs }) => `${requests}/${per[perMs]}`).join(", ");
}

/** `SIMULATE_CM_RATE_LIMITS=true` limits the simulated presence to CM's documented rates. */
function rateLimits(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new ConfigError(`SIMULATE_CM_RATE_LIMITS is invalid: ${value} (true or false)`);
}

function port(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT is invalid: ${value}`);
  return port;
}

function failureMessage(error: unknown): string {
  if (error instanceof JavaMissingError || error instanceof ConfigError) return error.message;
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    return `port ${process.env.PORT} is in use: stop what runs there or set PORT to another port.`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Stops everything started (Java included) and exits; never takes longer than the limit. */
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), SHUTDOWN_LIMIT_MS).unref();
  await starting;
  await Promise.allSettled(running.map((part) => part.stop()));
  process.exit(code);
}
