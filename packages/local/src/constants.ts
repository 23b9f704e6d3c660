import { PRESENCE_TIMEOUT_MS } from "@caic-handover/core/availability/presence-call";
import type { KeyName } from "@caic-handover/core/config/config";
import { FORWARD_TIMEOUT_MS } from "@caic-handover/core/router/notification";
import { ROUTING_DEADLINES } from "@caic-handover/core/router/routing";
import { DYNAMODB_CALL_S, type RouteSpec, routeForPath, routeKeyName } from "@caic-handover/functions/routes";
import { LOCAL_DEFAULTS, SIMULATED_CM } from "./local-defaults";

/*
 * The constants the tests and the bench share, each defined once here or taken from the code that
 * owns it: the local identity they call the API with and check CM's side against, the SPEC §6
 * targets, and every upstream deadline as a budget.
 */

/** The dialog's key, which the CAIC callouts to the local API carry. */
export const KEY = LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY;
/** Each caller's local key (routes.ts CALLERS). */
export const LOCAL_KEYS: Record<KeyName, string> = {
  HANDOVER_WEBHOOK_KEY: LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY,
  ROUTER_WEBHOOK_KEY: LOCAL_DEFAULTS.ROUTER_WEBHOOK_KEY,
  OPERATOR_KEY: LOCAL_DEFAULTS.OPERATOR_KEY,
  PRESENCE_WEBHOOK_KEY: LOCAL_DEFAULTS.PRESENCE_WEBHOOK_KEY,
};
/** The local key of a route's caller, from the route table. */
export const localKeyFor = (route: RouteSpec) => LOCAL_KEYS[routeKeyName(route)];
/** The local key of the route a request goes to (`/chats/abc/handback` → the operator key); the dialog's when none matches. */
export function localKeyForRequest(method: string, path: string): string {
  const route = routeForPath(method, path);
  return route ? localKeyFor(route) : KEY;
}
/** What the simulated CM accepts, and so what a test expects CM to have received. */
export const PRODUCT_TOKEN = SIMULATED_CM.productToken;
export const PRESENCE_KEY = SIMULATED_CM.presenceApiKey;
export const TECHNICAL_LINK = SIMULATED_CM.technicalLinkId;
export const ADAPTERS = {
  client: LOCAL_DEFAULTS.ROUTER_CLIENT_ADAPTER_ID,
  bot: LOCAL_DEFAULTS.ROUTER_BOT_ADAPTER_ID,
  agent: LOCAL_DEFAULTS.ROUTER_AGENT_ADAPTER_ID,
} as const;

/** SPEC §6: what `npm run bench` measures against; the bundle size is also asserted by the stack test. */
export const TARGETS = {
  /** Full flow through the gateway ÷ the same I/O made directly. */
  handlerOverhead: 1.25,
  dynamodbRequestsPerFlow: 7,
  /** Concurrent availability requests on one warm process, and the presence calls they may cost. */
  presenceFanIn: { requests: 100, calls: 1 },
  /** Presence calls per cache period across a burst of cold instances, CM limiting presence to 3/s. */
  fleetPresenceCalls: 1,
  /** The first conversation after idle, each call a cold process ÷ the same for floor bundles. */
  coldChain: 1.25,
  /** Per function, minified, AWS SDK bundled, as SST builds it. KB = 1024 bytes. */
  bundleBytes: 450 * 1024,
  /** Cold import of a function bundle ÷ a bundle holding only the DynamoDB DocumentClient. */
  coldImport: 1.25,
  /** Log redaction time of a 16 KB value ÷ a 1 KB one: 16× is linear, 256× quadratic. */
  redactionGrowth: 32,
} as const;

/** Each upstream's deadline in milliseconds, as the code sets it (docs/design.md#timing). */
export const BUDGET_MS = {
  presence: PRESENCE_TIMEOUT_MS,
  routing: ROUTING_DEADLINES.budgetMs,
  forward: FORWARD_TIMEOUT_MS,
  /** One DynamoDB call: the SDK's attempts and its backoff between them. */
  dynamodb: DYNAMODB_CALL_S * 1000,
} as const;
