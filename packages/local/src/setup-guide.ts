import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, type OfflineHandover } from "@caic-handover/core/config";
import { ROUTES, type RouteSpec, routeKey } from "@caic-handover/functions/routes";
import { LOCAL_DEFAULTS, loadLocalEnv, localBaseUrl, PROJECT_ROOT } from "./local-defaults";

/**
 * `npm run setup-guide`: the exact configuration a CM.com user enters, step by step in the order of
 * CM.com's "Web Conversations Livechat Handover to MSC Agent" guide, with this deployment's URLs.
 */

const APP = "caic-handover";
const KEY_HEADER = "X-Handover-Key";
const KEY_PLACEHOLDER = "<HANDOVER_WEBHOOK_KEY>";
/** How this guide writes a CAIC variable; CM.com does not document the placeholder syntax of its nodes. */
const variable = (name: string) => `{{${name}}}`;

export class SetupGuideError extends Error {
  override name = "SetupGuideError";
}

// The document: sections of numbered steps, each a list of settings and notes.

/** A value a user copies verbatim (URL, header, JSON, variable name) rather than reads. */
export type Value = string | { code: string };
export interface Setting {
  label: string;
  value: Value;
}
export interface Step {
  title: string;
  settings: Setting[];
  notes: string[];
  /** The route this step configures, if any. */
  route?: RouteSpec;
  /** A Logical Step lists conditions and where each leads instead of settings. */
  branches?: true;
}
export interface Section {
  title: string;
  intro: string[];
  steps: Step[];
}
export interface Guide {
  title: string;
  about: Setting[];
  conventions: string[];
  sections: Section[];
}

const code = (text: string): Value => ({ code: text });
const text = (value: Value) => (typeof value === "string" ? value : value.code);
const set = (label: string, value: Value): Setting => ({ label, value });

// Where the guide points: a deployed stage (outputs or --api-url) or `npm start`.

export interface Target {
  /** What the guide is for, in one line. */
  describe: string;
  /** Each route's URL without query, by the route's stack output name. */
  urls: Record<string, string>;
  dashboardUrl: string | undefined;
  /** The key itself, only with --show-key. */
  key: string | undefined;
  /** Where to find the key when it is not shown. */
  keySource: string;
  /** How a deploy parameter such as WEB_CONVERSATIONS_HANDOVER_URL is set for this target. */
  setParameter: (name: string) => string;
  /** OFFLINE_HANDOVER of the target: with `message` the dialog gets its leave-a-message branch. */
  offlineHandover: OfflineHandover;
}

export interface GuideOptions {
  outputs?: string;
  stage?: string;
  apiUrl?: string;
  local?: boolean;
  showKey?: boolean;
}

/** OFFLINE_HANDOVER as the stage's output or the environment gives it; unset is `off`, as in the config. */
function offlineHandover(value: string | undefined, source: string): OfflineHandover {
  if (value === undefined || value === "") return "off";
  if (value === "off" || value === "message") return value;
  throw new SetupGuideError(`${source} OFFLINE_HANDOVER is off or message, not ${value}`);
}

const routeUrls = (base: string) =>
  Object.fromEntries(ROUTES.map((route) => [route.output, `${base.replace(/\/+$/, "")}${route.path}`]));

/** `npm start` on loopback: PORT, or --api-url; the key as `npm start` resolves it (shell, `.env`, default). */
export function localTarget(options: GuideOptions, env: Record<string, string | undefined>): Target {
  const base = options.apiUrl ?? localBaseUrl(env.PORT || LOCAL_DEFAULTS.PORT);
  const key = env.HANDOVER_WEBHOOK_KEY || LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY;
  return {
    describe: `npm start on ${base}`,
    urls: routeUrls(base),
    dashboardUrl: undefined,
    key: options.showKey ? key : undefined,
    keySource: "HANDOVER_WEBHOOK_KEY from your shell or `.env`, else the local default; `npm start` prints it",
    setParameter: (name) => `\`${name}=…\` in \`.env\` (or the shell), then restart \`npm start\``,
    offlineHandover: offlineHandover(env.OFFLINE_HANDOVER, "the environment's"),
  };
}

/**
 * A deployed stage: every stack entry of that stage in `.sst/outputs.json`, merged; or only
 * --api-url. The key is shown only when --show-key is given and HANDOVER_WEBHOOK_KEY is set.
 */
