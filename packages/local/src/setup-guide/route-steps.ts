import { IN_FLIGHT } from "@caic-handover/core/chat/chat";
import { ROUTES, type RouteSpec, routeKey, routeKeyName } from "@caic-handover/functions/routes";
import { code, ref, SetupGuideError, type StepDraft, set } from "./document";
import type { Target } from "./targets";

export const KEY_HEADER = "X-Handover-Key";
/** How this guide writes a CAIC variable; CM.com does not document the placeholder syntax of its nodes. */
export const variable = (name: string) => `{{${name}}}`;

// One entry per route of the route table: where it goes in CM.com and what is entered there.

export interface RouteEntry {
  /** The CM.com element the route is entered in, as the step's title. */
  title: string;
  /** Query parameters the caller adds, with CAIC variables. */
  query?: Record<string, string>;
  /** JSON body the caller sends, with CAIC variables. */
  body?: Record<string, string>;
  /** Plain-text body: one CAIC variable, sent as it is (no template a visitor's answer could break). */
  textBody?: string;
  /** Response field → dialog variable. */
  responses?: Record<string, string>;
  notes: string[];
}

const CHAT_ID = variable("chatId");
/** The visitor's culture (`nl-NL`, `en-GB`): the language of `message` and `opensAtText`. */
const CULTURE = variable("culture");

