import { IN_FLIGHT } from "@caic-handover/core/chat/chat";
import { type BotTextKey, botText } from "@caic-handover/core/language/bot-texts";
import type { Language } from "@caic-handover/core/language/culture";
import { CALLERS, findRoute, keyPlacement, routeKeyName } from "@caic-handover/functions/routes";
import { cmValueSteps, rulesetStep } from "./cm-values";
import { code, type Guide, numberGuide, ref, SetupGuideError, type StepDraft, set } from "./document";
import { guideDrift, ROUTE_GUIDE, routeStep, variable } from "./route-steps";
import type { Target } from "./targets";

/**
 * The guide's content, in the order of CM.com's guide. Steps refer to each other by id (`ref`), so a
 * step can be inserted anywhere without touching the numbers other steps mention. Every branch of
 * the dialog ends in an Output node; the only way back is a re-prompt this backend counts, which
 * stops at `exhausted`.
 */

/**
 * A bot text of the catalogue (`BOT_TEXTS` in core/bot-texts.ts) in the guide's languages: one
 * language gives `"text"`, several `nl "…" | en "…"`. Placeholders become CAIC variables.
 */
export type Say = (key: BotTextKey) => string;
const sayIn =
  (languages: readonly Language[]): Say =>
  (key) => {
    const params = { opensAtText: variable("opensAtText") };
    if (languages.length === 1) return `"${botText(key, languages[0]!, params)}"`;
    return languages.map((language) => `${language} "${botText(key, language, params)}"`).join(" | ");
  };

/** Said on a Logical Step whose branches must be tested in the order given. */
const orderMatters = (why: string, otherwise: string) =>
  `Order matters: ${why}. CAIC is assumed to test conditions top-down and take the first that holds (unknown, docs/cm-interfaces.md); if your tenant does not, make them exclusive: ${otherwise}.`;

/** A condition comparing a variable with `true` or `false`: every answer field compared so is a JSON boolean. */
const BOOLEAN_CONDITION = /\b(\w+) equals (?:true|false)\b/g;

/**
 * The hedge every Logical Step comparing a JSON boolean with `equals true` carries, naming the
 * variables it compares; `otherwise` is a step's own alternative besides comparing with text.
 */
export const booleanHedge = (variables: readonly string[], otherwise?: string) =>
  `Unknown: whether \`equals true\` matches a JSON boolean (${variables.map((name) => `\`${name}\``).join(", ")} ${variables.length === 1 ? "arrives" : "arrive"} as \`true\`/\`false\`, not text). If it never matches, compare with the text "true"${otherwise ? `, or ${otherwise}` : ""}.`;

/**
 * A Logical Step: each condition and where it leads, in the order CAIC should test them. A step
 * comparing a variable with true or false carries the JSON-boolean hedge, whoever writes it.
 */
const logicalStep = (
  id: string,
  title: string,
  branches: Array<[condition: string, then: string]>,
  notes: string[] = [],
  booleanOtherwise?: string,
): StepDraft => {
  const booleans = [
    ...new Set(branches.flatMap(([condition]) => [...condition.matchAll(BOOLEAN_CONDITION)].map((m) => m[1]!))),
  ];
  return {
    id,
    title: `Logical Step "${title}"`,
    settings: branches.map(([condition, then]) => set(condition, then)),
    notes: booleans.length > 0 ? [...notes, booleanHedge(booleans, booleanOtherwise)] : notes,
    branches: true,
  };
};

export const continueTo = (id: string) => `continue to ${ref(id)}`;
/** An Output node that ends the dialog, its text as `say` gives it. */
export const output = (said: string) => `Output: ${said} (end)`;
/** The failure branch of every API Callout: no answer (a network fault, a timeout, a non-2xx) ends the dialog. */
export const CALLOUT_FAILED = "Fallback (the API Callout failed: no answer)";

export interface IntakeQuestion {
  /** The route that checks the answer, by output name; its responses name the dialog variables. */
  output: string;
  /** Dialog variable the Capture Input stores the answer in (also the step's id: `capture-<field>`). */
  field: string;
  title: string;
  /** The step after a valid answer. */
  next: string;
  /** The question's text in the catalogue. */
  question: BotTextKey;
  /** The step of CM.com's guide this Capture Input stands for, if any. */
  cmGuideStep?: number;
}

/**
 * Capture Input, the API Callout that checks the answer, and the Logical Step on its answer: a valid
 * answer goes on; an invalid one is shown and asked again, which this backend counts until
 * `exhausted`; an exhausted field or a failed callout ends the dialog.
 */
