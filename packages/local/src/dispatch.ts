import type { Handler } from "@caic-handover/functions/http";
import { type FunctionName, ROUTES, type RouteSpec, routeKey } from "@caic-handover/functions/routes";
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

/** Runs one HTTP request through its Lambda handler, the way API Gateway would. */
export async function dispatch(handlers: Handlers, input: HttpInput): Promise<APIGatewayProxyStructuredResultV2> {
  const path = input.url.split("?")[0] ?? "/";
  const match = findRoute(input.method, path);
  if (!match) return { statusCode: 404, headers: { "content-type": "application/json" }, body: '{"message":"Not Found"}' };
  const handler = handlers.get(match.route.function)!;
  const event = toApiEvent(input, { routeKey: routeKey(match.route), pathParameters: match.pathParameters });
  return handler(event);
}
