import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { DeleteItemCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { maskEmail, maskMessage, maskName } from "@caic-handover/core/chat";
import { CHAT_TABLE } from "@caic-handover/core/chat-store-dynamodb";
import type { KeyName } from "@caic-handover/core/config";
import { DIMENSION_VALUES, FUNNEL, METRIC_NAMES, Metric, type MetricName } from "@caic-handover/core/metrics";
import { PRESENCE_KEY_PREFIX } from "@caic-handover/core/presence-store-dynamodb";
import { ROUTES, routeKeyName } from "@caic-handover/functions/routes";
import type { CmSimulator } from "./cm-simulator";
import { applySwitches, businessHoursIn, parseSwitches, SWITCHES, type Switches } from "./cm-switches";
import { clientDefaults } from "./dynamodb-local";
import { KEY_HEADER, ROUTE_GUIDE } from "./setup-guide/route-steps";

/**
 * The local console `npm start` serves on its own loopback port (never deployed): the funnel from the
 * metric lines the functions emitted, the chats as the status route shows them, what the simulated CM
 * received, its switches, and a visitor panel. The page is static (console/); it reads `state`.
 */
export const CONSOLE_PATH = "/__console";
const ASSETS: Record<string, { file: string; type: string }> = {
  [CONSOLE_PATH]: { file: "index.html", type: "text/html; charset=utf-8" },
  [`${CONSOLE_PATH}/console.js`]: { file: "console.js", type: "text/javascript; charset=utf-8" },
  [`${CONSOLE_PATH}/console.css`]: { file: "console.css", type: "text/css; charset=utf-8" },
};

/** The setup guide's callouts the visitor panel makes (the bot's), and the Router's Handover Endpoint. */
export const VISITOR_CALLOUTS: readonly string[] = [
  "CaicEventUrl",
  "AvailabilityUrl",
  "IntakeEmailUrl",
  "IntakeNameUrl",
  "IntakeMessageUrl",
  "HandoverUrl",
  "RouterHandoverEndpointUrl",
];

/** The Router's default handover template with an empty context (`"context":}` is not valid JSON), as the demo sends it. */
const routerNotification = (chatId: string) =>
  `{"chatId":${JSON.stringify(chatId)},"sessionId":"console-session","channel":"CXWebConversations","conversationHostId":"console-host","conversationClientId":"console-client","context":}`;

export interface ConsoleOptions {
  simulator?: CmSimulator;
  switches: Switches;
  /** The API's own URL and its callers' keys: chats are read through the status route (operator key), so they are masked as it masks them. */
  apiUrl: () => string;
  keys: Record<KeyName, string>;
  dynamoDbEndpoint: string;
  tableName: string;
  /** Starts a function anew (a new instance: empty memory, config read from the environment again). */
  coldStart: (fn: "availability") => Promise<void>;
  /** BUSINESS_HOURS as configured, for the business-hours switch's `configured` position. */
  businessHours: string | undefined;
  /** OFFLINE_HANDOVER: whether the dialog goes on to a message while nobody is online. */
  offlineHandover: "off" | "message";
}

/** Counts of every metric of the metric table, read from the EMF lines the functions wrote. */
export class MetricTally {
  readonly counts = new Map<string, number>();
  /** Takes one EMF line; false when the line is not a metric line. */
  take(line: string): boolean {
    if (!line.startsWith('{"_aws"')) return false;
    try {
      const emf = JSON.parse(line) as Record<string, unknown>;
      for (const name of METRIC_NAMES) {
        // A zero is no event: HandoverConfirmed is published as 0 beside every request awaiting confirmation.
        if (emf[name] === undefined || emf[name] === 0) continue;
        const dimension = Metric[name].dimension;
        const value = dimension === undefined ? undefined : emf[dimension];
        this.#add(name, typeof value === "string" ? value : undefined);
      }
      return true;
    } catch {
      return false;
    }
  }
  #add(name: MetricName, dimensionValue: string | undefined) {
    for (const key of dimensionValue === undefined ? [name] : [name, `${name}:${dimensionValue}`]) {
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
  /** The funnel in the dashboard's order, then every other metric with its count per dimension value. */
  view() {
    const count = (key: string) => this.counts.get(key) ?? 0;
    const byValue = (name: MetricName) => {
      const dimension = Metric[name].dimension;
      if (dimension === undefined) return [];
      const seen = [...this.counts.keys()].filter((key) => key.startsWith(`${name}:`)).map((key) => key.split(":")[1]!);
      const values = [...new Set([...(DIMENSION_VALUES[dimension as keyof typeof DIMENSION_VALUES] ?? []), ...seen])];
      return values.map((value) => ({ value, count: count(`${name}:${value}`) })).filter((entry) => entry.count > 0);
    };
    return {
      funnel: FUNNEL.map((name) => ({ name, count: count(name) })),
      others: METRIC_NAMES.filter((name) => !FUNNEL.includes(name)).map((name) => ({
        name,
        dimension: Metric[name].dimension ?? null,
        count: count(name),
        byValue: byValue(name),
      })),
    };
  }
}

/**
 * Counts every EMF line written to stdout (the functions write them there, as Lambda does) and lets
 * it through only when `print` is set (`POWERTOOLS_METRICS_DISABLED=false`).
 */
export function tapMetricLines(tally: MetricTally, print: boolean): void {
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : undefined;
    if (text !== undefined && tally.take(text.trimEnd()) && !print) return true;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}

const EMAIL = /[^\s@"'<>(),;:{}[\]\\]+@[^\s@"'<>(),;:{}[\]\\]+\.[^\s@"'<>(),;:{}[\]\\]+/g;

/** Personal data in what CM received, masked the way the status route masks a chat's. */
export function maskPersonal(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (/^e-?mail$/i.test(key)) return maskEmail(value);
    if (/^name$/i.test(key)) return maskName(value);
    if (/^(message|question)$/i.test(key)) return maskMessage(value);
    const parsed = jsonObject(value);
    if (parsed !== undefined) return JSON.stringify(maskPersonal(parsed));
    return value
      .replace(/("name"\s*:\s*")([^"]*)(")/gi, (_, open, name, close) => `${open}${maskName(name)}${close}`)
      .replace(EMAIL, (email) => maskEmail(email));
  }
  if (Array.isArray(value)) return value.map((item) => maskPersonal(item));
  if (typeof value === "object" && value !== null) {
    // An intake answer's `value` is the field it names.
    const field = (value as { field?: unknown }).field;
    const keyOf = (k: string) => (k === "value" && typeof field === "string" ? field : k);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonal(v, keyOf(k))]));
  }
  return value;
}

