import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { parseChatId } from "@caic-handover/core/chat/chat-id";
import type { SecretName } from "@caic-handover/core/config/config";
import { previousKeyName } from "@caic-handover/core/config/config";
import {
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  StoreUnavailableError,
  UnauthorizedError,
} from "@caic-handover/core/shared/errors";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import {
  CALLERS,
  type Caller,
  keyInQueryAllowed,
  keyPlacement,
  ROUTES,
  type RouteSpec,
  routeKey,
  routeKeyName,
} from "../routes";

export const MAX_BODY_BYTES = 16 * 1024;

/** What a route's core call sees of the HTTP request. */
export interface RouteRequest {
  /** Whose key the request carried (a route answers one caller; `/availability` answers two). */
  caller: Caller;
  chatId: string | undefined;
  /**
   * How the body was read: `fields` (a JSON object or form-encoded), `text` (the whole body is the
   * answer, on routes with `answerBody`) or `unreadable` (a JSON object that does not parse).
   */
  bodyForm: "fields" | "text" | "unreadable";
  /** Query parameters merged under body fields (JSON object or form-encoded). */
  fields: Record<string, unknown>;
  query: Record<string, string>;
  rawBody: string;
  contentType: string;
  accept: string;
}

export type Reply = { status?: number; json: object } | { status?: number; text: string };

export interface RouteOptions {
  log: Logger;
  /**
   * The function's configuration: each route takes its caller's key (`routeKeyName`) or, during a
   * rotation, that key's previous value; no other key.
   */
  keys: Partial<Record<SecretName, string>>;
  /** Origins whose browsers may call the presence webhook (PRESENCE_WEBHOOK_CORS_ORIGINS); unset: no CORS. */
  corsOrigins?: readonly string[];
  chatId: "required" | "optional";
  /**
   * Router callbacks: once the key matches, nothing else in the request is refused (SPEC: always 200).
   * The body is read raw, of any size, and parsed tolerantly by the core, which acts on the chat the
   * body names; a path or query chatId only stands in for a missing one, and an invalid one is ignored.
   */
  rawBody?: boolean;
  /**
   * Capture Input steps: with the chat id in the URL, a plain-text body (or any body that is not a
   * JSON object) is the visitor's answer itself; a JSON object that does not parse is `unreadable`.
   */
  answerBody?: boolean;
}

export type Handler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The one HTTP adapter every route goes through: body limit, key, body parsing, chatId lookup,
 * then one core call; errors become status codes in exactly one place.
 */
export function httpRoute(options: RouteOptions, run: (request: RouteRequest) => Promise<Reply>): Handler {
  // Each route's accepted key digests, computed once: its caller's key and, while set, the previous one.
  const accepted = new Map(
    ROUTES.map((route) => {
      const name = routeKeyName(route);
      const values = [options.keys[name], options.keys[previousKeyName(name)]].filter((value) => !!value);
      return [routeKey(route), { route, digests: values.map((value) => digest(value!)) }] as const;
    }),
  );
  return async (event, context) => {
    const log = options.log;
    log.resetKeys();
    if (context) log.addContext(context);
    log.appendKeys({ route: event.routeKey });
    const cors = corsHeaders(event, options.corsOrigins);
    if (event.routeKey === PREFLIGHT_ROUTE_KEY) return preflight(event, cors);
    try {
      let body: string;
      const expected = accepted.get(event.routeKey);
      if (options.rawBody) {
        authenticate(event, expected);
        body = decodeBody(event, Number.POSITIVE_INFINITY);
      } else {
        body = decodeBody(event, MAX_BODY_BYTES);
        authenticate(event, expected);
      }
      const request = { ...readRequest(event, body, options), caller: (expected as { route: RouteSpec }).route.caller };
      // A callback's lines name the chat the core acts on, which it logs itself.
      if (request.chatId !== undefined && !options.rawBody) log.appendKeys({ chatId: request.chatId });
      const reply = await run(request);
      return withHeaders(respond(reply), cors);
    } catch (error) {
      return withHeaders(mapError(error, log, event.routeKey), cors);
    }
  };
}