/** The guide entry of every route, keyed by the route's stack output name. */
export const ROUTE_GUIDE: Record<string, RouteEntry> = {
  CaicEventUrl: {
    title: 'API Callout "Start handover"',
    body: { chatId: CHAT_ID },
    responses: { status: "handoverStatus", emailKnown: "emailKnown", nameKnown: "nameKnown" },
    notes: [
      "`chatId` is the conversation variable CAIC sets when a Conversational Router session exists.",
      `\`status\` is \`started\` (a new run), or, for a CAIC retry within HANDOVER_RETRY_WINDOW_SECONDS, the status of the run in flight (${IN_FLIGHT.map((status) => `\`${status}\``).join(", ")}): the Logical Step after it branches on it.`,
      `\`emailKnown\` / \`nameKnown\` are true when the chat already has a valid value (given earlier, or passed as a known value: section ${ref("known-values")}); \`missing\` lists what is still needed.`,
    ],
  },
  AvailabilityUrl: {
    title: 'API Callout "Agent availability" (CM.com guide, step 1)',
    query: { chatId: CHAT_ID, culture: CULTURE },
    responses: {
      agentStatus: "agentStatus",
      reason: "availabilityReason",
      opensAt: "opensAt",
      opensAtText: "opensAtText",
    },
    notes: [
      "`agentStatus` is `online` or `offline`; `reason` is `presence`, `presence-error`, `presence-timeout` or `closed` (outside BUSINESS_HOURS, with `opensAt` and `opensAtText`).",
      "`culture` is the visitor's culture as CAIC writes it (nl-NL, en-GB). CAIC's docs show a culture per project and conversation variables with a default per culture, but no built-in variable a node can insert (unknown): create a conversation variable `culture` whose default in each culture is that culture's code. Without it (empty, unset or an unreplaced placeholder) texts are in DEFAULT_CULTURE.",
      "A node that stores the whole body instead: add header `Accept: text/plain` and the body is just `online` or `offline`.",
    ],
  },
  PresenceWebhookUrl: {
    title: "Presence check webhook (provider Third Party)",
    notes: [
      'Web Conversations posts {"url","channel","data":{"context"}} and reads `agentAvailable`; CAIC then sets the context variable `agentStatus` to `online` or `offline`.',
      `It passes on neither \`reason\` nor \`opensAt\`: use the API Callout of step ${ref("AvailabilityUrl")} when the bot should say when you open.`,
      "Its key may reach a browser, so the page it sends counts only under a referrer listed in `PRESENCE_WEBHOOK_REFERRERS` (your web stores' URLs, comma-separated); any other page is asked about as `PRESENCE_REFERRER`.",
    ],
  },
  IntakeEmailUrl: {
    title: 'API Callout "Check e-mail"',
    query: { chatId: CHAT_ID, culture: CULTURE },
    textBody: variable("email"),
    responses: { valid: "emailValid", message: "emailMessage", exhausted: "emailExhausted" },
    notes: [
      "The body is the visitor's answer alone, as plain text, and the chat id is in the URL: quotation marks, backslashes or anything else a visitor types can neither break the step nor name another chat.",
      "`message` is in the visitor's `culture` (nl, en, de, fr, es), so one dialog serves every culture.",
      "Valid: the normalised address is stored. Invalid: `message` is a short sentence the bot can show; after 3 invalid attempts `exhausted` is true.",
    ],
  },
  IntakeNameUrl: {
    title: 'API Callout "Check name"',
    query: { chatId: CHAT_ID, culture: CULTURE },
    textBody: variable("name"),
    responses: { valid: "nameValid", message: "nameMessage", exhausted: "nameExhausted" },
    notes: ["Same body form and answers as the e-mail check."],
  },
  HandoverUrl: {
    title: 'API Callout "Hand over" (CM.com guide, step 4)',
    query: { chatId: CHAT_ID, culture: CULTURE, skill: variable("skill") },
    textBody: variable("reasonForAgent"),
    responses: { handover: "handoverResult", reason: "handoverReason", mode: "handoverMode" },
    notes: [
      "Replaces the guide's call to the routing mutation request: this backend sends it, once per chat, with the product token it keeps.",
      "`handover` is `requested` or `failed`; `reason` is `intake-incomplete`, `routing-rejected`, `routing-unavailable` or `agents-offline` (the chat's last availability was offline and OFFLINE_HANDOVER is off). Calling again retries a failed handover.",
      "`mode` is `message` when the chat was handed over as a message while nobody was online (OFFLINE_HANDOVER=message); absent for a live handover.",
      "What the agent gets besides the visitor's details, in the mutation's Context: `reason` (why the bot hands over, in the dialog's words: the plain-text body, so no character in it can break the call; at most 200 characters, line breaks and tabs become spaces: set the dialog variable `reasonForAgent` in each branch, never to the visitor's text), `skill` (sent as `RoutingKeywords`, as CM.com's own live-chat handover does with the answer's `skill` output addition; at most 64 letters, marks and digits of any script, spaces and `_.,;:/&+-'`; it is in the URL, so write a keyword your branch sets, and a `&`, `#` or `%` in it as `%26`, `%23`, `%25`: CM.com does not document whether the node encodes a variable in a URL) and `culture` (so MSC routing can send a Dutch visitor to a Dutch-speaking team). Each is optional: an empty or unset one is left out of the Context. A reason or skill that is refused (too long, a direction control, a skill character outside its alphabet) is left out with a warning in the log; it never stops the handover or the intake. They may also ride on the Start handover callout.",
    ],
  },
  IntakeMessageUrl: {
    title: 'API Callout "Check question"',
    query: { chatId: CHAT_ID, culture: CULTURE },
    textBody: variable("question"),
    responses: { valid: "questionValid", message: "questionMessage", exhausted: "questionExhausted" },
    notes: [
      "1–2000 characters of free text; line breaks are kept. Same body form and answers as the e-mail check. The question goes to the agent in the handover's Context (`message`); it is personal data: masked in the chat's status, erased with the rest.",
    ],
  },
  RouterHandoverEndpointUrl: {
    title: "Handover Endpoint",
    notes: [
      "Body: keep the Router's default template. An empty `{{$context}}` (invalid JSON) is repaired here.",
      `Every received notification marks the chat handed over and is passed on to WEB_CONVERSATIONS_HANDOVER_URL (step ${ref("keep-web-conversations-handover")}).`,
    ],
  },
  RouterEventsUrl: {
    title: 'Event endpoint of the adapter "caic-handover events"',
    notes: [
      "The Event endpoint has no header section, so the key goes in the URL.",
      "RouterSessionEnded marks the chat ended and erases its personal data (and, with ERASE_CM_HISTORY=on-session-end, the session's history at CM); other events are acknowledged and not passed on.",
    ],
  },
  ChatStatusUrl: {
    title: "Chat status (operators, a page polling for handed over)",
    notes: ["Replace {chatId} in the URL. Names and e-mail addresses come back masked."],
  },
  ChatEraseUrl: {
    title: "Erase a chat's personal data (privacy requests)",
    notes: [
      'Replace {chatId} in the URL. Answers {"erased":true}. With ERASE_CM_HISTORY on, CM\'s copy of the conversation is deleted too; the chat status says whether it was (`cmHistoryErased`).',
    ],
  },
  ChatHandbackUrl: {
    title: "Hand a chat back to the bot (operators, agent-side tooling)",
    notes: [
      'Replace {chatId} in the URL. Sends the reverse routing mutation (Web Conversations → bot enabled, → agent desk disabled) once; answers {"handback":"requested"}, or {"handback":"failed","reason"}: `not-handed-over` (with the chat\'s `status`), `routing-rejected` or `routing-unavailable`; `requested` carries `"unconfirmed":true` when CM\'s answer was lost (it is never sent twice).',
      "The chat's status becomes `handed_back`; a later handover of the same chat works again.",
    ],
  },
};

