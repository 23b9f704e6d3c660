import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { DeleteItemCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { maskEmail, maskMessage, maskName } from "@caic-handover/core/chat/chat";
import type { KeyName } from "@caic-handover/core/config/config";
import { CHAT_TABLE, PRESENCE_KEY_PREFIX } from "@caic-handover/core/dynamodb/table";
import { DIMENSION_VALUES, FUNNEL, METRIC_NAMES, Metric, type MetricName } from "@caic-handover/core/shared/metrics";
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
/** An EMF value: a number, or an array of them (summed). */
function amountOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + (typeof v === "number" ? v : 0), 0);
  return 1;
}

export class MetricTally {
  readonly counts = new Map<string, number>();
  /** Takes one EMF line; false when the line is not a metric line. */
  take(line: string): boolean {
    if (!line.startsWith('{"_aws"')) return false;
    try {
      const emf = JSON.parse(line) as Record<string, unknown>;
      for (const name of METRIC_NAMES) {
        if (emf[name] === undefined) continue;
        const dimension = Metric[name].dimension;
        const value = dimension === undefined ? undefined : emf[dimension];
        // A metric's value, not its line: HandoverConfirmed rides as 0 beside every HandoverRequested.
        this.#add(name, typeof value === "string" ? value : undefined, amountOf(emf[name]));
      }
      return true;
    } catch {
      return false;
    }
  }
  #add(name: MetricName, dimensionValue: string | undefined, amount: number) {
    for (const key of dimensionValue === undefined ? [name] : [name, `${name}:${dimensionValue}`]) {
      this.counts.set(key, (this.counts.get(key) ?? 0) + amount);
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

// The local part stops at URL punctuation, so an address in a URL's query is masked and the URL kept.
const EMAIL = /[^\s@"'<>(),;:{}[\]\\/?=&#]+@[^\s@"'<>(),;:{}[\]\\]+\.[^\s@"'<>(),;:{}[\]\\]+/g;

/** E-mail addresses in free text (a referrer, a problem), masked; nothing else changed. */
const maskAddresses = (text: string) => text.replace(EMAIL, (email) => maskEmail(email));

/** Shown instead of a body that is not JSON: its size and type, never its text. */
export const notShown = (text: string, contentType?: string) =>
  `[${text.length} characters${contentType ? ` of ${contentType.split(";")[0]}` : ""}, not JSON: not shown]`;

/**
 * What a visitor typed, masked the way the status route masks a chat's: the fields a visitor fills
 * (known values, an intake answer's text, the Context's name, email, message and CustomerInfo),
 * wherever the backend sends them. For what the backend sends CM and what the bot sends the API:
 * there a `message` is the visitor's question. An answer's `message` is the bot's: see `maskAnswer`.
 */
export function maskPersonal(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (/^e-?mail$/i.test(key)) return maskEmail(value);
    if (/^name$/i.test(key)) return maskName(value);
    if (/^(message|question)$/i.test(key)) return maskMessage(value);
    if (/^customerinfo$/i.test(key)) {
      const info = jsonObject(value);
      return info === undefined ? notShown(value) : JSON.stringify(maskPersonal(info));
    }
    const parsed = jsonObject(value);
    return parsed === undefined ? maskAddresses(value) : JSON.stringify(maskPersonal(parsed));
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

/** A body received as text: masked when it is JSON, otherwise only its size and type (it may hold anything). */
export function maskBody(text: string, contentType?: string): unknown {
  const parsed = jsonObject(text);
  return parsed === undefined ? notShown(text, contentType) : maskPersonal(parsed);
}

/**
 * An answer of the API to the bot: its texts (`message`, `opensAtText`) are the catalogue's, shown as
 * they are; only an intake answer's `value` (the visitor's normalised answer) is masked, as its field.
 */
export function maskAnswer(answer: unknown): unknown {
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) return answer;
  const { field, value } = answer as { field?: unknown; value?: unknown };
  if (typeof field !== "string" || typeof value !== "string") return answer;
  return { ...answer, value: maskPersonal(value, field) };
}

/** What the simulated CM received, each part masked by what it holds. */
export function maskReceived(received: ReturnType<CmSimulator["received"]>) {
  return {
    ...received,
    presence: received.presence.map((call) => ({
      ...call,
      referrer: call.referrer === null ? null : maskAddresses(call.referrer),
    })),
    mutationRequests: received.mutationRequests.map((call) => ({
      ...call,
      body:
        typeof call.body === "string"
          ? maskBody(call.body, call.headers["content-type"] as string)
          : maskPersonal(call.body),
    })),
    // The Router's notification is its template filled in: often not JSON, and then not shown at all.
    webConversationsHandovers: received.webConversationsHandovers.map((call) => ({
      ...call,
      body: maskBody(call.body, call.contentType),
    })),
  };
}

function jsonObject(text: string): object | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The hosts the console answers on: loopback, on the port it is served on (no other name, no tunnel). */
export const consoleHosts = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];

/**
 * Why a console request is refused, or undefined when it may be served. The console calls the API
 * with the server's own key, so it answers only its own loopback page: any other Host (DNS
 * rebinding, a tunnel) is a 403; a change (PUT, POST) must be `application/json` (415: a cross-site
 * form or "simple" request cannot send it without a preflight) and come from no other origin (403).
 */
export function consoleRefusal(
  method: string,
  headers: IncomingHttpHeaders,
  port: number,
): [status: number, message: string] | undefined {
  const hosts = consoleHosts(port);
  if (!hosts.includes(headers.host?.toLowerCase() ?? "")) {
    return [403, `the console answers only on ${hosts.join(", ")}`];
  }
  if (method === "GET" || method === "HEAD") return undefined;
  const origin = headers.origin;
  if (origin !== undefined && !hosts.some((host) => `http://${host}` === origin.toLowerCase())) {
    return [403, "a change from another origin is refused"];
  }
  if (headers["content-type"]?.split(";")[0]?.trim().toLowerCase() !== "application/json") {
    return [415, "Content-Type must be application/json"];
  }
  return undefined;
}

/** The console's chat list holds this many, newest first; the state says how many there are. */
export const CHATS_SHOWN = 50;

/** The newest `limit` chats' ids, newest first. */
export function newestChatIds(chats: { chatId: string; createdAt: string }[], limit = CHATS_SHOWN): string[] {
  return [...chats]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit)
    .map((chat) => chat.chatId);
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
  async serve(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    const refused = consoleRefusal(method, req.headers, req.socket.localPort ?? 0);
    const asset = ASSETS[path];
    if (!refused && method === "GET" && asset) {
      const file = readFileSync(new URL(`./console/${asset.file}`, import.meta.url));
      res.writeHead(200, { "content-type": asset.type, "cache-control": "no-store" });
      res.end(file);
      return true;
    }
    const [status, answer] = refused
      ? [refused[0], { message: refused[1] }]
      : await this.#answer(method, path, body.toString("utf8"));
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
        // The Router's notification is the console's own template around the chat id: shown as sent.
        body:
          body === undefined
            ? null
            : output === "RouterHandoverEndpointUrl"
              ? body
              : entry.textBody
                ? maskPersonal(body, /\w+/.exec(entry.textBody)?.[0])
                : maskPersonal(jsonObject(body) ?? body),
      },
      status: response.status,
      answer: maskAnswer(jsonObject(answer) ?? answer),
    };
  }

  async state() {
    return {
      switches: this.#switches,
      offlineHandover: this.options.offlineHandover,
      positions: SWITCHES,
      simulated: this.options.simulator !== undefined,
      metrics: this.tally.view(),
      ...(await this.#chats()),
      received: this.options.simulator ? maskReceived(this.options.simulator.received()) : null,
    };
  }

  /** The newest chats (at most CHATS_SHOWN), newest first, as `GET /chats/{chatId}` answers each; and how many there are. */
  async #chats() {
    const all = (await this.#scan()).filter((item) => !item.chatId.startsWith(PRESENCE_KEY_PREFIX));
    const views = await Promise.all(
      newestChatIds(all).map(async (id) => {
        const response = await fetch(`${this.options.apiUrl()}/chats/${encodeURIComponent(id)}`, {
          headers: { [KEY_HEADER]: this.options.keys.OPERATOR_KEY },
        });
        return response.ok ? ((await response.json()) as { createdAt: string }) : undefined;
      }),
    );
    return {
      chats: views.filter((view) => view !== undefined).sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
      chatCount: all.length,
    };
  }

  /** Every item's key, with its `createdAt` (none for a presence answer). */
  async #scan(): Promise<{ chatId: string; createdAt: string }[]> {
    const items: { chatId: string; createdAt: string }[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.#dynamoDb.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ProjectionExpression: "#key, #created",
          ExpressionAttributeNames: { "#key": CHAT_TABLE.partitionKey, "#created": "createdAt" },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item[CHAT_TABLE.partitionKey]?.S;
        if (id) items.push({ chatId: id, createdAt: item.createdAt?.S ?? "" });
      }
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return items;
  }

  async #clearPresenceCache() {
    const keys = (await this.#scan()).map((item) => item.chatId).filter((id) => id.startsWith(PRESENCE_KEY_PREFIX));
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
