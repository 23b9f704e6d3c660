import { handoverMutation } from "@caic-handover/core/routing";
import { createMetrics } from "@caic-handover/functions/telemetry";
import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { applySwitches, DEFAULT_SWITCHES, parseSwitches, switchesFromSettings } from "@caic-handover/local/cm-switches";
import { MetricTally, maskPersonal } from "@caic-handover/local/console";
import { SIMULATED_CM } from "@caic-handover/local/local-defaults";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const VISITORS = [
  { name: "Jane van der Berg", email: "Jane.Doe@example.com" },
  { name: "Zoë O’Brien", email: "zoe+shop@mail.example.co.uk" },
  { name: "李小龍", email: "li@例え.jp" },
  { name: "Anne-Marie", email: "a@b.nl" },
];
const ADDRESS = /[^\s@"'\\{}:,[\]]+@[^\s@"'\\{}:,[\]]+/g;

describe("what the console shows of what CM received", () => {
  it.each(VISITORS)("masks $email and $name in a mutation request's Context as the status route does", (visitor) => {
    const body = handoverMutation("chat-1", SIMULATED_CM.adapters, { ...visitor, message: "Where is my order?" });
    const shown = JSON.stringify(maskPersonal(body));
    expect(shown).not.toContain(visitor.name);
    expect(shown).not.toContain(`${visitor.email.split("@")[0]}@`);
    expect(shown).not.toContain("Where is my order?");
    for (const address of shown.match(ADDRESS) ?? []) expect(address).toMatch(/^.\*\*\*@/u);
    expect(maskPersonal(body)).toMatchObject({ Context: { message: "[18 characters]" } });
  });

  it("masks an intake answer's value as the field it names, and a plain e-mail address anywhere", () => {
    expect(maskPersonal({ valid: true, field: "name", value: "Jane van der Berg" })).toEqual({
      valid: true,
      field: "name",
      value: "J*** v*** d*** B***",
    });
    expect(maskPersonal({ field: "email", value: "jane@example.com" })).toMatchObject({ value: "j***@example.com" });
    expect(maskPersonal("write to jane@example.com please")).toBe("write to j***@example.com please");
    expect(maskPersonal("Jane van der Berg", "name")).toBe("J*** v*** d*** B***");
  });
});

describe("the console's funnel", () => {
  it("counts each metric, and each reason or field, from the EMF lines the functions write", () => {
    const tally = new MetricTally();
    const lines: string[] = [];
    const metrics = createMetrics((line) => lines.push(line));
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
    metrics.count("HandoverTriggered");
    metrics.count("IntakeValid", "email");
    metrics.count("IntakeValid", "name");
    metrics.count("HandoverFailed", "routing-rejected");
    // A requested handover also declares HandoverConfirmed as 0 (for the unconfirmed alarm): not a confirmation.
    metrics.count("HandoverRequested");
    process.env.POWERTOOLS_METRICS_DISABLED = previous;
    for (const line of lines) expect(tally.take(line.trimEnd())).toBe(true);
    expect(tally.take('{"level":"INFO","message":"handover requested"}')).toBe(false);

    const view = tally.view();
    expect(view.funnel.map((step) => [step.name, step.count])).toEqual([
      ["HandoverTriggered", 1],
      ["AgentsOnline", 0],
      ["IntakeValid", 2],
      ["HandoverRequested", 1],
      ["HandoverConfirmed", 0],
    ]);
    expect(view.others.find((metric) => metric.name === "HandoverFailed")).toMatchObject({
      count: 1,
      byValue: [{ value: "routing-rejected", count: 1 }],
    });
  });
});

describe("the console's switches", () => {
  it("name the unknown switch or position, and a wrong setting by its name", () => {
    expect(parseSwitches({ agents: "offline" })).toEqual({ agents: "offline" });
    expect(parseSwitches({ agent: "offline" })).toMatch(/unknown switch "agent"/);
    expect(parseSwitches({ routing: "down" })).toBe(
      "routing must be one of accepting, rejecting, slow, apply-and-drop",
    );
    expect(switchesFromSettings({ SIMULATE_ROUTING: "rejecting" })).toEqual({
      ...DEFAULT_SWITCHES,
      routing: "rejecting",
    });
    expect(() => switchesFromSettings({ SIMULATE_AGENTS: "gone" })).toThrow(
      "SIMULATE_AGENTS is invalid: gone (online, offline, away)",
    );
  });

  describe("on a simulated CM", () => {
    const cm = new CmSimulator(SIMULATED_CM);
    beforeAll(() => cm.start());
    afterAll(() => cm.stop());
    const mutate = (chatId: string) =>
      fetch(
        `${cm.routingUrl}/conversational/control/v1/accounts/${SIMULATED_CM.technicalLinkId}/chats/${chatId}/routing/mutationrequests`,
        {
          method: "POST",
          headers: { "content-type": "application/json", "x-cm-producttoken": SIMULATED_CM.productToken },
          body: JSON.stringify(handoverMutation(chatId, SIMULATED_CM.adapters, VISITORS[0]!)),
        },
      );
    const presence = () => fetch(`${cm.presenceUrl}?apikey=${SIMULATED_CM.presenceApiKey}&Channel=WebChat`);

    it("apply-and-drop: CM applies the mutation, then the caller gets no answer", async () => {
      applySwitches(cm, { ...DEFAULT_SWITCHES, routing: "apply-and-drop" });
      await expect(mutate("chat-dropped")).rejects.toThrow();
      applySwitches(cm, { ...DEFAULT_SWITCHES, routing: "rejecting" });
      expect((await mutate("chat-rejected")).status).toBe(403);
      applySwitches(cm, DEFAULT_SWITCHES);
      expect((await mutate("chat-accepted")).status).toBe(200);
      expect(cm.appliedMutations.map((call) => call.chatId)).toEqual(["chat-dropped", "chat-accepted"]);
      expect(cm.acceptedMutations.map((call) => call.chatId)).toEqual(["chat-accepted"]);
    });

    it("agents and presence positions change the very next presence answer", async () => {
      applySwitches(cm, { ...DEFAULT_SWITCHES, agents: "away" });
      expect(await (await presence()).text()).toBe("Offline");
      applySwitches(cm, { ...DEFAULT_SWITCHES, presence: "rate-limited" });
      const limited = await presence();
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "1"]);
      applySwitches(cm, { ...DEFAULT_SWITCHES, presence: "failing" });
      expect((await presence()).status).toBe(503);
      applySwitches(cm, DEFAULT_SWITCHES);
      expect(await (await presence()).text()).toBe("Online");
    });
  });
});
