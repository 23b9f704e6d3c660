import type { Logger } from "@aws-lambda-powertools/logger";
import type { SecretName } from "@caic-handover/core/config/config";
import {
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  StoreUnavailableError,
  UnauthorizedError,
} from "@caic-handover/core/shared/errors";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { keyPlacement, ROUTES, type RouteSpec, routeKey } from "../routes";
import { corsHeaders, PREFLIGHT_ROUTE_KEY, preflight } from "./cors";
import { acceptedKeys, authenticate } from "./keys";
import { decodeBody, MAX_BODY_BYTES, type ReadOptions, type RouteRequest, readRequest } from "./request";

export type Reply = { status?: number; json: object } | { status?: number; text: string };

/** A route's reading options, its keys and, on the presence webhook, its CORS origins. */
export interface RouteOptions extends ReadOptions {
  /**
   * The function's configuration: each route takes its caller's key (`routeKeyName`) or, during a
   * rotation, that key's previous value; no other key.
   */
  keys: Partial<Record<SecretName, string>>;
  /** Origins whose browsers may call the presence webhook (PRESENCE_WEBHOOK_CORS_ORIGINS); unset: no CORS. */
  corsOrigins?: readonly string[];
}

export type Handler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The one HTTP adapter every route goes through: body limit, key, body parsing, chatId lookup,
 * then one core call; errors become status codes in exactly one place.
 */
export function httpRoute(options: RouteOptions, run: (request: RouteRequest) => Promise<Reply>): Handler {
  const accepted = acceptedKeys(options.keys);
  return async (event, context) => {
    const log = options.log;
    log.resetKeys();
    if (context) log.addContext(context);
    log.appendKeys({ route: event.routeKey });
    const cors = corsHeaders(event, options.corsOrigins);
    if (event.routeKey === PREFLIGHT_ROUTE_KEY) return preflight(cors);
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
      const { caller } = (expected as { route: RouteSpec }).route;
      // The presence webhook's key may reach a browser: its requests name no chat, whatever they carry.
      const request = { ...readRequest(event, body, options, caller === "presence"), caller };
      // A callback's lines name the chat the core acts on, which it logs itself.
      if (request.chatId !== undefined && !options.rawBody) log.appendKeys({ chatId: request.chatId });
      const reply = await run(request);
      return withHeaders(respond(reply), cors);
    } catch (error) {
      return withHeaders(mapError(error, log, event.routeKey), cors);
    }
  };
}

const withHeaders = (result: APIGatewayProxyStructuredResultV2, extra: Record<string, string>) =>
  Object.keys(extra).length === 0 ? result : { ...result, headers: { ...result.headers, ...extra } };

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
