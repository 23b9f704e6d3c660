import {
  AWAITING_CONFIRMATION,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  Metric,
  type MetricName,
} from "@caic-handover/core/shared/metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, LOCAL_KEYS, newChatId, startHarness, TECHNICAL_LINK } from "../support/harness";
import { withLogs } from "../support/log-capture";

// The handlers build their Logger and Metrics at import, inside startHarness: switch EMF on and log INFO first.
process.env.POWERTOOLS_METRICS_DISABLED = "false";
process.env.POWERTOOLS_LOG_LEVEL = "INFO";

const NAME = " Xiomara   Quintanilla-Brandt ";
const EMAIL = "  Xiomara.Q@Example.COM ";
const WRONG_EMAIL = "xiomara.q.example.com";
/** Every fragment of personal data sent, as sent and as normalised; none may reach a log line. */
const PERSONAL = ["xiomara", "quintanilla", "brandt", "xiomara.q@example.com", WRONG_EMAIL];

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** One request of the conversation and every line written while it ran. */
interface Step {
  chatId: string;
  what: string;
  status: number;
  lines: string[];
}

let h: Harness;
const steps: Step[] = [];
const chatId = newChatId();
const abandonedChatId = newChatId();

/** Captures everything written to stdout/stderr or through console while one request runs. */
async function step(what: string, id: string, request: () => ReturnType<Harness["call"]>) {
  const { result: answer, lines } = await withLogs(request);
  steps.push({ chatId: id, what, status: answer.status, lines });
}

const allLines = () => steps.flatMap((s) => s.lines);
const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};
const emfLines = () =>
  allLines()
    .map(parse)
    .filter((entry): entry is Emf => entry !== undefined && "_aws" in entry);

beforeAll(async () => {
  h = await startHarness();
  const routerEvent = JSON.stringify({ chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] });
  const notification = `{"chatId":"${chatId}","accountId":"${TECHNICAL_LINK}","channel":"CXWebConversations","context":}`;
  await step("event", chatId, () => h.call("POST", "/caic/events", { body: { chatId } }));
  await step("availability", chatId, () => h.call("GET", "/availability", { query: { chatId } }));
  await step("wrong e-mail", chatId, () => h.call("POST", "/intake/email", { body: { chatId, value: WRONG_EMAIL } }));
  await step("e-mail", chatId, () => h.call("POST", "/intake/email", { body: { chatId, email: EMAIL } }));
  await step("name", chatId, () => h.call("POST", "/intake/name", { body: { chatId, value: NAME } }));
  await step("handover", chatId, () => h.call("POST", "/handover", { body: { chatId } }));
  await step("router notification", chatId, () =>
    h.call("POST", "/router/handover", { body: notification, headers: { "content-type": "application/json" } }),
  );
  // The Router's body names the chat; a different id in the URL changes neither the chat acted on nor the logs.
  await step("router notification, another chat in the URL", chatId, () =>
    h.call("POST", "/router/handover", {
      body: notification,
      headers: { "content-type": "application/json" },
      query: { chatId: abandonedChatId },
    }),
  );
  await step("router event", chatId, () =>
    h.call("POST", "/router/events", {
      body: routerEvent,
      headers: { "content-type": "application/json" },
      key: null,
      query: { key: LOCAL_KEYS.ROUTER_WEBHOOK_KEY },
    }),
  );
  await step("handover without intake", abandonedChatId, () =>
    h.call("POST", "/handover", { body: { chatId: abandonedChatId } }),
  );
});
afterAll(() => h.close());

describe("telemetry across a whole conversation", () => {
  it("answers every step", () => {
    expect(steps.map((s) => [s.what, s.status])).toEqual(steps.map((s) => [s.what, 200]));
  });

  it("counts each funnel step as a CloudWatch EMF metric in the CaicHandover namespace, with its dimension", () => {
    const emitted = emfLines().map((line) => {
      const [declaration] = line._aws.CloudWatchMetrics;
      expect(declaration!.Namespace).toBe(METRICS_NAMESPACE);
      const name = declaration!.Metrics[0]!.Name as MetricName;
      // A request the Router should confirm publishes HandoverConfirmed as 0 beside it, so the
      // unconfirmed alarm sees a confirmed count of 0, not a metric without data, when none comes.
      const zeros = AWAITING_CONFIRMATION.includes(name) ? ["HandoverConfirmed"] : [];
      expect(declaration!.Metrics).toEqual([name, ...zeros].map((Name) => ({ Name, Unit: "Count" })));
      for (const zero of zeros) expect(line[zero], `${zero} beside ${name}`).toBe(0);
      expect(METRIC_NAMES).toContain(name);
      const dimension = Metric[name].dimension;
      expect(declaration!.Dimensions).toEqual([dimension === undefined ? ["service"] : ["service", dimension]]);
      expect(line.service).toBe("caic-handover");
      expect(line[name]).toBe(1);
      return dimension === undefined ? name : `${name} ${dimension}=${String(line[dimension])}`;
    });
    expect(emitted).toEqual([
      "HandoverTriggered",
      "AgentsOnline",
      "IntakeInvalid field=email",
      "IntakeValid field=email",
      "IntakeValid field=name",
      "HandoverRequested",
      "HandoverConfirmed",
      "SessionEnded",
      "HandoverFailed reason=intake-incomplete",
    ]);
  });

  it("writes structured log lines with the request's chatId on every one", () => {
    for (const { what, chatId: id, lines } of steps) {
      const logs = lines.map(parse).filter((entry) => entry !== undefined && !("_aws" in entry));
      expect(logs.length, what).toBeGreaterThan(0);
      expect(logs.length, `${what}: every line is JSON`).toBe(lines.filter((line) => !line.includes('"_aws"')).length);
      for (const log of logs)
        expect(log, what).toMatchObject({ chatId: id, service: "caic-handover", level: expect.any(String) });
    }
  });

  it("never writes a name or an e-mail address that was sent, nor the key the Router passed in the URL", () => {
    const text = allLines().join("\n").toLowerCase();
    for (const fragment of PERSONAL) expect(text, fragment).not.toContain(fragment.toLowerCase());
    expect(text).not.toMatch(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/);
    expect(text).not.toContain(KEY.toLowerCase());
  });
});
