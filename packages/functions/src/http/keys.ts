import { createHash, timingSafeEqual } from "node:crypto";
import type { SecretName } from "@caic-handover/core/config/config";
import { previousKeyName } from "@caic-handover/core/config/config";
import { UnauthorizedError } from "@caic-handover/core/shared/errors";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { CALLERS, keyInQueryAllowed, ROUTES, type RouteSpec, routeKey, routeKeyName } from "../routes";

/** A route and the digests of the keys it takes. */
export interface AcceptedKeys {
  route: RouteSpec;
  digests: Buffer[];
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Each route's accepted key digests, by route key, computed once: its caller's key and, while set,
 * the previous one (a rotation); no other caller's key.
 */
export function acceptedKeys(keys: Partial<Record<SecretName, string>>): Map<string, AcceptedKeys> {
  return new Map(
    ROUTES.map((route) => {
      const name = routeKeyName(route);
      const values = [keys[name], keys[previousKeyName(name)]].filter((value) => !!value);
      return [routeKey(route), { route, digests: values.map((value) => digest(value!)) }] as const;
    }),
  );
}

/**
 * The route's caller's key (or its previous value) in the `X-Handover-Key` header, or in `?key=` on
 * the routes whose callers cannot send headers (the Router's, the presence webhook); constant time.
 */
export function authenticate(event: APIGatewayProxyEventV2, expected: AcceptedKeys | undefined) {
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