export function intakeSteps(target: Target, intake: IntakeQuestion, say: Say): StepDraft[] {
  const answer = ROUTE_GUIDE[intake.output]?.responses ?? {};
  const { valid, message, exhausted } = answer;
  if (!valid || !message || !exhausted) {
    throw new SetupGuideError(`setup guide: ${intake.output} must map valid, message and exhausted`);
  }
  const capture = `capture-${intake.field}`;
  return [
    {
      id: capture,
      title: `Capture Input "${intake.title}"${intake.cmGuideStep ? ` (CM.com guide, step ${intake.cmGuideStep})` : ""}`,
      settings: [set("Question", say(intake.question)), set("Store the answer in dialog variable", code(intake.field))],
      notes: [],
    },
    routeStep(target, intake.output),
    logicalStep(
      `${intake.field}-accepted`,
      `${intake.title} accepted?`,
      [
        [`${valid} equals true`, continueTo(intake.next)],
        [`${exhausted} equals true`, output(say("give-up"))],
        [
          `${valid} equals false`,
          `Output ${variable(message)}, then back to ${ref(capture)} (ask again; this backend counts the attempt and answers exhausted after 3)`,
        ],
        [CALLOUT_FAILED, output(say("cannot-check"))],
      ],
      [
        orderMatters(
          `an exhausted answer is invalid too, so \`${exhausted} equals true\` comes before \`${valid} equals false\``,
          `write the third condition as \`${valid} equals false and ${exhausted} equals false\``,
        ),
        `Unknown: whether an Output node may lead back to a Capture Input. If yours cannot, add a Capture Input "${intake.title}, again" whose question is ${variable(message)}, storing into \`${intake.field}\` and leading to step ${ref(intake.output)}.`,
      ],
      `branch on ${variable(message)}: an invalid answer always has one, a valid answer never`,
    ),
  ];
}

/** One known value, sent alone as plain text to the start route (`?known=<field>`): never a JSON template. */
function knownValueStep(target: Target, field: "email" | "name", botVariable: string, into: string): StepDraft {
  return routeStep(target, "CaicEventUrl", {
    id: `known-${field}`,
    entry: {
      title: `API Callout "Known ${field === "email" ? "e-mail" : "name"}" (${ref("CaicEventUrl")}, with a known value)`,
      query: { chatId: variable("chatId"), known: field },
      textBody: variable(botVariable),
      responses: { known: into },
      notes: [
        `\`${botVariable}\` stands for your bot's own conversation variable. Empty, \`null\` or an unreplaced variable count as not known.`,
        "`known` is true when the value passed the checks and is stored; the answer also says `complete` and `missing`.",
      ],
    },
  });
}

/** How an agent, or a tool on the agent's side, hands a chat back: where the chat id is, which key, the call. */
function handbackFromAgentSide(target: Target): StepDraft {
  const route = findRoute("POST", "/chats/{chatId}/handback");
  const keyName = routeKeyName(route);
  const url = target.urls[route.output]!.replace("{chatId}", "<chatId>");
  return {
    id: "handback-agent-side",
    title: "Hand a chat back from the agent's side",
    settings: [
      set(
        "Key",
        `the operator key (${keyName}), in ${keyPlacement(route)}; keep it in the tool, never in a page a visitor loads`,
      ),
      set("Call", code(`curl -X POST -H "X-Handover-Key: <${keyName}>" ${url}`)),
    ],
    notes: [
      "The chat id is the conversation's Conversational Router chat id: CAIC's `chatId` variable, a GUID. A tool on the agent's side finds it in the Router's handover notification (`chatId`), which this backend receives and passes on to WEB_CONVERSATIONS_HANDOVER_URL; operators find it in the log lines of the chat (`chatId`, see docs/operations.md) and check it with `npm run chat -- <chatId> --stage <stage>`.",
      "Unknown (docs/cm-interfaces.md): whether Mobile Service Cloud shows the Router chat id to an agent. If it does not, let the tool that opens the conversation for the agent keep the id from the notification, or ask CM.com support where MSC shows it.",
      `Answers {"handback":"requested"} once the routing mutation is accepted: the visitor is talking to the bot again. {"handback":"failed","reason":"not-handed-over"} means the chat was not (or no longer) with an agent; see step ${ref("ChatHandbackUrl")} for the other reasons.`,
    ],
  };
}

