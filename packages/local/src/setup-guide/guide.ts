import { IN_FLIGHT } from "@caic-handover/core/chat";
import { cmValueSteps, rulesetStep } from "./cm-values";
import { code, type Guide, numberGuide, ref, SetupGuideError, type StepDraft, set } from "./document";
import { guideDrift, KEY_PLACEHOLDER, ROUTE_GUIDE, routeStep, variable } from "./route-steps";
import type { Target } from "./targets";

/**
 * The guide's content, in the order of CM.com's guide. Steps refer to each other by id (`ref`), so a
 * step can be inserted anywhere without touching the numbers other steps mention. Every branch of
 * the dialog ends in an Output node; the only way back is a re-prompt this backend counts, which
 * stops at `exhausted`.
 */

const GIVE_UP = "Sorry, that did not work. Please try again later.";
const CANNOT_CHECK = "Sorry, I cannot check that right now. Please try again later.";

/** A Logical Step: each condition and where it leads, in the order CAIC should test them. */
const logicalStep = (
  id: string,
  title: string,
  branches: Array<[condition: string, then: string]>,
  notes: string[] = [],
): StepDraft => ({
  id,
  title: `Logical Step "${title}"`,
  settings: branches.map(([condition, then]) => set(condition, then)),
  notes,
  branches: true,
});

export const continueTo = (id: string) => `continue to ${ref(id)}`;
export const output = (message: string) => `Output: "${message}" (end)`;
/** The failure branch of every API Callout: no answer (a network fault, a timeout, a non-2xx) ends the dialog. */
export const CALLOUT_FAILED = "Fallback (the API Callout failed: no answer)";

export interface IntakeQuestion {
  /** The route that checks the answer, by output name; its responses name the dialog variables. */
  output: string;
  /** Dialog variable the Capture Input stores the answer in (also the step's id: `capture-<field>`). */
  field: string;
  title: string;
  question: string;
  /** The step after a valid answer. */
  next: string;
  /** The step of CM.com's guide this Capture Input stands for, if any. */
  cmGuideStep?: number;
}

/**
 * Capture Input, the API Callout that checks the answer, and the Logical Step on its answer: a valid
 * answer goes on; an invalid one is shown and asked again, which this backend counts until
 * `exhausted`; an exhausted field or a failed callout ends the dialog.
 */
export function intakeSteps(target: Target, intake: IntakeQuestion): StepDraft[] {
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
      settings: [
        set("Question", `"${intake.question}"`),
        set("Store the answer in dialog variable", code(intake.field)),
      ],
      notes: [],
    },
    routeStep(target, intake.output),
    logicalStep(`${intake.field}-accepted`, `${intake.title} accepted?`, [
      [`${valid} equals true`, continueTo(intake.next)],
      [`${exhausted} equals true`, output(GIVE_UP)],
      [
        `${valid} equals false`,
        `Output ${variable(message)}, then back to ${ref(capture)} (ask again; this backend counts the attempt and answers exhausted after 3)`,
      ],
      [CALLOUT_FAILED, output(CANNOT_CHECK)],
    ]),
  ];
}

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

  return numberGuide({
    title: `caic-handover setup guide: ${target.describe}`,
    about: [
      ...(target.unreachable ? [set("Warning", target.unreachable)] : []),
      set("Key", target.key ? code(target.key) : keyText),
      ...(target.dashboardUrl ? [set("Dashboard", code(target.dashboardUrl))] : []),
    ],
    conventions: [
      `\`${variable("name")}\` stands for the CAIC variable of that name: insert it with the node's variable picker.`,
      `\`${KEY_PLACEHOLDER}\` stands for the webhook key: enter the key itself, never this text.`,
      "Every answer is flat JSON: map each response field named below into the dialog variable named beside it.",
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
              output("You are already being connected to a colleague."),
            ]),
            [CALLOUT_FAILED, output("Sorry, I cannot connect you right now. Please try again later.")],
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
                  [
                    "availabilityReason equals closed",
                    output(`We are closed now and open again on ${variable("opensAtText")}.`),
                  ],
                  [
                    "Fallback (offline, or the API Callout failed)",
                    output("No agent is available right now. Please try again later."),
                  ],
                ],
            [
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
          ...intakeSteps(target, {
            output: "IntakeEmailUrl",
            field: "email",
            title: "E-mail",
            question: "What is your e-mail address?",
            next: "capture-name",
            cmGuideStep: 3,
          }),
          ...intakeSteps(target, {
            output: "IntakeNameUrl",
            field: "name",
            title: "Name",
            question: "What is your name?",
            next: "HandoverUrl",
          }),
          route("HandoverUrl"),
          logicalStep("handed-over", "Handed over?", [
            ...(leaveMessage
              ? [
                  [
                    "handoverMode equals message",
                    output("Thank you. Nobody is online right now: a colleague will answer your question by e-mail."),
                  ] as [string, string],
                ]
              : []),
            ["handoverResult equals requested", output("One moment, I am connecting you to a colleague.")],
            ...(leaveMessage
              ? []
              : [
                  [
                    "handoverReason equals agents-offline",
                    output("No agent is available right now. Please try again later."),
                  ] as [string, string],
                ]),
            [
              "Fallback (failed, or the API Callout failed)",
              output("Sorry, I could not connect you. Please try again in a moment."),
            ],
          ]),
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
        steps: [route("ChatStatusUrl"), route("ChatEraseUrl"), route("ChatHandbackUrl")],
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
        steps: intakeSteps(target, {
          output: "IntakeMessageUrl",
          field: "question",
          title: "Question",
          question: "Nobody is online right now. What is your question? A colleague will answer by e-mail.",
          next: "capture-email",
        }),
      },
      {
        id: "known-values",
        title: "Conversational AI Cloud: skip what the bot already knows (optional)",
        intro: [
          `When the bot already has a visitor's e-mail address or name (conversation variables of a logged-in visitor), pass them to step ${ref("CaicEventUrl")} and ask only for what is missing.`,
          "A known value gets the same checks as the Capture Input; one that fails them is not stored, and the visitor is asked.",
        ],
        steps: [
          {
            id: "known-values-event",
            title: `API Callout "Start handover" (${ref("CaicEventUrl")}) with known values`,
            settings: [
              set(
                "Body",
                code(
                  JSON.stringify({
                    chatId: variable("chatId"),
                    email: variable("customerEmail"),
                    name: variable("customerName"),
                  }),
                ),
              ),
            ],
            notes: [
              "`customerEmail` and `customerName` stand for your bot's own conversation variables. Empty, `null` or unreplaced variables count as not known.",
              `Every intake API Callout (${ref("IntakeEmailUrl")}, ${ref("IntakeNameUrl")}, ${ref("IntakeMessageUrl")}) accepts known values for the other fields the same way, in its URL's query.`,
            ],
          },
          logicalStep(
            "known-already",
            "Known already?",
            [
              ["emailKnown equals true and nameKnown equals true", continueTo("HandoverUrl")],
              ["emailKnown equals true", continueTo("capture-name")],
              ["Fallback", continueTo("capture-email")],
            ],
            [
              `Between ${ref("agents-available")} and ${ref("capture-email")}: let ${ref("agents-available")}'s branch to ${ref("capture-email")} lead here instead.`,
              "If a Logical Step cannot combine two conditions, test nameKnown in a second Logical Step after the first.",
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
