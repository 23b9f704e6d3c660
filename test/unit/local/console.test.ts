import { request } from "node:http";
import { MESSAGES } from "@caic-handover/core/language/messages";
import { handoverMutation } from "@caic-handover/core/router/routing";
import { createMetrics } from "@caic-handover/functions/telemetry";
import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { applySwitches, DEFAULT_SWITCHES, parseSwitches, switchesFromSettings } from "@caic-handover/local/cm-switches";
import {
  LocalConsole,
  MetricTally,
  maskAnswer,
  maskPersonal,
  maskReceived,
  newestChatIds,
} from "@caic-handover/local/console";
import { LOCAL_KEYS } from "@caic-handover/local/constants";
import type { Handlers } from "@caic-handover/local/dispatch";
import { type Gateway, startGateway } from "@caic-handover/local/gateway";
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

    it("slow routing: a caller that gave up heard nothing (status 0), though CM then acts", async () => {
      // The switch's delay outlasts the 3 s attempt timeout; the same fault, shortened.
      cm.routing.behaviour.standing = { delayMs: 400 };
      await expect(
        fetch(
          `${cm.routingUrl}/conversational/control/v1/accounts/${SIMULATED_CM.technicalLinkId}/chats/chat-slow/routing/mutationrequests`,
          {
            method: "POST",
            headers: { "content-type": "application/json", "x-cm-producttoken": SIMULATED_CM.productToken },
            body: JSON.stringify(handoverMutation("chat-slow", SIMULATED_CM.adapters, VISITORS[0]!)),
            signal: AbortSignal.timeout(100),
          },
        ),
      ).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(cm.routing.calls.find((call) => call.chatId === "chat-slow")).toMatchObject({ status: 0, applied: true });
      // A caller that waits long enough hears the 200.
      expect((await mutate("chat-slow-heard")).status).toBe(200);
      expect(cm.routing.calls.find((call) => call.chatId === "chat-slow-heard")).toMatchObject({ status: 200 });
      applySwitches(cm, DEFAULT_SWITCHES);
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

describe("what the console masks, and what it shows as it is", () => {
  it("keeps the bot's texts in an answer and masks only the visitor's answer in it", () => {
    const refused = { valid: false, field: "email", message: MESSAGES["email.spaces"].nl, attempts: 1 };
    expect(maskAnswer(refused)).toEqual(refused);
    expect(maskAnswer({ valid: true, field: "question", value: "Where is my order?", missing: [] })).toMatchObject({
      value: "[18 characters]",
    });
    expect(maskAnswer({ valid: true, field: "name", value: "Jane van der Berg" })).toMatchObject({
      value: "J*** v*** d*** B***",
    });
    expect(maskAnswer({ agentStatus: "offline", opensAtText: "Wij zijn er weer maandag om 09:00." })).toEqual({
      agentStatus: "offline",
      opensAtText: "Wij zijn er weer maandag om 09:00.",
    });
  });

  it("shows a forwarded notification that is not JSON by its size and type only, and masks one that is", () => {
    const context = `"CustomerInfo":"{\\"name\\":\\"Jane van der Berg\\",\\"email\\":\\"jane@example.com\\"}","message":"Where is my order?",}`;
    const broken = `{"chatId":"chat-1","context":{${context}}`;
    const sound = JSON.stringify({
      chatId: "chat-1",
      context: {
        CustomerInfo: JSON.stringify({ name: "Jane van der Berg", email: "jane@example.com" }),
        message: "Where is my order?",
      },
    });
    const received = {
      presence: [
        {
          at: "t",
          apikey: "[set]",
          channel: "WebChat",
          referrer: "https://shop.example/?u=jane@example.com",
          status: 200,
        },
      ],
      mutationRequests: [],
      acceptedMutationRequests: 0,
      acceptedHandbacks: 0,
      appliedMutationRequests: 0,
      webConversationsHandovers: [
        { at: "t", contentType: "application/json", body: broken, status: 200 },
        { at: "t", contentType: "application/json", body: sound, status: 200 },
      ],
      historySessions: [],
      historyRequests: [],
    };
    const shown = maskReceived(received);
    const text = JSON.stringify(shown);
    for (const personal of ["Jane", "van der Berg", "jane@", "Where is my order"]) expect(text).not.toContain(personal);
    expect(shown.webConversationsHandovers[0]!.body).toBe(
      `[${broken.length} characters of application/json, not JSON: not shown]`,
    );
    expect(shown.webConversationsHandovers[1]!.body).toEqual({
      chatId: "chat-1",
      context: {
        CustomerInfo: '{"name":"J*** v*** d*** B***","email":"j***@example.com"}',
        message: "[18 characters]",
      },
    });
    expect(shown.presence[0]!.referrer).toBe("https://shop.example/?u=j***@example.com");
  });
});

describe("the console's chat list", () => {
  it("holds the newest 50 chats, newest first", () => {
    const chats = Array.from({ length: 60 }, (_, i) => ({
      chatId: `chat-${i}`,
      createdAt: `2026-01-01T00:${String(i).padStart(2, "0")}:00.000Z`,
    })).reverse();
    const shuffled = [...chats.slice(30), ...chats.slice(0, 30)];
    const ids = newestChatIds(shuffled);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe("chat-59");
    expect(ids.at(-1)).toBe("chat-10");
  });
});

describe("who the console answers", () => {
  let gateway: Gateway;
  let localConsole: LocalConsole;
  const calls = { api: 0, coldStarts: 0 };
  const hoursBefore = process.env.BUSINESS_HOURS;
  beforeAll(async () => {
    localConsole = new LocalConsole({
      switches: DEFAULT_SWITCHES,
      // Counts every call the console would make to the API with the server's keys.
      apiUrl: () => {
        calls.api++;
        return "http://127.0.0.1:9";
      },
      keys: LOCAL_KEYS,
      dynamoDbEndpoint: "http://127.0.0.1:9",
      tableName: "unused",
      coldStart: async () => {
        calls.coldStarts++;
      },
      businessHours: undefined,
      offlineHandover: "off",
    });
    gateway = await startGateway({
      handlers: new Map() as Handlers,
      localPages: (req, body, res) => localConsole.serve(req, body, res),
    });
  });
  afterAll(async () => {
    await gateway.close();
    localConsole.stop();
    if (hoursBefore === undefined) delete process.env.BUSINESS_HOURS;
    else process.env.BUSINESS_HOURS = hoursBefore;
  });

  /** A real HTTP request to the console with the Host, Origin and Content-Type given (fetch cannot set Host). */
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: gateway.port, method, path: `/__console${path}`, headers },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const own = () => `127.0.0.1:${gateway.port}`;
  const json = { "content-type": "application/json" };
  const callout = JSON.stringify({ output: "CaicEventUrl", variables: { chatId: "chat-x", culture: "en-GB" } });

  it("serves the page on every loopback name of its port", async () => {
    for (const host of [own(), `localhost:${gateway.port}`, `LOCALHOST:${gateway.port}`, `[::1]:${gateway.port}`]) {
      const page = await send("GET", "", { host });
      expect([host, page.status, page.body]).toEqual([host, 200, expect.stringContaining("local console")]);
    }
  });

  it.each([
    ["a rebound name", "rebind.example"],
    ["a tunnel", "abcd.trycloudflare.com"],
    ["another port", "127.0.0.1:1"],
    ["no port", "127.0.0.1"],
  ])("refuses %s in Host with a 403, for the page, the state, the switches and the callout", async (_, name) => {
    const host = name.includes(":") ? name : name === "127.0.0.1" ? name : `${name}:${gateway.port}`;
    const before = { ...calls };
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["GET", "/state", undefined],
      ["PUT", "/switches", '{"businessHours":"closed"}'],
      ["POST", "/callout", callout],
    ] as const) {
      const answer = await send(method, path, { host, ...json }, body);
      expect([method, path, answer.status]).toEqual([method, path, 403]);
    }
    expect(calls).toEqual(before);
    expect(process.env.BUSINESS_HOURS).toBe(hoursBefore);
  });

  it("refuses a change from another origin (403) or not sent as JSON (415), and makes no call", async () => {
    const before = { ...calls };
    const refusals: [Record<string, string>, number][] = [
      [{ "content-type": "text/plain" }, 415],
      [{}, 415],
      [{ "content-type": "application/x-www-form-urlencoded" }, 415],
      [{ ...json, origin: "http://evil.example" }, 403],
      [{ ...json, origin: `http://rebind.example:${gateway.port}` }, 403],
      [{ ...json, origin: "null" }, 403],
      [{ "content-type": "text/plain", origin: "http://evil.example" }, 403],
    ];
    for (const [headers, status] of refusals) {
      for (const [method, path, body] of [
        ["POST", "/callout", callout],
        ["PUT", "/switches", '{"businessHours":"closed"}'],
      ] as const) {
        const answer = await send(method, path, { host: own(), ...headers }, body);
        expect([headers, path, answer.status]).toEqual([headers, path, status]);
      }
    }
    expect(calls).toEqual(before);
    expect(process.env.BUSINESS_HOURS).toBe(hoursBefore);
  });

  it("takes a change as JSON from its own page", async () => {
    const answer = await send(
      "PUT",
      "/switches",
      {
        host: `localhost:${gateway.port}`,
        origin: `http://localhost:${gateway.port}`,
        "content-type": "application/json; charset=utf-8",
      },
      '{"businessHours":"closed"}',
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ switches: { businessHours: "closed" } });
    expect(process.env.BUSINESS_HOURS).toContain('"weekly":{}');
  });
});
