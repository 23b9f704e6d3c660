import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export interface HttpInput {
  method: string;
  /** Path with optional query string, as on the request line. */
  url: string;
  /** Header name → value(s), any casing; repeated headers as arrays. */
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
  sourceIp?: string;
}

/** Body types API Gateway hands to a Lambda as text; everything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded))/i;

/**
 * Builds an API Gateway HTTP API payload 2.0 event from an HTTP request, as API Gateway does:
 * lower-cased headers (repeats joined with `,`), cookies split out, `rawQueryString` without `?`,
 * repeated query parameters joined with `,`, absent parts omitted rather than null.
 */
export function toApiEvent(
  input: HttpInput,
  route: { routeKey: string; pathParameters?: Record<string, string> },
): APIGatewayProxyEventV2 {
  const [rawPath = "/", rawQueryString = ""] = splitOnce(input.url, "?");
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (name.toLowerCase() === "cookie") {
      cookies = values.flatMap((v) => v.split(/;\s*/)).filter(Boolean);
      continue;
    }
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? values.join(",") : `${headers[key]},${values.join(",")}`;
  }
  const now = new Date();
  const sourceIp = input.sourceIp ?? "127.0.0.1";
  headers["x-forwarded-for"] ??= sourceIp;
  headers["x-forwarded-proto"] ??= "http";
  const body =
    input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body);
  const contentType = headers["content-type"] ?? "";
  const isText = body === undefined || contentType === "" || TEXT_TYPES.test(contentType);
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(",");
  const requestId = randomUUID();

  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(route.pathParameters && Object.keys(route.pathParameters).length > 0
      ? { pathParameters: route.pathParameters }
      : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: (headers.host ?? "127.0.0.1").split(".")[0]!,
      http: {
        method: input.method.toUpperCase(),
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: route.routeKey,
      stage: "$default",
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined || body.length === 0
      ? { isBase64Encoded: false }
      : isText
        ? { body: body.toString("utf8"), isBase64Encoded: false }
        : { body: body.toString("base64"), isBase64Encoded: true }),
  };
}

/** An HTTP response as the gateway writes it. */
export interface HttpOutput {
  statusCode: number;
  headers: Record<string, string>;
  /** One `Set-Cookie` header each. */
  cookies: string[];
  body: Buffer;
}

/**
 * Turns what a handler returned into the response API Gateway sends: a structured result as given
 * (base64 bodies decoded); any other value, which has no `statusCode`, as a 200 JSON body.
 */
export function toHttpResponse(result: unknown): HttpOutput {
  if (isStructured(result)) {
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    const body = result.body ?? "";
    return {
      statusCode: Number(result.statusCode),
      headers,
      cookies: result.cookies ?? [],
      body: result.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8"),
    };
  }
  const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "");
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    cookies: [],
    body: Buffer.from(body, "utf8"),
  };
}

const isStructured = (result: unknown): result is APIGatewayProxyStructuredResultV2 =>
  typeof result === "object" && result !== null && "statusCode" in result;

function splitOnce(value: string, separator: string): [string, string] {
  const index = value.indexOf(separator);
  return index < 0 ? [value, ""] : [value.slice(0, index), value.slice(index + 1)];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's request time format: `23/Nov/2026:19:40:50 +0000`. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** Matches a path against a route path with `{name}` segments; returns the decoded parameters. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    const actual = got[i]!;
    if (segment.startsWith("{") && segment.endsWith("}")) {
      if (actual === "") return undefined;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (segment !== actual) return undefined;
  }
  return params;
}
