import { code, type Guide, numberGuide, ref, SetupGuideError, type StepDraft, set } from "./document";
import { guideDrift, KEY_PLACEHOLDER, routeStep, variable } from "./route-steps";
import type { Target } from "./targets";

/**
 * The guide's content, in the order of CM.com's guide. Steps refer to each other by id (`ref`), so a
 * step can be inserted anywhere without touching the numbers other steps mention.
 */

const GIVE_UP = "Sorry, that did not work. Please try again later.";

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

const continueTo = (id: string) => `continue to ${ref(id)}`;

export function buildGuide(target: Target): Guide {
  const { missing, stale } = guideDrift();
  if (missing.length > 0 || stale.length > 0) {
    throw new SetupGuideError(
      `setup guide out of step with the route table: no entry for ${missing.join(", ") || "-"}; stale entries ${stale.join(", ") || "-"}`,
    );
  }
  const route = (output: string) => routeStep(target, output);
  const keyText = target.key ?? `${KEY_PLACEHOLDER} (${target.keySource})`;

  return numberGuide({
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
          route("AvailabilityUrl"),
          logicalStep(
            "agents-available",
            "Agents available?",
            [
              ["agentStatus equals online", continueTo("capture-email")],
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
            ],
          ),
          {
            id: "capture-email",
            title: 'Capture Input "E-mail" (CM.com guide, step 3)',
            settings: [
              set("Question", '"What is your e-mail address?"'),
              set("Store the answer in dialog variable", code("email")),
            ],
            notes: [],
          },
          route("IntakeEmailUrl"),
          logicalStep("email-accepted", "E-mail accepted?", [
            ["emailValid equals true", continueTo("capture-name")],
            ["emailExhausted equals true", `Output: "${GIVE_UP}" (stop: do not ask again)`],
            [
              "Fallback (valid is false)",
              `Output ${variable("emailMessage")}, then back to ${ref("capture-email")} (ask again)`,
            ],
          ]),
          {
            id: "capture-name",
            title: 'Capture Input "Name"',
            settings: [
              set("Question", '"What is your name?"'),
              set("Store the answer in dialog variable", code("name")),
            ],
            notes: [],
          },
          route("IntakeNameUrl"),
          logicalStep("name-accepted", "Name accepted?", [
            ["nameValid equals true", continueTo("HandoverUrl")],
            ["nameExhausted equals true", `Output: "${GIVE_UP}" (stop: do not ask again)`],
            [
              "Fallback (valid is false)",
              `Output ${variable("nameMessage")}, then back to ${ref("capture-name")} (ask again)`,
            ],
          ]),
          route("HandoverUrl"),
          logicalStep("handed-over", "Handed over?", [
            ["handoverResult equals requested", 'Output: "One moment, I am connecting you to a colleague."'],
            [
              "Fallback (failed, or the API Callout failed)",
              'Output: "Sorry, I could not connect you. Please try again in a moment."',
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
            title: "Keep Web Conversations' own handover endpoint",
            settings: [
              set("Copy", "the URL now in the adapter's Handover Endpoint (Web Conversations' own)"),
              set("Into", target.setParameter("WEB_CONVERSATIONS_HANDOVER_URL")),
            ],
            notes: [
              `Do this before step ${ref("RouterHandoverEndpointUrl")} replaces it: every notification this backend receives is passed on there.`,
            ],
          },
          route("RouterHandoverEndpointUrl"),
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
        steps: [route("ChatStatusUrl"), route("ChatEraseUrl")],
      },
    ],
  });
}
