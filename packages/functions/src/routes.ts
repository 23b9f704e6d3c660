import { type KeyName, previousKeyName, type SecretName } from "@caic-handover/core/config/config";

/**
 * The route table: declared once, read by the stack (`stacks/`), the local gateway
 * (`packages/local`) and the setup guide.
 */
export type FunctionName =
  | "caic-event"
  | "availability"
  | "intake-email"
  | "intake-name"
  | "intake-message"
  | "handover"
  | "handover-notification"
  | "router-events"
  | "chat-status"
  | "chat-erase"
  | "handback";

export type DynamoDbAction = "dynamodb:GetItem" | "dynamodb:UpdateItem" | "dynamodb:DeleteItem";

export interface FunctionSpec {
  /**
   * Secrets the function reads besides its callers' keys (those follow from the routes it serves:
   * `requiredSecrets`, `optionalSecrets`); only these are bound to it.
   */
  secrets: readonly SecretName[];
  /** DynamoDB actions it uses on the chats table; nothing else is granted. */
  dynamodb: readonly DynamoDbAction[];
  /**
   * Lambda timeout, above the function's worst case and inside API Gateway's 30 s: its budget, in
   * numbers, is `BUDGETS` in budgets.ts (docs/design.md#timing).
   */
  timeoutSeconds: number;
}

/** Writes may delete an expired record before re-creating it, and trim history. */
const WRITE: readonly DynamoDbAction[] = ["dynamodb:UpdateItem", "dynamodb:DeleteItem"];

/** One DynamoDB call: 3 attempts of ≤ 1.5 s plus the SDK's backoff (wiring.ts; docs/design.md#timing). */
export const DYNAMODB_CALL_S = 5;

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  "caic-event": {
    secrets: [],
    dynamodb: WRITE,
    timeoutSeconds: 8,
  },
  availability: {
    secrets: ["MSC_PRESENCE_API_KEY"],
    // GetItem: instances waiting for another's presence call read the shared answer (docs/presence.md).
    dynamodb: ["dynamodb:GetItem", ...WRITE],
    timeoutSeconds: 15,
  },
  "intake-email": {
    secrets: [],
    dynamodb: WRITE,
    timeoutSeconds: 12,
  },
  "intake-name": {
    secrets: [],
    dynamodb: WRITE,
    timeoutSeconds: 12,
  },
  "intake-message": {
    secrets: [],
    dynamodb: WRITE,
    timeoutSeconds: 12,
  },
  handover: {
    secrets: ["CM_PRODUCT_TOKEN"],
    dynamodb: ["dynamodb:GetItem", ...WRITE],
    timeoutSeconds: 25,
  },
  "handover-notification": {
    secrets: [],
    dynamodb: WRITE,
    timeoutSeconds: 10,
  },
  "router-events": {
    // CM_PRODUCT_TOKEN and GetItem: ERASE_CM_HISTORY=on-session-end deletes the session's history at CM.
    secrets: ["CM_PRODUCT_TOKEN"],
    dynamodb: ["dynamodb:GetItem", ...WRITE],
    timeoutSeconds: 25,
  },
  "chat-status": {
    secrets: [],
    dynamodb: ["dynamodb:GetItem"],
    timeoutSeconds: 8,
  },
  "chat-erase": {
    // CM_PRODUCT_TOKEN and GetItem: ERASE_CM_HISTORY deletes the session's history at CM.
    secrets: ["CM_PRODUCT_TOKEN"],
    dynamodb: ["dynamodb:GetItem", ...WRITE],
    timeoutSeconds: 25,
  },
  handback: {
    secrets: ["CM_PRODUCT_TOKEN"],
    dynamodb: ["dynamodb:GetItem", ...WRITE],
    timeoutSeconds: 25,
  },
};

/** Who calls the API, each with a key of its own (docs/deploy.md#keys). */
export type Caller = "dialog" | "router" | "operator" | "presence";

export const CALLERS: Record<Caller, { key: KeyName; query: boolean; who: string }> = {
  dialog: { key: "HANDOVER_WEBHOOK_KEY", query: false, who: "the dialog's key (CAIC API Callouts)" },
  router: { key: "ROUTER_WEBHOOK_KEY", query: true, who: "the Router's key (its two callbacks)" },
  operator: { key: "OPERATOR_KEY", query: false, who: "the operator key (status, erase, hand-back)" },
  presence: {
    key: "PRESENCE_WEBHOOK_KEY",
    query: true,
    who: "the presence webhook's key (Web Conversations; low value: it may reach a browser)",
  },
};

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  function: FunctionName;
  /** Stack output carrying this route's URL. */
  output: string;
  /** Who calls it, in CM.com's words. */
  calledBy: string;
  /** Whose key it takes (`CALLERS`): each caller's key is refused on every other caller's routes. */
  caller: Caller;
  /**
   * Where its caller puts the key: the Router's Event endpoint has no header section and the
   * presence-check webhook's headers are undocumented, so those URLs carry `?key=`.
   */
  keyIn: "header" | "query";
}