export function deployedTarget(
  options: GuideOptions,
  env: Record<string, string | undefined>,
  outputsText?: string,
): Target {
  let stage = options.stage;
  let urls: Record<string, string>;
  let dashboardUrl: string | undefined;
  let from: string;
  let offline = offlineHandover(env.OFFLINE_HANDOVER, "the environment's");
  if (options.apiUrl) {
    urls = routeUrls(options.apiUrl);
    from = `--api-url ${options.apiUrl}`;
  } else {
    const file = options.outputs ?? ".sst/outputs.json";
    const picked = stageOutputs(parseOutputs(outputsText, file), stage, file);
    stage = picked.stage;
    urls = Object.fromEntries(ROUTES.map((route) => [route.output, outputUrl(picked.outputs, route, file)]));
    dashboardUrl = picked.outputs.DashboardUrl;
    // The stage says what it was deployed with; older stages have no such output.
    if (picked.outputs.OfflineHandover) offline = offlineHandover(picked.outputs.OfflineHandover, `${file}'s`);
    from = file;
  }
  const stageFlag = `--stage ${stage ?? "<stage>"}`;
  const secretCommand = `npx sst secrets get HANDOVER_WEBHOOK_KEY ${stageFlag}`;
  if (options.showKey && !env.HANDOVER_WEBHOOK_KEY) {
    throw new SetupGuideError(`--show-key needs the key in HANDOVER_WEBHOOK_KEY; its value: ${secretCommand}`);
  }
  return {
    describe: `${stage ? `stage ${stage}` : "a deployed stage"} (from ${from})`,
    urls,
    dashboardUrl,
    key: options.showKey ? env.HANDOVER_WEBHOOK_KEY : undefined,
    keySource: `the stage's HANDOVER_WEBHOOK_KEY secret: \`${secretCommand}\``,
    setParameter: (name) => `\`${name}=…\` in \`.env.${stage ?? "<stage>"}\`, then \`npx sst deploy ${stageFlag}\``,
    offlineHandover: offline,
  };
}

function parseOutputs(outputsText: string | undefined, file: string): Record<string, Record<string, string>> {
  if (outputsText === undefined) {
    throw new SetupGuideError(
      `${file} not found: deploy first (npx sst deploy --stage <stage>), or give --api-url <url>, or --local for npm start`,
    );
  }
  try {
    return JSON.parse(outputsText) as Record<string, Record<string, string>>;
  } catch {
    throw new SetupGuideError(`${file} is not JSON`);
  }
}

/** SST v2 names each entry `<stage>-<app>-<Stack>`; a stage's stacks are merged into one set of outputs. */
function stageOutputs(all: Record<string, Record<string, string>>, wanted: string | undefined, file: string) {
  const byStage = new Map<string, Record<string, string>>();
  for (const [name, outputs] of Object.entries(all)) {
    const match = new RegExp(`^(.+)-${APP}-[^-]+$`).exec(name);
    if (match) byStage.set(match[1]!, { ...byStage.get(match[1]!), ...outputs });
  }
  const stages = [...byStage.keys()];
  const stage = wanted ?? (stages.length === 1 ? stages[0] : undefined);
  if (stage === undefined) {
    throw new SetupGuideError(
      stages.length === 0
        ? `${file} holds no ${APP} stage: deploy first`
        : `${file} holds several stages (${stages.join(", ")}): pick one with --stage`,
    );
  }
  const outputs = byStage.get(stage);
  if (!outputs) throw new SetupGuideError(`${file} holds no stage ${stage} (found: ${stages.join(", ") || "none"})`);
  return { stage, outputs };
}

/** A route's own output (its query, such as the key placeholder, is the guide's to add), else ApiUrl + path. */
function outputUrl(outputs: Record<string, string>, route: RouteSpec, file: string): string {
  const own = outputs[route.output];
  if (own) return own.split("?")[0]!;
  if (outputs.ApiUrl) return `${outputs.ApiUrl.replace(/\/+$/, "")}${route.path}`;
  throw new SetupGuideError(`${file} has neither ${route.output} nor ApiUrl: deploy again`);
}

// One entry per route of the route table: where it goes in CM.com and what is entered there.

interface RouteEntry {
  /** The CM.com element the route is entered in, as the step's title. */
  title: string;
  /** Query parameters the caller adds, with CAIC variables. */
  query?: Record<string, string>;
  /** JSON body the caller sends, with CAIC variables. */
  body?: Record<string, string>;
  /** Response field → dialog variable. */
  responses?: Record<string, string>;
  notes: string[];
}

