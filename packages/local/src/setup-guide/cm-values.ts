import { ConfigSchema, REQUIRED_SECRET_NAMES } from "@caic-handover/core/config/config";
import { ref, SetupGuideError, type StepDraft, set } from "./document";
import type { Target } from "./targets";

/**
 * Where each value this backend needs from CM.com is found, as far as CM.com's public documentation
 * says (docs/cm-interfaces.md); what it does not say is said plainly.
 */

interface CmValue {
  title: string;
  where: string;
  notes: string[];
}

const ADAPTER_ID_UNKNOWN =
  "CM.com's public documentation does not show where the Router displays an adapter's id: open the adapter in the Router's settings, and if no id is shown there, ask CM.com support for it.";

export const CM_VALUES: Record<string, CmValue> = {
  CM_TECHNICAL_LINK_ID: {
    title: "Technical link id",
    where:
      "Conversational Router settings: the id of your CONVERSATIONAL technical link, a GUID (CM.com's handover guide takes it from the Router settings).",
    notes: ["The Router sends the same id as `accountId` in the messages and notifications it sends."],
  },
  ROUTER_CLIENT_ADAPTER_ID: {
    title: "Web Conversations adapter id",
    where:
      "Conversational Router, your ruleset: the id of the Web Conversations adapter, where visitors' chats come in.",
    notes: [ADAPTER_ID_UNKNOWN],
  },
  ROUTER_BOT_ADAPTER_ID: {
    title: "Conversational AI Cloud adapter id",
    where: "Conversational Router, your ruleset: the id of the Conversational AI Cloud (bot) adapter.",
    notes: [ADAPTER_ID_UNKNOWN],
  },
  ROUTER_AGENT_ADAPTER_ID: {
    title: "Mobile Service Cloud adapter id",
    where: "Conversational Router, your ruleset: the id of the Mobile Service Cloud (agent desk) adapter.",
    notes: [ADAPTER_ID_UNKNOWN],
  },
  CM_PRODUCT_TOKEN: {
    title: "Product token",
    where:
      "CM.com platform → Channels → API Access and Settings → Authentication (CM.com's help page on product tokens); CM.com's handover guide says the Router settings show it too.",
    notes: [
      "It must be allowed to send routing mutation requests; CM.com does not document which right that takes. A token CM refuses makes the handover answer `failed` with reason `routing-rejected`, CM's status code in the log.",
    ],
  },
  MSC_PRESENCE_API_KEY: {
    title: "Presence API key",
    where:
      "Mobile Service Cloud (Agent Inbox): the API key of your subscription, the key Web Conversations' own presence check asks for with provider Mobile Service Cloud. CM.com's public documentation does not say which screen shows it: if you cannot find it, ask CM.com support for the presence API key of your subscription.",
    notes: ["A wrong key makes every availability answer `offline` with reason `presence-error`."],
  },
  HANDOVER_WEBHOOK_KEY: {
    title: "The dialog's key",
    where: "Not from CM.com: make one up, long and random, e.g. `openssl rand -hex 32`.",
    notes: [
      "You enter it below in the header of CAIC's API Callouts; it is refused on the Router's, the presence webhook's and operators' routes.",
    ],
  },
  ROUTER_WEBHOOK_KEY: {
    title: "The Router's key",
    where: "Not from CM.com: make one up, long and random, e.g. `openssl rand -hex 32`.",
    notes: [
      "You enter it below in the Router's Handover Endpoint (header) and Event endpoint (`?key=`); nothing else takes it.",
    ],
  },
  OPERATOR_KEY: {
    title: "The operator key",
    where: "Not from CM.com: make one up, long and random, e.g. `openssl rand -hex 32`.",
    notes: [
      "Only for your own tools: chat status, erase and hand-back (header only). Keep it out of CM.com and out of any page a visitor loads.",
    ],
  },
  PRESENCE_WEBHOOK_KEY: {
    title: "The presence webhook's key",
    where: "Not from CM.com: make one up, long and random, e.g. `openssl rand -hex 32`.",
    notes: [
      "You enter it below in Web Conversations' presence-check webhook URL (`?key=`). It may reach a visitor's browser, so it opens that route only.",
    ],
  },
};

/** The settings a user must supply: every required secret and every parameter without a default, in schema order. */
export function requiredSettings(): string[] {
  const secrets: readonly string[] = REQUIRED_SECRET_NAMES;
  return Object.entries(ConfigSchema.shape)
    .filter(([name, schema]) => secrets.includes(name) || !schema.safeParse(undefined).success)
    .map(([name]) => name);
}

/** One step per required setting: where in CM.com it is found, and where it goes. */
export function cmValueSteps(target: Target): StepDraft[] {
  const missing = requiredSettings().filter((name) => !CM_VALUES[name]);
  if (missing.length > 0) throw new SetupGuideError(`setup guide: no "where to find it" for ${missing.join(", ")}`);
  const secrets: readonly string[] = REQUIRED_SECRET_NAMES;
  return requiredSettings().map((name) => {
    const value = CM_VALUES[name]!;
    return {
      id: name,
      title: `${value.title} (${name})`,
      settings: [
        set("Where to find it", value.where),
        set("Set it", secrets.includes(name) ? target.setSecret(name) : target.setParameter(name)),
      ],
      notes: value.notes,
    };
  });
}

/** The links between adapters the handover mutation request changes, as it expects to find them. */
export const rulesetStep = (): StepDraft => ({
  id: "ruleset",
  title: "The ruleset the handover assumes",
  settings: [
    set("Web Conversations → Conversational AI Cloud", "on: the bot gets the visitor's messages"),
    set("Conversational AI Cloud → Web Conversations", "on: the visitor sees the bot's answers"),
    set("Web Conversations → Mobile Service Cloud", "off: the handover turns it on for the chat"),
    set("Mobile Service Cloud → Web Conversations", "on: the visitor sees the agent's answers"),
    set(
      "Conversation History adapter",
      "recommended: add it to the ruleset, so the agent sees what the visitor and the bot said",
    ),
  ],
  notes: [
    `The handover is one routing mutation request for the chat: \`Disable\` Web Conversations → Conversational AI Cloud and \`Enable\` Web Conversations → Mobile Service Cloud (\`ruleMutation\`, operator \`And\`), with the adapter ids of steps ${ref("ROUTER_CLIENT_ADAPTER_ID")} to ${ref("ROUTER_AGENT_ADAPTER_ID")}. Only that chat's links change.`,
    "CM.com documents mutations as turning links between adapters on and off. That the link Web Conversations → Mobile Service Cloud has to be in the ruleset (off) to be turned on is our reading, not documented: if a handover answers `requested` but no agent gets the chat, check this link first.",
    "CM.com's bot-handover page says that with a Conversation History adapter in the ruleset the agent sees the bot's history (and an AI summary on plans that have one); it does not document how that adapter is linked, so follow CM.com's Conversation History page. The Router passes its session id in the Handover Endpoint call; this backend keeps it, and with ERASE_CM_HISTORY `on-erase` or `on-session-end` deletes that session's history at CM with the same product token (Conversation History API).",
  ],
});