function decodeBody(event: APIGatewayProxyEventV2, limit: number): string {
  if (event.body === undefined || event.body === null) return "";
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > limit) throw new PayloadTooLargeError(limit);
  // Some HTTP clients put a UTF-8 byte order mark before the body.
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * The route's caller's key (or its previous value) in the `X-Handover-Key` header, or in `?key=` on
 * the routes whose callers cannot send headers (the Router's, the presence webhook); constant time.
 */
function authenticate(event: APIGatewayProxyEventV2, expected: { route: RouteSpec; digests: Buffer[] } | undefined) {
  if (expected === undefined || expected.digests.length === 0) throw new UnauthorizedError("no key for this route");
  const header = event.headers?.["x-handover-key"];
  const query = event.queryStringParameters?.key;
  const presented = header ?? (keyInQueryAllowed(expected.route) ? query : undefined);
  if (presented === undefined) {
    throw new UnauthorizedError(query === undefined ? "no key" : "key in the query, which this route does not take");
  }
  const given = digest(presented);
  let match = false;
  for (const digestOfKey of expected.digests) match = timingSafeEqual(given, digestOfKey) || match;
  if (!match) throw new UnauthorizedError(`not ${CALLERS[expected.route.caller].who}`);
}

/** The one preflight route (`OPTIONS /availability`): the stack declares it only when CORS origins are set. */
export const PREFLIGHT_ROUTE_KEY = "OPTIONS /availability";
/** The route whose answers carry CORS headers: Web Conversations' presence webhook. */
const CORS_ROUTE_KEYS = new Set(["POST /availability", PREFLIGHT_ROUTE_KEY]);

/** CORS headers for an allowed browser origin on the presence webhook; none anywhere else. */
function corsHeaders(event: APIGatewayProxyEventV2, origins: readonly string[] | undefined): Record<string, string> {
  const origin = event.headers?.origin;
  if (!origins || !origin || !CORS_ROUTE_KEYS.has(event.routeKey) || !origins.includes(origin)) return {};
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

/** A browser's preflight: allowed origins may POST with a JSON body and the key header; others get no CORS headers. */
function preflight(_event: APIGatewayProxyEventV2, cors: Record<string, string>): APIGatewayProxyStructuredResultV2 {
  if (Object.keys(cors).length === 0) return { statusCode: 403, headers: { "cache-control": "no-store" }, body: "" };
  return {
    statusCode: 204,
    headers: {
      ...cors,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, x-handover-key",
      "access-control-max-age": "600",
    },
    body: "",
  };
}

const withHeaders = (result: APIGatewayProxyStructuredResultV2, extra: Record<string, string>) =>
  Object.keys(extra).length === 0 ? result : { ...result, headers: { ...result.headers, ...extra } };

/** The first chat id a place gives; an unset variable (missing, JSON null, blank) gives none. */
const firstGiven = (candidates: unknown[]) =>
  candidates.find((candidate) => candidate !== undefined && candidate !== null && String(candidate).trim() !== "");

function readRequest(event: APIGatewayProxyEventV2, body: string, options: RouteOptions): Omit<RouteRequest, "caller"> {
  const headers = event.headers ?? {};
  const contentType = (headers["content-type"] ?? "").toLowerCase();
  const query: Record<string, string> = { ...(event.queryStringParameters ?? {}) } as Record<string, string>;
  delete query.key;
  const inUrl = firstGiven([event.pathParameters?.chatId, query.chatId, query.ChatId]);
  // An answer body that names no chat id (plain text, or anything but a JSON object or form that does):
  // the URL's is what is missing, not the body, and the 400 says so first.
  const noChatId = () =>
    new BadRequestError(
      `${[event.pathParameters?.chatId, query.chatId, query.ChatId].some((given) => given !== undefined) ? "chatId is empty" : "chatId is required"}: ${
        contentType.startsWith("text/plain")
          ? "with a text/plain answer the chat id goes in the URL"
          : "the body names none, so the chat id goes in the URL"
      }`,
    );
  if (
    options.answerBody &&
    inUrl === undefined &&
    contentType.startsWith("text/plain") &&
    !body.trimStart().startsWith("{")
  ) {
    throw noChatId();
  }
  const read: ReadBody = options.rawBody
    ? { form: "fields", fields: {} }
    : readBody(body, contentType, options.answerBody === true, inUrl !== undefined, noChatId);
  const rawChatId =
    inUrl ?? (read.form === "fields" ? firstGiven([read.fields.chatId, read.fields.ChatId]) : read.chatId);
  let chatId: string | undefined;
  if (options.rawBody) {
    chatId = standInChatId([event.pathParameters?.chatId, query.chatId, query.ChatId]);
  } else if (rawChatId !== undefined) {
    const parsed = parseChatId(rawChatId);
    if (!parsed.isGuid) options.log.warn("chatId is not a GUID", { chatId: parsed.chatId });
    chatId = parsed.chatId;
  } else if (options.chatId === "required") {
    throw new BadRequestError("chatId is required");
  }
  const fields = read.form === "fields" ? read.fields : {};
  return {
    chatId,
    bodyForm: read.form,
    fields: { ...query, ...fields },
    query,
    rawBody: body,
    contentType,
    accept: headers.accept ?? "",
  };
}

/** A Router callback's first valid path or query chat id; invalid ones are skipped, never refused. */
function standInChatId(candidates: (string | undefined)[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === "") continue;
    try {
      return parseChatId(candidate).chatId;
    } catch {
      // Not a chat id: the body's is used, or none.
    }
  }
  return undefined;
}

type ReadBody =
  | { form: "fields"; fields: Record<string, unknown> }
  | { form: "text"; chatId?: undefined }
  | { form: "unreadable"; chatId: string | undefined };

const NOT_JSON = "body must be a JSON object or form-encoded";
const CHAT_ID_KEYS = new Set(["chatId", "ChatId"]);
const TWICE = "chatId is given more than once in the body";

/**
 * JSON or form fields. A body naming the chat id twice is refused: with duplicate keys the last
 * would win, so a visitor's answer pasted into a template could pick another chat.
 */
function readBody(
  body: string,
  contentType: string,
  answerBody: boolean,
  chatIdInUrl: boolean,
  noChatId: () => BadRequestError,
): ReadBody {
  if (answerBody && chatIdInUrl && contentType.startsWith("text/plain")) return { form: "text" };
  if (body.trim() === "") return { form: "fields", fields: {} };
  if (contentType.includes("application/x-www-form-urlencoded")) {
    const params = new URLSearchParams(body);
    if (params.getAll("chatId").length + params.getAll("ChatId").length > 1) throw new BadRequestError(TWICE);
    return { form: "fields", fields: Object.fromEntries(params) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (!answerBody) throw new BadRequestError(NOT_JSON);
    if (!body.trimStart().startsWith("{")) {
      if (chatIdInUrl) return { form: "text" };
      throw noChatId();
    }
    const named = [...body.matchAll(/"(?:chatId|ChatId)"\s*:\s*("([^"]*)")?/g)];
    if (named.length > 1) throw new BadRequestError(TWICE);
    const chatId = named[0]?.[2];
    if (!chatIdInUrl && (chatId === undefined || chatId.trim() === "")) throw noChatId();
    return { form: "unreadable", chatId };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    if (answerBody && chatIdInUrl) return { form: "text" };
    throw answerBody ? noChatId() : new BadRequestError("body must be a JSON object");
  }
  if (topLevelKeys(body).filter((key) => CHAT_ID_KEYS.has(key)).length > 1) throw new BadRequestError(TWICE);
  return { form: "fields", fields: parsed as Record<string, unknown> };
}

/** The top-level keys of a valid JSON object's text, duplicates included (JSON.parse keeps only the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      let next = end + 1;
      while (json[next] === " " || json[next] === "\t" || json[next] === "\n" || json[next] === "\r") next++;
      if (depth === 1 && json[next] === ":") keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      i = end;
    } else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") depth--;
  }
  return keys;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function respond(reply: Reply): APIGatewayProxyStructuredResultV2 {
  if ("text" in reply) {
    return {
      statusCode: reply.status ?? 200,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      body: reply.text,
    };
  }
  return { statusCode: reply.status ?? 200, headers: JSON_HEADERS, body: JSON.stringify(reply.json) };
}

/** Where a route wants its key, in the words a 401 uses (from the route table). */
function expectedKeyText(routeKeyOfEvent: string): string {
  const route = ROUTES.find((candidate) => routeKey(candidate) === routeKeyOfEvent);
  const placement = route ? keyPlacement(route) : "the X-Handover-Key header";
  return `send the key in ${placement}`;
}

/**
 * One log line per refused request: its route, status and the rule it broke (our own text),
 * never the key or the body, so a wrong key or a malformed callout on a real tenant shows in the logs.
 */
function refused(log: Logger, status: number, rule: string) {
  log.warn("request refused", { status, rule });
}

/** The single error-to-status mapping. A 5xx says nothing about internals. */
function mapError(error: unknown, log: Logger, routeKeyOfEvent: string): APIGatewayProxyStructuredResultV2 {
  if (error instanceof BadRequestError) {
    refused(log, 400, error.problem);
    return respond({ status: 400, json: { error: "bad_request", message: error.problem } });
  }
  if (error instanceof UnauthorizedError) {
    refused(log, 401, error.rule);
    return respond({ status: 401, json: { error: "unauthorized", message: expectedKeyText(routeKeyOfEvent) } });
  }
  if (error instanceof NotFoundError)
    return respond({ status: 404, json: { error: "not_found", message: error.message } });
  if (error instanceof PayloadTooLargeError) {
    refused(log, 413, error.message);
    return respond({ status: 413, json: { error: "payload_too_large", message: error.message } });
  }
  if (error instanceof StoreUnavailableError) {
    log.error("chat store unavailable", { error: error.message });
    return respond({ status: 503, json: { error: "unavailable", message: "please try again" } });
  }
  log.error("unexpected error", { error: error instanceof Error ? error.name : "unknown" });
  return respond({ status: 500, json: { error: "internal" } });
}

/** `Accept: text/plain` (without JSON) asks for the plain-text variant. */
export function wantsText(accept: string): boolean {
  return accept.includes("text/plain") && !accept.includes("application/json");
}