const CHAT_ID = variable("chatId");
const GIVE_UP = "Sorry, that did not work. Please try again later.";

/** The guide entry of every route, keyed by the route's stack output name. */
export const ROUTE_GUIDE: Record<string, RouteEntry> = {
  CaicEventUrl: {
    title: 'API Callout "Start handover"',
    body: { chatId: CHAT_ID },
    responses: { status: "handoverStatus", emailKnown: "emailKnown", nameKnown: "nameKnown" },
    notes: [
      "`chatId` is the conversation variable CAIC sets when a Conversational Router session exists.",
      "`status` is `started`, or the status of a handover already under way (`requested`, `handed_over`): a Logical Step may say so and stop.",
      "`emailKnown` / `nameKnown` are true when the chat already has a valid value (given earlier, or passed as a known value: section 8); `missing` lists what is still needed.",
    ],
  },
  AvailabilityUrl: {
    title: 'API Callout "Agent availability" (CM.com guide, step 1)',
    query: { chatId: CHAT_ID },
    responses: { agentStatus: "agentStatus", reason: "availabilityReason", opensAt: "opensAt" },
    notes: [
      "`agentStatus` is `online` or `offline`; `reason` is `presence`, `presence-error`, `presence-timeout` or `closed` (outside BUSINESS_HOURS, with `opensAt`).",
      "A node that stores the whole body instead: add header `Accept: text/plain` and the body is just `online` or `offline`.",
    ],
  },
  PresenceWebhookUrl: {
    title: "Presence check webhook (provider Third Party)",
    notes: [
      'Web Conversations posts {"url","channel","data":{"context"}} and reads `agentAvailable`; CAIC then sets the context variable `agentStatus` to `online` or `offline`.',
      "It passes on neither `reason` nor `opensAt`: use the API Callout of step 3.2 when the bot should say when you open.",
    ],
  },
  IntakeEmailUrl: {
    title: 'API Callout "Check e-mail"',
    body: { chatId: CHAT_ID, email: variable("email") },
    responses: { valid: "emailValid", message: "emailMessage", exhausted: "emailExhausted" },
    notes: [
      "Valid: the normalised address is stored. Invalid: `message` is a short sentence the bot can show; after 3 invalid attempts `exhausted` is true.",
    ],
  },
  IntakeNameUrl: {
    title: 'API Callout "Check name"',
    body: { chatId: CHAT_ID, name: variable("name") },
    responses: { valid: "nameValid", message: "nameMessage", exhausted: "nameExhausted" },
    notes: ["Same answers as the e-mail check."],
  },
  HandoverUrl: {
    title: 'API Callout "Hand over" (CM.com guide, step 4)',
    body: { chatId: CHAT_ID },
    responses: { handover: "handoverResult", reason: "handoverReason", mode: "handoverMode" },
    notes: [
      "Replaces the guide's call to the routing mutation request: this backend sends it, once per chat, with the product token it keeps.",
      "`handover` is `requested` or `failed`; `reason` is `intake-incomplete`, `routing-rejected`, `routing-unavailable` or `agents-offline` (the chat's last availability was offline and OFFLINE_HANDOVER is off). Calling again retries a failed handover.",
      "`mode` is `message` when the chat was handed over as a message while nobody was online (OFFLINE_HANDOVER=message); absent for a live handover.",
    ],
  },
  IntakeMessageUrl: {
    title: 'API Callout "Check question"',
    body: { chatId: CHAT_ID, message: variable("question") },
    responses: { valid: "questionValid", message: "questionMessage", exhausted: "questionExhausted" },
    notes: [
      "1–2000 characters of free text; line breaks are kept. Same answers as the e-mail check. The question goes to the agent in the handover's Context (`message`); it is personal data: masked in the chat's status, erased with the rest.",
    ],
  },
  RouterHandoverEndpointUrl: {
    title: "Handover Endpoint",
    notes: [
      "Body: keep the Router's default template. An empty `{{$context}}` (invalid JSON) is repaired here.",
      "Every received notification marks the chat handed over and is passed on to WEB_CONVERSATIONS_HANDOVER_URL (step 4.1).",
    ],
  },
  RouterEventsUrl: {
    title: "Event endpoint",
    notes: [
      "The Event endpoint has no header section, so the key goes in the URL.",
      "RouterSessionEnded marks the chat ended and erases its personal data; other events are acknowledged.",
      "This backend does not pass events on: if this adapter's Event endpoint already serves Web Conversations, leave it and set this one on a custom (TwoWay) adapter of the same ruleset.",
    ],
  },
  ChatStatusUrl: {
    title: "Chat status (operators, a page polling for handed over)",
    notes: ["Replace {chatId} in the URL. Names and e-mail addresses come back masked."],
  },
  ChatEraseUrl: {
    title: "Erase a chat's personal data (privacy requests)",
    notes: ['Replace {chatId} in the URL. Answers {"erased":true}.'],
  },
  ChatHandbackUrl: {
    title: "Hand a chat back to the bot (operators, agent-side tooling)",
    notes: [
      'Replace {chatId} in the URL. Sends the reverse routing mutation (Web Conversations → bot enabled, → agent desk disabled) once; answers {"handback":"requested"}, or {"handback":"failed","reason"}: `not-handed-over` (with the chat\'s `status`), `routing-rejected`, `routing-unavailable` or `in-progress`.',
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

function routeStep(target: Target, output: string): Step {
  const route = ROUTES.find((candidate) => candidate.output === output);
  const entry = ROUTE_GUIDE[output];
  if (!route || !entry) throw new SetupGuideError(`the route table and the setup guide disagree about ${output}`);
  const key = target.key ?? KEY_PLACEHOLDER;
  const query = {
    ...entry.query,
    ...(route.keyIn === "query" ? { key: target.key ? encodeURIComponent(key) : key } : {}),
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
  for (const [field, name] of Object.entries(entry.responses ?? {})) {
    settings.push(set(`Response field ${field} → dialog variable`, code(name)));
  }
  return {
    title: entry.title,
    settings,
    notes: [...entry.notes, `Route ${routeKey(route)}: ${route.calledBy}.`],
    route,
  };
}

// The guide, in the order of CM.com's guide.

/** A Logical Step: each condition and where it leads, in the order CAIC should test them. */
const logicalStep = (
  title: string,
  branches: Array<[condition: string, then: string]>,
  notes: string[] = [],
): Step => ({
  title: `Logical Step "${title}"`,
  settings: branches.map(([condition, then]) => set(condition, then)),
  notes,
  branches: true,
});

export function buildGuide(target: Target): Guide {
  const { missing, stale } = guideDrift();
  if (missing.length > 0 || stale.length > 0) {
    throw new SetupGuideError(
      `setup guide out of step with the route table: no entry for ${missing.join(", ") || "-"}; stale entries ${stale.join(", ") || "-"}`,
    );
  }
  const route = (output: string) => routeStep(target, output);
  const leaveMessage = target.offlineHandover === "message";
  const keyText = target.key ?? `${KEY_PLACEHOLDER} (${target.keySource})`;

  return {
    title: `caic-handover setup guide: ${target.describe}`,
    about: [
      set("Key", target.key ? code(target.key) : keyText),
      ...(target.dashboardUrl ? [set("Dashboard", code(target.dashboardUrl))] : []),
    ],
    conventions: [
      `\`${variable("name")}\` stands for the CAIC variable of that name: insert it with the node's variable picker.`,
      `\`${KEY_PLACEHOLDER}\` stands for the webhook key: enter the key itself, never this text.`,
      "Every answer is flat JSON: map each response field named below into the dialog variable named beside it.",
      "Every branch of a dialog must end in an Output node.",
    ],
    sections: [
      {
        title: "Conversational AI Cloud: the answer that offers a live agent",
        intro: [],
        steps: [
          {
            title: "Answer metadata",
            settings: [set("Metadata", code("triggerEvent")), set("Type", "Text"), set("Value", code("handover"))],
            notes: ["CAIC fires the event named here after showing the answer."],
          },
        ],
      },
      {
        title: "Conversational AI Cloud: the handover event",
        intro: [],
        steps: [
          {
            title: 'Event "handover"',
            settings: [
              set("Event name", code("handover")),
              set("Answer", 'starts the dialog "Handover to a live agent" (section 3)'),
            ],
            notes: [
              "Event names allow letters, digits, _ and - only. Do not rename the event once the answer uses it.",
            ],
          },
        ],
      },
      {
        title: 'Conversational AI Cloud: dialog "Handover to a live agent"',
        intro: ["The nodes in order; each step names the node the previous one leads to."],
        steps: [
          route("CaicEventUrl"),
          route("AvailabilityUrl"),
          logicalStep(
            "Agents available?",
            leaveMessage
              ? [
                  ["agentStatus equals online", "continue to 3.4"],
                  ["availabilityReason equals closed", "continue to 7.1 (leave a message)"],
                  ["availabilityReason equals presence", "continue to 7.1 (nobody online: leave a message)"],
                  [
                    "Fallback (presence failed or the API Callout failed)",
                    "continue to 3.4 (a presence fault never blocks a handover)",
                  ],
                ]
              : [
                  ["agentStatus equals online", "continue to 3.4"],
                  [
                    "availabilityReason equals closed",
                    `Output: "We are closed now and open again at ${variable("opensAt")}."`,
                  ],
                  [
                    "Fallback (offline, or the API Callout failed)",
                    'Output: "No agent is available right now. Please try again later."',
                  ],
                ],
            [
              "CM.com guide, step 2.",
              "`opensAt` is ISO 8601 in the desk's own time zone, e.g. 2026-12-28T09:00:00+01:00: its date and time read as the desk's clock.",
              ...(leaveMessage
                ? ["OFFLINE_HANDOVER is message: while nobody is online the visitor leaves a question (section 7)."]
                : []),
            ],
          ),
          {
            title: 'Capture Input "E-mail" (CM.com guide, step 3)',
            settings: [
              set("Question", '"What is your e-mail address?"'),
              set("Store the answer in dialog variable", code("email")),
            ],
            notes: [],
          },
          route("IntakeEmailUrl"),
          logicalStep("E-mail accepted?", [
            ["emailValid equals true", "continue to 3.7"],
            ["emailExhausted equals true", `Output: "${GIVE_UP}" (stop: do not ask again)`],
            ["Fallback (valid is false)", `Output ${variable("emailMessage")}, then back to 3.4 (ask again)`],
          ]),
          {
            title: 'Capture Input "Name"',
            settings: [
              set("Question", '"What is your name?"'),
              set("Store the answer in dialog variable", code("name")),
            ],
            notes: [],
          },
          route("IntakeNameUrl"),
          logicalStep("Name accepted?", [
            ["nameValid equals true", "continue to 3.10"],
            ["nameExhausted equals true", `Output: "${GIVE_UP}" (stop: do not ask again)`],
            ["Fallback (valid is false)", `Output ${variable("nameMessage")}, then back to 3.7 (ask again)`],
          ]),
          route("HandoverUrl"),
          logicalStep("Handed over?", [
            ...(leaveMessage
              ? [
                  [
                    "handoverMode equals message",
                    'Output: "Thank you. Nobody is online right now: a colleague will answer your question by e-mail."',
                  ] as [string, string],
                ]
              : []),
            ["handoverResult equals requested", 'Output: "One moment, I am connecting you to a colleague."'],
            ...(leaveMessage
              ? []
              : [
                  [
                    "handoverReason equals agents-offline",
                    'Output: "No agent is available right now. Please try again later."',
                  ] as [string, string],
                ]),
            [
              "Fallback (failed, or the API Callout failed)",
              'Output: "Sorry, I could not connect you. Please try again in a moment."',
            ],
          ]),
        ],
      },
      {
        title: "Conversational Router: the Web Conversations adapter",
        intro: ["So Web Conversations switches to live chat (file attachments) when the handover has happened."],
        steps: [
          {
            title: "Keep Web Conversations' own handover endpoint",
            settings: [
              set("Copy", "the URL now in the adapter's Handover Endpoint (Web Conversations' own)"),
              set("Into", target.setParameter("WEB_CONVERSATIONS_HANDOVER_URL")),
            ],
            notes: [
              "Do this before step 4.2 replaces it: every notification this backend receives is passed on there.",
            ],
          },
          route("RouterHandoverEndpointUrl"),
          route("RouterEventsUrl"),
        ],
      },
      {
        title: "Web Conversations: presence check (alternative to steps 3.2 and 3.3)",
        intro: ["Only when Web Conversations itself should ask for agent availability."],
        steps: [route("PresenceWebhookUrl")],
      },
      {
        title: "Operators",
        intro: ["Not entered in CM.com: for people and pages that look after chats."],
        steps: [route("ChatStatusUrl"), route("ChatEraseUrl"), route("ChatHandbackUrl")],
      },
      {
        title: "Conversational AI Cloud: the visitor's question (leave a message while nobody is online)",
        intro: leaveMessage
          ? [
              "OFFLINE_HANDOVER is message: while nobody is online (or the desk is closed) step 3.3 leads here, and the handover goes through as a message an agent answers by e-mail.",
              "It relies on Mobile Service Cloud routing non-instant conversations to Offline agents, or to the web store's owner when everyone is Away: check that on your stage.",
            ]
          : [
              `OFFLINE_HANDOVER is off: while the chat's last availability was offline, step 3.10 answers \`agents-offline\`. To let visitors leave a message instead, set OFFLINE_HANDOVER=message (${target.setParameter("OFFLINE_HANDOVER")}) and print this guide again.`,
              "These nodes also let a visitor leave a question for a live agent: it travels in the handover's Context.",
            ],
        steps: [
          {
            title: 'Capture Input "Question"',
            settings: [
              set(
                "Question",
                '"Nobody is online right now. What is your question? A colleague will answer by e-mail."',
              ),
              set("Store the answer in dialog variable", code("question")),
            ],
            notes: [],
          },
          route("IntakeMessageUrl"),
          logicalStep(
            "Question accepted?",
            [
              ["questionValid equals true", "continue to 3.4 (the e-mail address the answer goes to)"],
              ["questionExhausted equals true", `Output: "${GIVE_UP}" (stop: do not ask again)`],
              ["Fallback (valid is false)", `Output ${variable("questionMessage")}, then back to 7.1 (ask again)`],
            ],
            ["A message needs the e-mail address whatever INTAKE_REQUIRED_FIELDS says: an agent answers by e-mail."],
          ),
        ],
      },
      {
        title: "Conversational AI Cloud: skip what the bot already knows (optional)",
        intro: [
          "When the bot already has a visitor's e-mail address or name (conversation variables of a logged-in visitor), pass them to step 3.1 and ask only for what is missing.",
          "A known value gets the same checks as the Capture Input; one that fails them is not stored, and the visitor is asked.",
        ],
        steps: [
          {
            title: 'API Callout "Start handover" (3.1) with known values',
            settings: [
              set(
                "Body",
                code(
                  JSON.stringify({ chatId: CHAT_ID, email: variable("customerEmail"), name: variable("customerName") }),
                ),
              ),
            ],
            notes: [
              "`customerEmail` and `customerName` stand for your bot's own conversation variables. Empty, `null` or unreplaced variables count as not known.",
              "Every intake API Callout (3.5, 3.8, 7.2) accepts known values for the other fields the same way.",
            ],
          },
          logicalStep(
            "Known already?",
            [
              ["emailKnown equals true and nameKnown equals true", "continue to 3.10"],
              ["emailKnown equals true", "continue to 3.7"],
              ["Fallback", "continue to 3.4"],
            ],
            [
              "Between 3.3 and 3.4: let 3.3's branch to 3.4 (and 7.3's) lead here instead.",
              "If a Logical Step cannot combine two conditions, test nameKnown in a second Logical Step after the first.",
            ],
          ),
          logicalStep(
            "Name known?",
            [
              ["nameKnown equals true", "continue to 3.10"],
              ["Fallback", "continue to 3.7"],
            ],
            ["Between 3.6 and 3.7: let 3.6's branch to 3.7 lead here instead."],
          ),
        ],
      },
    ],
  };
}

// Rendering: plain text for a terminal, Markdown for a document a team keeps.

export function renderText(guide: Guide): string {
  const lines = [guide.title, "=".repeat(guide.title.length), ""];
  const width = Math.max(...guide.about.map((entry) => entry.label.length));
  for (const entry of guide.about) lines.push(`${entry.label.padEnd(width)}  ${text(entry.value)}`);
  lines.push("", ...guide.conventions.map((line) => `* ${line}`));
  guide.sections.forEach((section, i) => {
    lines.push("", "", `${i + 1}. ${section.title}`, "-".repeat(`${i + 1}. ${section.title}`.length));
    lines.push(...section.intro);
    section.steps.forEach((step, j) => {
      lines.push("", `${i + 1}.${j + 1} ${step.title}`);
      const labelWidth = Math.max(0, ...step.settings.map((setting) => setting.label.length));
      for (const setting of step.settings)
        lines.push(`      ${setting.label.padEnd(labelWidth)}  ${text(setting.value)}`);
      for (const note of step.notes) lines.push(`      - ${note}`);
    });
  });
  return `${lines.join("\n")}\n`;
}

/** Prose for Markdown: outside `code` spans a `<` would start an HTML tag (hiding `<HANDOVER_WEBHOOK_KEY>`). */
const prose = (line: string) =>
  line
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll("<", "\\<")))
    .join("");
const cell = (value: Value) => (typeof value === "string" ? prose(value) : `\`${value.code}\``).replaceAll("|", "\\|");

export function renderMarkdown(guide: Guide): string {
  const table = (settings: Setting[], heading: [string, string]) => [
    `| ${heading[0]} | ${heading[1]} |`,
    "| --- | --- |",
    ...settings.map((setting) => `| ${cell(setting.label)} | ${cell(setting.value)} |`),
  ];
  const lines = [
    `# ${guide.title}`,
    "",
    ...guide.about.map((entry) => `- **${entry.label}**: ${cell(entry.value)}`),
    "",
    ...guide.conventions.map((line) => `- ${prose(line)}`),
  ];
  guide.sections.forEach((section, i) => {
    lines.push("", `## ${i + 1}. ${section.title}`);
    if (section.intro.length > 0) lines.push("", ...section.intro.map(prose));
    section.steps.forEach((step, j) => {
      lines.push("", `### ${i + 1}.${j + 1} ${step.title}`, "");
      if (step.settings.length > 0)
        lines.push(...table(step.settings, step.branches ? ["If", "Then"] : ["Setting", "Value"]), "");
      lines.push(...step.notes.map((note) => `- ${prose(note)}`));
    });
  });
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

// The command.

const USAGE = `npm run setup-guide -- [options]
  (default)            the deployed stage in .sst/outputs.json
  --outputs <file>     another outputs file
  --stage <stage>      the stage to use when the file holds several
  --api-url <url>      this API base URL instead of an outputs file
  --local              for npm start (http://127.0.0.1:$PORT, default 3000)
  --format <format>    text (default) or markdown
  --out <file>         write to a file instead of the terminal
  --show-key           print the webhook key itself instead of a placeholder`;

const parseGuideArgs = (args: readonly string[]) =>
  parseArgs({
    args: [...args],
    strict: true,
    options: {
      outputs: { type: "string" },
      stage: { type: "string" },
      "api-url": { type: "string" },
      local: { type: "boolean" },
      format: { type: "string" },
      out: { type: "string" },
      "show-key": { type: "boolean" },
      help: { type: "boolean" },
    },
  });

/** The guide for a command line; `readFile` answers undefined for a missing file. */
export function setupGuide(
  args: readonly string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string | undefined,
): { text: string; out: string | undefined } {
  let values: ReturnType<typeof parseGuideArgs>["values"];
  try {
    ({ values } = parseGuideArgs(args));
  } catch (error) {
    throw new SetupGuideError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return { text: `${USAGE}\n`, out: undefined };
  const format = values.format ?? "text";
  if (format !== "text" && format !== "markdown")
    throw new SetupGuideError(`--format is text or markdown, not ${format}`);
  if (values["api-url"] !== undefined && !/^https?:\/\/[^\s/]+/.test(values["api-url"])) {
    throw new SetupGuideError(`--api-url must be an http(s) URL, not ${values["api-url"]}`);
  }
  const options: GuideOptions = {
    outputs: values.outputs,
    stage: values.stage,
    apiUrl: values["api-url"],
    local: values.local,
    showKey: values["show-key"],
  };
  const target = options.local
    ? localTarget(options, env)
    : deployedTarget(
        options,
        env,
        options.apiUrl ? undefined : readFile(options.outputs ?? resolve(PROJECT_ROOT, ".sst/outputs.json")),
      );
  const guide = buildGuide(target);
  return { text: format === "markdown" ? renderMarkdown(guide) : renderText(guide), out: values.out };
}

const readIfPresent = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
};

function main() {
  const args = process.argv.slice(2);
  try {
    // npm start reads .env and its defaults the same way, so the local guide names the key it uses.
    const env = args.includes("--local") ? loadLocalEnv() : process.env;
    const { text, out } = setupGuide(args, env, readIfPresent);
    if (out) {
      writeFileSync(out, text);
      console.error(`setup guide written to ${out}`);
    } else process.stdout.write(text);
  } catch (error) {
    if (!(error instanceof SetupGuideError || error instanceof ConfigError)) throw error;
    console.error(`setup-guide: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
