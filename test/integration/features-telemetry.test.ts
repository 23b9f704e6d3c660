import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, newChatId, startHarness } from "../support/harness";
import { logged } from "../support/log-capture";

// The handlers build their Logger and Metrics at import, inside startHarness: switch EMF on and log INFO first.
process.env.POWERTOOLS_METRICS_DISABLED = "false";
process.env.POWERTOOLS_LOG_LEVEL = "INFO";

const QUESTION = "Zebrafinch parcel 90210 never arrived at Quokkastraat";
const NAME = "Xiomara Quintanilla";
const EMAIL = "xiomara.q@example.com";
/** Fragments of what the visitor and the bot sent; none may reach a log line. */
const PERSONAL = ["zebrafinch", "90210", "quokkastraat", "xiomara", "quintanilla", EMAIL];

interface Emf {
  _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/** Each EMF line as `Name` or `Name dimension=value`. */
const metricsIn = (lines: string[]) =>
  lines
    .map(parse)
    .filter((entry): entry is Emf => entry !== undefined && "_aws" in entry)
    .map((line) => {
      const name = line._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name;
      const dimension = ["reason", "field"].find((key) => key in line);
      return dimension ? `${name} ${dimension}=${String(line[dimension])}` : name;
    });

// Each block cold-starts the handlers with its own OFFLINE_HANDOVER, as a new deployment would.
describe("with OFFLINE_HANDOVER=message", () => {
  let h: Harness;
  let lines: string[];
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({ OFFLINE_HANDOVER: "message", INTAKE_REQUIRED_FIELDS: "email,name" });
    const chatId = newChatId();
    h.cm.presence.byReferrer.set("https://shop.example/night", "Offline");
    lines = await logged(async () => {
      await h.call("POST", "/caic/events", { body: { chatId, email: EMAIL, name: NAME } });
      await h.call("GET", "/availability", { query: { chatId, referrer: "https://shop.example/night" } });
      await h.call("POST", "/intake/message", { body: { chatId, value: QUESTION } });
      await h.call("POST", "/intake/message", { body: { chatId, value: `${QUESTION}\u0000` } });
      await h.call("POST", "/handover", { body: { chatId } });
      await h.call("POST", "/router/handover", { body: { chatId } });
      await h.call("POST", `/chats/${chatId}/handback`);
      await h.call("POST", `/chats/${chatId}/handback`);
      await h.call("POST", `/chats/${newChatId()}/handback`);
    });
  });
  afterAll(() => h.close());

  it("counts known values, the question, the message left apart from live handovers, and the hand-back", () => {
    expect(metricsIn(lines)).toEqual([
      "HandoverTriggered",
      "IntakeKnown field=email",
      "IntakeKnown field=name",
      "AgentsOffline reason=presence",
      "IntakeValid field=message",
      "IntakeInvalid field=message",
      "MessageLeft",
      "HandoverConfirmed",
      "HandedBack",
      "HandbackFailed reason=not-handed-over",
    ]);
  });

  it("never logs the question, the name or the e-mail address", () => {
    const text = lines.join("\n").toLowerCase();
    for (const fragment of PERSONAL) expect(text, fragment).not.toContain(fragment.toLowerCase());
    expect(h.cm.acceptedMutations[0]!.body).toMatchObject({ Context: { message: QUESTION } });
  });
});

describe("with OFFLINE_HANDOVER off", () => {
  let h: Harness;
  let lines: string[];
  beforeAll(async () => {
    vi.resetModules();
    h = await startHarness({ OFFLINE_HANDOVER: "off", INTAKE_REQUIRED_FIELDS: "email,name" });
    const chatId = newChatId();
    h.cm.presence.byReferrer.set("https://shop.example/night", "Offline");
    lines = await logged(async () => {
      await h.call("POST", "/caic/events", { body: { chatId, email: EMAIL, name: NAME } });
      await h.call("GET", "/availability", { query: { chatId, referrer: "https://shop.example/night" } });
      await h.call("POST", "/handover", { body: { chatId } });
    });
  });
  afterAll(() => h.close());

  it("counts a handover refused while nobody is online as HandoverFailed agents-offline", () => {
    expect(metricsIn(lines).slice(-1)).toEqual(["HandoverFailed reason=agents-offline"]);
    expect(h.cm.routing.calls).toHaveLength(0);
  });
});
