import { BadRequestError } from "@caic-handover/core/shared/errors";
import type { ReadOptions } from "@caic-handover/functions/http/request";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { vi } from "vitest";

/** What a request carries, as API Gateway (HTTP API, payload 2.0) hands it to a function. */
export interface EventInit {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  path?: Record<string, string>;
  body?: string;
  base64?: boolean;
}

/** An API Gateway v2 event for `routeKey` (e.g. `POST /handover`); header names lower case, as the gateway sends them. */
export function gatewayEvent(routeKey: string, init: EventInit = {}): APIGatewayProxyEventV2 {
  const [method, route] = routeKey.split(" ");
  const rawPath = Object.entries(init.path ?? {}).reduce(
    (path, [name, value]) => path.replace(`{${name}}`, encodeURIComponent(value)),
    route ?? "/",
  );
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(init.query ?? {}).toString(),
    headers: init.headers ?? {},
    ...(init.query ? { queryStringParameters: init.query } : {}),
    ...(init.path ? { pathParameters: init.path } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: init.base64 ?? false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example",
      domainPrefix: "api",
      http: { method: method ?? "GET", path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: "request",
      routeKey,
      stage: "$default",
      time: "04/Dec/2026:10:00:00 +0000",
      timeEpoch: 0,
    },
  };
}

/** A logger that records what the adapter logs, as calls. */
export function recordingLogger() {
  const log = {
    resetKeys: vi.fn(),
    addContext: vi.fn(),
    appendKeys: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
    info: vi.fn(),
    critical: vi.fn(),
  };
  return { log, logger: log as unknown as ReadOptions["log"] };
}

export const GUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

/** The rule a 400 names, from a call that must be refused with one. */
export function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestError) return error.problem;
    throw error;
  }
  throw new Error("expected a 400");
}
