import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** The one preflight route (`OPTIONS /availability`): the stack declares it only when CORS origins are set. */
export const PREFLIGHT_ROUTE_KEY = "OPTIONS /availability";
/** The route whose answers carry CORS headers: Web Conversations' presence webhook. */
const CORS_ROUTE_KEYS = new Set(["POST /availability", PREFLIGHT_ROUTE_KEY]);

/** CORS headers for an allowed browser origin on the presence webhook; none anywhere else. */
export function corsHeaders(
  event: APIGatewayProxyEventV2,
  origins: readonly string[] | undefined,
): Record<string, string> {
  const origin = event.headers?.origin;
  if (!origins || !origin || !CORS_ROUTE_KEYS.has(event.routeKey) || !origins.includes(origin)) return {};
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

/** A browser's preflight: allowed origins may POST with a JSON body and the key header; others get no CORS headers. */
export function preflight(cors: Record<string, string>): APIGatewayProxyStructuredResultV2 {
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
