import { PREFLIGHT_ROUTE_KEY } from "@caic-handover/functions/http/cors";
import type { Handler } from "@caic-handover/functions/http/route";
import { FUNCTIONS, type FunctionName, ROUTES, type RouteSpec, routeKey } from "@caic-handover/functions/routes";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type HttpInput, matchPath, toApiEvent } from "./api-event";

export type Handlers = Map<FunctionName, Handler>;

/**
 * Imports every function of the route table, as Lambda would on a cold start. Call it after the
 * environment is set: each handler builds its config at import.
 */
export async function loadHandlers(): Promise<Handlers> {
  const names = [...new Set(ROUTES.map((route) => route.function))];
  const modules = await Promise.all(
    names.map(async (name) => [name, (await import(`@caic-handover/functions/${name}`)).handler as Handler] as const),
  );
  return new Map(modules);
}

let coldStarts = 0;

/**
 * Imports one function again, as a new Lambda instance would start: its module state (the presence
 * cache in memory) and its configuration are built anew from the environment.
 */
export async function coldStart(handlers: Handlers, name: FunctionName): Promise<void> {
  const url = import.meta.resolve(`@caic-handover/functions/${name}`);
  handlers.set(name, (await import(`${url}?cold-start=${++coldStarts}`)).handler as Handler);
}

/** The route for a request, literal paths before parameterised ones, as API Gateway matches. */
export function findRoute(
  method: string,
  path: string,
): { route: RouteSpec; pathParameters: Record<string, string> } | undefined {
  const candidates = ROUTES.filter((route) => route.method === method.toUpperCase())
    .map((route) => ({ route, pathParameters: matchPath(route.path, path) }))
    .filter((match): match is { route: RouteSpec; pathParameters: Record<string, string> } => !!match.pathParameters);
  return candidates.find((c) => !c.route.path.includes("{")) ?? candidates[0];
}

/** An answer API Gateway gives itself, without a handler. */
export const gatewayError = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message }),
});

const TIMED_OUT = Symbol("timed out");

/**
 * Runs one HTTP request through its Lambda handler, the way API Gateway would: no route is a 404,
 * a handler that throws or outlives its function's timeout a 500, as a Lambda error is.
 */
export async function dispatch(handlers: Handlers, input: HttpInput): Promise<APIGatewayProxyStructuredResultV2> {
  const path = input.url.split("?")[0] ?? "/";
  // The presence webhook's preflight route exists only when CORS origins are set, as the stack declares it.
  const preflight =
    input.method.toUpperCase() === "OPTIONS" && process.env.PRESENCE_WEBHOOK_CORS_ORIGINS
      ? findRoute("POST", path)
      : undefined;
  const match =
    preflight && routeKey(preflight.route) === PREFLIGHT_ROUTE_KEY.replace("OPTIONS", "POST")
      ? preflight
      : findRoute(input.method, path);
  if (!match) return gatewayError(404, "Not Found");
  const fn = match.route.function;
  const handler = handlers.get(fn)!;
  const event = toApiEvent(input, {
    routeKey: match === preflight ? PREFLIGHT_ROUTE_KEY : routeKey(match.route),
    pathParameters: match.pathParameters,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, FUNCTIONS[fn].timeoutSeconds * 1000, TIMED_OUT);
  });
  try {
    const result = await Promise.race([handler(event), timeout]);
    if (result !== TIMED_OUT) return result;
    console.error(`${fn}: timed out after ${FUNCTIONS[fn].timeoutSeconds} s (${event.requestContext.requestId})`);
    return gatewayError(500, "Internal Server Error");
  } catch (error) {
    console.error(`${fn}: handler failed (${event.requestContext.requestId})`, error);
    return gatewayError(500, "Internal Server Error");
  } finally {
    clearTimeout(timer);
  }
}