export const ROUTES: readonly RouteSpec[] = [
  {
    method: "POST",
    path: "/caic/events",
    function: "caic-event",
    output: "CaicEventUrl",
    calledBy: "CAIC API Callout: start of the handover dialog",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "GET",
    path: "/availability",
    function: "availability",
    output: "AvailabilityUrl",
    calledBy: "CAIC API Callout: agent availability",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/availability",
    function: "availability",
    output: "PresenceWebhookUrl",
    calledBy: "Web Conversations presence-check webhook (provider Third Party)",
    caller: "presence",
    keyIn: "query",
  },
  {
    method: "POST",
    path: "/intake/email",
    function: "intake-email",
    output: "IntakeEmailUrl",
    calledBy: "CAIC API Callout after the e-mail Capture Input",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/intake/name",
    function: "intake-name",
    output: "IntakeNameUrl",
    calledBy: "CAIC API Callout after the name Capture Input",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/intake/message",
    function: "intake-message",
    output: "IntakeMessageUrl",
    calledBy: "CAIC API Callout after the question Capture Input (leave a message)",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/handover",
    function: "handover",
    output: "HandoverUrl",
    calledBy: "CAIC API Callout: the handover itself",
    caller: "dialog",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/router/handover",
    function: "handover-notification",
    output: "RouterHandoverEndpointUrl",
    calledBy: "Conversational Router: Handover Endpoint",
    caller: "router",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/router/events",
    function: "router-events",
    output: "RouterEventsUrl",
    calledBy: "Conversational Router: Event endpoint",
    caller: "router",
    keyIn: "query",
  },
  {
    method: "GET",
    path: "/chats/{chatId}",
    function: "chat-status",
    output: "ChatStatusUrl",
    calledBy: "operators, a page polling for 'handed over'",
    caller: "operator",
    keyIn: "header",
  },
  {
    method: "DELETE",
    path: "/chats/{chatId}",
    function: "chat-erase",
    output: "ChatEraseUrl",
    calledBy: "operators, privacy requests",
    caller: "operator",
    keyIn: "header",
  },
  {
    method: "POST",
    path: "/chats/{chatId}/handback",
    function: "handback",
    output: "ChatHandbackUrl",
    calledBy: "operators, agent-side tooling: hand the chat back to the bot",
    caller: "operator",
    keyIn: "header",
  },
];

export const routeKey = (route: RouteSpec) => `${route.method} ${route.path}`;
export const handlerPath = (fn: FunctionName) => `packages/functions/src/${fn}.handler`;

/**
 * The one place that says which key a route's caller presents (`CALLERS`). The functions' key
 * check and bindings, the stack, `npm start`, `npm run check`, `npm run chat`, the 401 text, the
 * setup guide and the tests read it from here.
 */
export function routeKeyName(route: RouteSpec): KeyName {
  return CALLERS[route.caller].key;
}

/** Whether the route also takes its key in the query (`?key=`): only the Router's and the presence webhook. */
export const keyInQueryAllowed = (route: RouteSpec) => CALLERS[route.caller].query;

/** Where the caller of a route puts its key, in prose: the X-Handover-Key header or the `key` query parameter. */
export function keyPlacement(route: RouteSpec): string {
  return route.keyIn === "query" ? "the query parameter ?key=" : "the X-Handover-Key header";
}

/** The keys of the routes a function serves, each with its optional previous value (rotation). */
function routeKeys(fn: FunctionName): KeyName[] {
  return [...new Set(ROUTES.filter((route) => route.function === fn).map(routeKeyName))];
}

/** The secrets a function cannot start without: its own and its callers' keys. */
export function requiredSecrets(fn: FunctionName): SecretName[] {
  return [...FUNCTIONS[fn].secrets, ...routeKeys(fn)];
}

/** The secrets a function reads when set: the previous value of each of its callers' keys. */
export function optionalSecrets(fn: FunctionName): SecretName[] {
  return routeKeys(fn).map(previousKeyName);
}

/** Every secret bound to a function (least privilege: the stack grants it these and no others). */
export const boundSecrets = (fn: FunctionName): SecretName[] => [...requiredSecrets(fn), ...optionalSecrets(fn)];

/** The route a concrete request path matches (`/chats/abc` matches `/chats/{chatId}`), literal paths first. */
export function routeForPath(method: string, path: string): RouteSpec | undefined {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path.split("?")[0] ?? "");
  const candidates = ROUTES.filter((route) => route.method === method.toUpperCase() && matches(route.path));
  return candidates.find((route) => !route.path.includes("{")) ?? candidates[0];
}

/** The route with this method and path. */
export function findRoute(method: RouteSpec["method"], path: string): RouteSpec {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.path === path);
  if (route === undefined) throw new Error(`no route ${method} ${path}`);
  return route;
}