function jsonObject(text: string): object | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export class LocalConsole {
  readonly tally = new MetricTally();
  readonly #dynamoDb: DynamoDBClient;
  #switches: Switches;

  constructor(readonly options: ConsoleOptions) {
    this.#switches = options.switches;
    this.#dynamoDb = new DynamoDBClient({ ...clientDefaults(), endpoint: options.dynamoDbEndpoint });
    if (options.simulator) applySwitches(options.simulator, this.#switches);
  }

  /** Serves a console request; false when the path is not the console's. */
  async serve(method: string, url: string, body: Buffer, res: ServerResponse): Promise<boolean> {
    const path = url.split("?")[0]!;
    if (!path.startsWith(CONSOLE_PATH)) return false;
    const asset = ASSETS[path];
    if (method === "GET" && asset) {
      const file = readFileSync(new URL(`./console/${asset.file}`, import.meta.url));
      res.writeHead(200, { "content-type": asset.type, "cache-control": "no-store" });
      res.end(file);
      return true;
    }
    const [status, answer] = await this.#answer(method, path, body.toString("utf8"));
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(answer));
    return true;
  }

  async #answer(method: string, path: string, body: string): Promise<[number, unknown]> {
    if (method === "GET" && path === `${CONSOLE_PATH}/state`) return [200, await this.state()];
    if (method === "POST" && path === `${CONSOLE_PATH}/callout`) {
      const request = jsonObject(body) as { output?: unknown; variables?: unknown } | undefined;
      const variables = request?.variables;
      const valid =
        typeof variables === "object" &&
        variables !== null &&
        Object.values(variables).every((value) => typeof value === "string");
      const made =
        valid &&
        typeof request?.output === "string" &&
        (await this.callout(request.output, variables as Record<string, string>));
      if (!made)
        return [400, { message: `output one of ${VISITOR_CALLOUTS.join(", ")}; variables an object of strings` }];
      return [200, made];
    }
    if (method === "PUT" && path === `${CONSOLE_PATH}/switches`) {
      const parsed = parseSwitches(jsonObject(body) ?? null);
      if (typeof parsed === "string") return [400, { message: parsed }];
      const cmSwitch = parsed.agents ?? parsed.presence ?? parsed.routing;
      if (cmSwitch && !this.options.simulator) return [409, { message: "the CM is not simulated in this run" }];
      await this.setSwitches(parsed);
      return [200, { switches: this.#switches }];
    }
    return [404, { message: "Not Found" }];
  }

  /**
   * Takes effect on the next call. A change to presence also empties the presence cache (the answer
   * shared in the table, and the availability function's memory by starting it anew), so the next
   * availability answer asks the simulator instead of serving the answer cached under the old
   * position. Business hours start the availability function anew with the switched BUSINESS_HOURS.
   */
  async setSwitches(change: Partial<Switches>): Promise<void> {
    const presenceChanged = change.agents !== undefined || change.presence !== undefined;
    this.#switches = { ...this.#switches, ...change };
    if (this.options.simulator) applySwitches(this.options.simulator, this.#switches);
    if (change.businessHours !== undefined) {
      const hours = businessHoursIn(change.businessHours, this.options.businessHours);
      if (hours === undefined) delete process.env.BUSINESS_HOURS;
      else process.env.BUSINESS_HOURS = hours;
    }
    if (presenceChanged) await this.#clearPresenceCache();
    if (presenceChanged || change.businessHours !== undefined) await this.options.coldStart("availability");
  }

  /**
   * One of the setup guide's callouts (its route-table output name), built from the guide's own entry
   * with the dialog's variables filled in, and the Router's notification; request and answer masked.
   */
  async callout(output: string, variables: Record<string, string>) {
    const route = ROUTES.find((candidate) => candidate.output === output);
    const entry = ROUTE_GUIDE[output];
    if (!route || !entry || !VISITOR_CALLOUTS.includes(output)) return undefined;
    const fill = (template: string) => template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => variables[name] ?? "");
    const query = Object.entries(entry.query ?? {}).map(
      ([name, value]) => `${name}=${encodeURIComponent(fill(value))}`,
    );
    const path = `${route.path}${query.length > 0 ? `?${query.join("&")}` : ""}`;
    const [body, contentType] =
      output === "RouterHandoverEndpointUrl"
        ? [routerNotification(variables.chatId ?? ""), "application/json"]
        : entry.body
          ? [
              JSON.stringify(Object.fromEntries(Object.entries(entry.body).map(([k, v]) => [k, fill(v)]))),
              "application/json",
            ]
          : entry.textBody
            ? [fill(entry.textBody), "text/plain; charset=utf-8"]
            : [undefined, undefined];
    // Each route with its own caller's key, from the route table.
    const key = this.options.keys[routeKeyName(route)];
    const keyQuery = route.keyIn === "query" ? `${query.length > 0 ? "&" : "?"}key=${encodeURIComponent(key)}` : "";
    const response = await fetch(`${this.options.apiUrl()}${path}${keyQuery}`, {
      method: route.method,
      headers: {
        ...(route.keyIn === "header" ? { [KEY_HEADER]: key } : {}),
        ...(contentType ? { "content-type": contentType } : {}),
      },
      body,
    });
    const answer = await response.text();
    return {
      output,
      title: entry.title,
      request: {
        method: route.method,
        path,
        // A plain-text body is the one dialog variable it names (`{{email}}`): masked as that field.
        body: maskPersonal(
          body === undefined ? null : (jsonObject(body) ?? body),
          /\w+/.exec(entry.textBody ?? "")?.[0],
        ),
      },
      status: response.status,
      answer: maskPersonal(jsonObject(answer) ?? answer),
    };
  }

  async state() {
    return {
      switches: this.#switches,
      offlineHandover: this.options.offlineHandover,
      positions: SWITCHES,
      simulated: this.options.simulator !== undefined,
      metrics: this.tally.view(),
      chats: await this.#chats(),
      received: this.options.simulator ? maskPersonal(this.options.simulator.received()) : null,
    };
  }

  /** Every chat, newest first, as `GET /chats/{chatId}` answers it. */
  async #chats() {
    const ids = (await this.#scan()).filter((id) => !id.startsWith(PRESENCE_KEY_PREFIX));
    const views = await Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`${this.options.apiUrl()}/chats/${encodeURIComponent(id)}`, {
          headers: { "x-handover-key": this.options.keys.OPERATOR_KEY },
        });
        return response.ok ? ((await response.json()) as { createdAt: string }) : undefined;
      }),
    );
    return views.filter((view) => view !== undefined).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async #scan(): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.#dynamoDb.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ProjectionExpression: "#key",
          ExpressionAttributeNames: { "#key": CHAT_TABLE.partitionKey },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item[CHAT_TABLE.partitionKey]?.S;
        if (id) ids.push(id);
      }
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return ids;
  }

  async #clearPresenceCache() {
    const keys = (await this.#scan()).filter((id) => id.startsWith(PRESENCE_KEY_PREFIX));
    await Promise.all(
      keys.map((id) =>
        this.#dynamoDb.send(
          new DeleteItemCommand({ TableName: this.options.tableName, Key: { [CHAT_TABLE.partitionKey]: { S: id } } }),
        ),
      ),
    );
  }

  stop(): void {
    this.#dynamoDb.destroy();
  }
}