export function buildGuide(target: Target, languages: readonly Language[] = ["en"]): Guide {
  if (languages.length === 0) throw new SetupGuideError("setup guide: at least one culture");
  const say = sayIn(languages);
  const { missing, stale } = guideDrift();
  if (missing.length > 0 || stale.length > 0) {
    throw new SetupGuideError(
      `setup guide out of step with the route table: no entry for ${missing.join(", ") || "-"}; stale entries ${stale.join(", ") || "-"}`,
    );
  }
  const route = (output: string) => routeStep(target, output);
  const leaveMessage = target.offlineHandover === "message";
  // One key per caller (routes.ts CALLERS): each node gets its caller's key, never another's.
  const keys = Object.values(CALLERS).map(({ key, who }) => {
    const shown = target.keys?.[key];
    return set(`Key: ${who}`, shown ? code(shown) : `<${key}> (${target.keySource(key)})`);
  });

  return numberGuide({
    title: `caic-handover setup guide: ${target.describe}`,
    about: [
      ...(target.unreachable ? [set("Warning", target.unreachable)] : []),
      ...keys,
      ...(target.dashboardUrl ? [set("Dashboard", code(target.dashboardUrl))] : []),
    ],
    conventions: [
      `\`${variable("name")}\` stands for the CAIC variable of that name: insert it with the node's variable picker.`,
      "`<HANDOVER_WEBHOOK_KEY>` and the other `<…_KEY>` stand for the keys above: enter the key itself, never this text, and in each node only the key it names.",
      "Every answer is flat JSON: map each response field named below into the dialog variable named beside it.",
      `Bot texts are in ${languages.join(", ")} (\`npm run setup-guide -- --culture nl-NL\`, several separated by commas), from the same catalogue as the backend's answers; in a project with several cultures, enter each culture's text in that culture's version of the node.`,
      "Where a node relies on something CM.com does not document, its notes say so and give the alternative to use if your tenant behaves otherwise; a Logical Step whose conditions must be tested in order says so.",
      "Every branch of a dialog ends in an Output node (CAIC requires it); no branch loops without a limit.",
      "What CM.com documents, and what it does not, about the interfaces used here: docs/cm-interfaces.md.",
    ],
    sections: [
      {
        id: "cm-values",
        title: "Before you start: what this backend needs from CM.com",
        intro: [
          "Each step says where CM.com shows the value and where it goes. A deploy stops, naming the setting, while one is missing; `npm start` uses made-up local values for those it is not given.",
        ],
        steps: [...cmValueSteps(target), rulesetStep()],
      },
      {
        id: "answer",
        title: "Conversational AI Cloud: the answer that offers a live agent",
        intro: [],
        steps: [
          {
            id: "answer-metadata",
            title: "Answer metadata",
            settings: [set("Metadata", code("triggerEvent")), set("Type", "Text"), set("Value", code("handover"))],
            notes: ["CAIC fires the event named here after showing the answer."],
          },
        ],
      },
      {
        id: "event",
        title: "Conversational AI Cloud: the handover event",
        intro: [],
        steps: [
          {
            id: "handover-event",
            title: 'Event "handover"',
            settings: [
              set("Event name", code("handover")),
              set("Answer", `starts the dialog "Handover to a live agent" (section ${ref("dialog")})`),
            ],
            notes: [
              "Event names allow letters, digits, _ and - only. Do not rename the event once the answer uses it.",
            ],
          },
        ],
      },
      {
        id: "dialog",
        title: 'Conversational AI Cloud: dialog "Handover to a live agent"',
        intro: ["The nodes in order; each step names the node the previous one leads to."],
        steps: [
          route("CaicEventUrl"),
          logicalStep("handover-started", "Handover started?", [
            ["handoverStatus equals started", continueTo("AvailabilityUrl")],
            ...IN_FLIGHT.map((status): [string, string] => [
              `handoverStatus equals ${status}`,
              output(say("already-connecting")),
            ]),
            [CALLOUT_FAILED, output(say("cannot-connect"))],
          ]),
          route("AvailabilityUrl"),
          logicalStep(
            "agents-available",
            "Agents available?",
            leaveMessage
              ? [
                  ["agentStatus equals online", continueTo("capture-email")],
                  ["availabilityReason equals closed", `${continueTo("capture-question")} (leave a message)`],
                  [
                    "availabilityReason equals presence",
                    `${continueTo("capture-question")} (nobody online: leave a message)`,
                  ],
                  [
                    "Fallback (presence failed or the API Callout failed)",
                    `${continueTo("capture-email")} (a presence fault never blocks a handover)`,
                  ],
                ]
              : [
                  ["agentStatus equals online", continueTo("capture-email")],
                  // Presence failing says nothing about agents: the handover is tried (it is never blocked by it).
                  ["availabilityReason equals presence-error", continueTo("capture-email")],
                  ["availabilityReason equals presence-timeout", continueTo("capture-email")],
                  ["availabilityReason equals closed", output(say("closed"))],
                  ["Fallback (offline, or the API Callout failed)", output(say("no-agent"))],
                ],
            [
              ...(leaveMessage
                ? [
                    orderMatters(
                      "an online answer's reason is `presence` too, so `agentStatus equals online` comes first",
                      "write the third condition as `availabilityReason equals presence and agentStatus equals offline`",
                    ),
                  ]
                : []),
              "CM.com guide, step 2.",
              "`opensAt` is ISO 8601 in the desk's own time zone, e.g. 2026-12-28T09:00:00+01:00: its date and time read as the desk's clock.",
              '`opensAtText` is that moment written for the visitor\'s culture, in the desk\'s time zone: "Monday, December 28 at 9:00 AM", "maandag 28 december om 09:00".',
              ...(leaveMessage
                ? [
                    `OFFLINE_HANDOVER is message: while nobody is online the visitor leaves a question (section ${ref("question")}).`,
                  ]
                : []),
            ],
          ),
          ...intakeSteps(
            target,
            {
              output: "IntakeEmailUrl",
              field: "email",
              title: "E-mail",
              question: "ask.email",
              next: "capture-name",
              cmGuideStep: 3,
            },
            say,
          ),
          ...intakeSteps(
            target,
            {
              output: "IntakeNameUrl",
              field: "name",
              title: "Name",
              question: "ask.name",
              next: "HandoverUrl",
            },
            say,
          ),
          route("HandoverUrl"),
          logicalStep(
            "handed-over",
            "Handed over?",
            [
              ...(leaveMessage
                ? [["handoverMode equals message", output(say("message-taken"))] as [string, string]]
                : []),
              ["handoverResult equals requested", output(say("connecting"))],
              ...(leaveMessage
                ? []
                : [["handoverReason equals agents-offline", output(say("no-agent"))] as [string, string]]),
              ["Fallback (failed, or the API Callout failed)", output(say("could-not-connect"))],
            ],
            leaveMessage
              ? [
                  orderMatters(
                    "a message handover is requested too, so `handoverMode equals message` comes before `handoverResult equals requested`",
                    "write the second condition as `handoverResult equals requested and handoverMode is empty`",
                  ),
                ]
              : [],
          ),
        ],
      },
      {
        id: "router",
        title: "Conversational Router: the Web Conversations adapter",
        intro: ["So Web Conversations switches to live chat (file attachments) when the handover has happened."],
        steps: [
          {
            id: "keep-web-conversations-handover",
            title: "Keep Web Conversations' own handover endpoint (WEB_CONVERSATIONS_HANDOVER_URL)",
            settings: [
              set("Where to find it", "the URL now in this adapter's Handover Endpoint: Web Conversations' own"),
              set("Set it", target.setParameter("WEB_CONVERSATIONS_HANDOVER_URL")),
            ],
            notes: [
              `Do this before step ${ref("RouterHandoverEndpointUrl")} replaces it: every notification this backend receives is passed on there.`,
            ],
          },
          route("RouterHandoverEndpointUrl"),
          {
            id: "keep-web-conversations-events",
            title: "Leave this adapter's Event endpoint as it is",
            settings: [],
            notes: [
              `It is Web Conversations' own: Web Conversations needs the Router's events. This backend gets them on an adapter of its own (section ${ref("events-adapter")}).`,
            ],
          },
        ],
      },
      {
        id: "events-adapter",
        title: "Conversational Router: an adapter of its own for session ends",
        intro: [
          "The Router announces the end of a conversation (RouterSessionEnded) on an adapter's Event endpoint. Web Conversations' adapter keeps its own, so this backend gets a custom adapter in the same ruleset that does nothing else.",
          `Skip this section and everything else works, but a chat is never marked ended and the visitor's e-mail and name stay stored until INTAKE_TTL_HOURS (default 24) after the chat's last change, instead of being erased when the conversation ends; SessionEnded stays 0 on the dashboard. Erasing on request (step ${ref("ChatEraseUrl")}) works either way.`,
        ],
        steps: [
          {
            id: "create-events-adapter",
            title: 'Create the adapter "caic-handover events"',
            settings: [
              set(
                "Where",
                "Conversational Router → the ruleset Web Conversations uses → add an adapter → custom (TwoWay)",
              ),
              set("Name", "caic-handover events"),
              set(
                "Message webhook",
                `the URL of step ${ref("RouterEventsUrl")} (a required field; no messages arrive while no link points at this adapter, and any that do are acknowledged and ignored)`,
              ),
              set("Handover URL", "leave empty"),
              set("Is Bot", "off"),
              set("Links", "none: do not draw a link to or from this adapter"),
            ],
            notes: [
              "Not documented by CM.com: whether the Router sends a session's events to an adapter no link of the chat touches. Check it once on your stage: end a test conversation, then the chat status (step " +
                `${ref("ChatStatusUrl")}) should say \`ended\`. If it stays \`handed_over\`, ask CM.com support how a second adapter receives RouterSessionEnded; until then the TTL erases personal data.`,
            ],
          },
          route("RouterEventsUrl"),
        ],
      },
      {
        id: "presence-check",
        title: `Web Conversations: presence check (alternative to steps ${ref("AvailabilityUrl")} and ${ref("agents-available")})`,
        intro: ["Only when Web Conversations itself should ask for agent availability."],
        steps: [route("PresenceWebhookUrl")],
      },
      {
        id: "operators",
        title: "Operators",
        intro: ["Not entered in CM.com: for people and pages that look after chats."],
        steps: [route("ChatStatusUrl"), route("ChatEraseUrl"), handbackFromAgentSide(target), route("ChatHandbackUrl")],
      },
      {
        id: "question",
        title: "Conversational AI Cloud: the visitor's question (leave a message while nobody is online)",
        intro: leaveMessage
          ? [
              `OFFLINE_HANDOVER is message: while nobody is online (or the desk is closed) step ${ref("agents-available")} leads here, and the handover goes through as a message an agent answers by e-mail.`,
              "It relies on Mobile Service Cloud routing non-instant conversations to Offline agents, or to the web store's owner when everyone is Away: check that on your stage.",
            ]
          : [
              `OFFLINE_HANDOVER is off: while the chat's last availability was offline, step ${ref("HandoverUrl")} answers \`agents-offline\`. To let visitors leave a message instead, set OFFLINE_HANDOVER=message (${target.setParameter("OFFLINE_HANDOVER")}) and print this guide again.`,
              "These nodes also let a visitor leave a question for a live agent: it travels in the handover's Context.",
            ],
        steps: intakeSteps(
          target,
          {
            output: "IntakeMessageUrl",
            field: "question",
            title: "Question",
            question: "ask.question",
            next: "capture-email",
          },
          say,
        ),
      },
      {
        id: "known-values",
        title: "Conversational AI Cloud: skip what the bot already knows (optional)",
        intro: [
          `When the bot already has a visitor's e-mail address or name (conversation variables of a logged-in visitor), send each to the backend on its own, then ask only for what is missing. They go between ${ref("agents-available")} and ${ref("capture-email")}: let ${ref("agents-available")}'s branches to ${ref("capture-email")} lead to ${ref("known-email")} instead.`,
          'Each value travels alone as a plain-text body, like a visitor\'s answer: no value can break it (a JSON template breaks on a name such as Johannes "Jan" Jansen). A known value gets the same checks as the Capture Input; one that fails them, or is empty, is simply not known and the visitor is asked, with all three attempts. A failed callout here leads on to the Capture Input too.',
        ],
        steps: [
          knownValueStep(target, "email", "customerEmail", "emailKnown"),
          knownValueStep(target, "name", "customerName", "nameKnown"),
          logicalStep(
            "known-already",
            "Known already?",
            [
              ["emailKnown equals true and nameKnown equals true", continueTo("HandoverUrl")],
              ["emailKnown equals true", continueTo("capture-name")],
              ["Fallback (not known, or a callout failed)", continueTo("capture-email")],
            ],
            [
              orderMatters(
                "both known must be tested before the e-mail alone",
                "write the second condition as `emailKnown equals true and nameKnown equals false`",
              ),
              "If a Logical Step cannot combine two conditions, test nameKnown in a second Logical Step after the first.",
              `A failed callout maps nothing: the variable keeps what step ${ref("CaicEventUrl")} answered (false), so the Fallback asks.`,
            ],
          ),
          logicalStep(
            "name-known",
            "Name known?",
            [
              ["nameKnown equals true", continueTo("HandoverUrl")],
              ["Fallback", continueTo("capture-name")],
            ],
            [
              `Between ${ref("email-accepted")} and ${ref("capture-name")}: let its branch to ${ref("capture-name")} lead here instead.`,
            ],
          ),
        ],
      },
    ],
  });
}