/** Routes of the route table without a guide entry, and guide entries without a route. */
export function guideDrift(routes: readonly RouteSpec[] = ROUTES) {
  const outputs = new Set(routes.map((route) => route.output));
  return {
    missing: routes.filter((route) => !ROUTE_GUIDE[route.output]).map(routeKey),
    stale: Object.keys(ROUTE_GUIDE).filter((output) => !outputs.has(output)),
  };
}

/** Said next to every plain-text body: CM.com does not document that an API Callout sends one as typed. */
export const TEXT_BODY_HEDGE =
  'Unknown (docs/cm-interfaces.md, CAIC dialog nodes): whether an API Callout sends a text/plain body exactly as typed. If yours does not, send `Content-Type: application/x-www-form-urlencoded` with the body `value=` followed by the variable (a known value keeps its `?known=`; the answer and its mapping stay the same): a `&` or `%` in the value then shortens it, which is checked like any answer; never a JSON body, which a `"` or `\\` breaks.';

/** Said next to every callout whose answer the dialog reads. */
export const RESPONSES_HEDGE =
  "Unknown: how the node maps a response field into a variable (by name, by a path such as `$.valid`, or the whole body). Every answer here is flat JSON: map the top-level field named above, in whichever form your tenant uses.";

/** A route's step with another id, title, query, body or answers: the same route entered a second time. */
export interface RouteStepVariant {
  id: string;
  entry: RouteEntry;
}

/** The step that enters one route in CM.com; its id is the route's output name. */
export function routeStep(target: Target, output: string, variant?: RouteStepVariant): StepDraft {
  const route = ROUTES.find((candidate) => candidate.output === output);
  const entry = variant?.entry ?? ROUTE_GUIDE[output];
  if (!route || !entry) throw new SetupGuideError(`the route table and the setup guide disagree about ${output}`);
  // Which key a route's caller presents comes from the route table (routeKeyName), in one place.
  const shown = target.keys?.[routeKeyName(route)];
  const key = shown ?? `<${routeKeyName(route)}>`;
  const query = {
    ...entry.query,
    ...(route.keyIn === "query" ? { key: shown ? encodeURIComponent(key) : key } : {}),
  };
  const queryText = Object.entries(query)
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const url = `${target.urls[output]}${queryText ? `?${queryText}` : ""}`;
  const settings = [set("Method", route.method), set("URL", code(url))];
  if (route.keyIn === "header") settings.push(set("Header", code(`${KEY_HEADER}: ${key}`)));
  if (entry.body) {
    settings.push(set("Header", code("Content-Type: application/json")), set("Body", code(JSON.stringify(entry.body))));
  }
  if (entry.textBody) {
    settings.push(set("Header", code("Content-Type: text/plain; charset=utf-8")), set("Body", code(entry.textBody)));
  }
  for (const [field, name] of Object.entries(entry.responses ?? {})) {
    settings.push(set(`Response field ${field} → dialog variable`, code(name)));
  }
  const hedges = [
    ...(entry.textBody ? [TEXT_BODY_HEDGE] : []),
    ...(entry.responses && Object.keys(entry.responses).length > 0 ? [RESPONSES_HEDGE] : []),
  ];
  return {
    id: variant?.id ?? output,
    title: entry.title,
    settings,
    notes: [...entry.notes, ...hedges, `Route ${routeKey(route)}: ${route.calledBy}.`],
    route,
  };
}
