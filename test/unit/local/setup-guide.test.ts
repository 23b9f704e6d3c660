import { readFileSync } from "node:fs";
import { KEY_NAMES, loadConfig, REQUIRED_SECRET_NAMES } from "@caic-handover/core/config/config";
import { BOT_TEXTS, type BotTextKey, botText } from "@caic-handover/core/language/bot-texts";
import { LANGUAGES, type Language } from "@caic-handover/core/language/culture";
import { CALLERS, keyPlacement, ROUTES, type RouteSpec, routeKey, routeKeyName } from "@caic-handover/functions/routes";
import { LOCAL_DEFAULTS } from "@caic-handover/local/local-defaults";
import { guideLanguages, setupGuide } from "@caic-handover/local/setup-guide";
import {
  type Guide,
  numberGuide,
  ref,
  SetupGuideError,
  type Step,
  type Value,
} from "@caic-handover/local/setup-guide/document";
import { buildGuide } from "@caic-handover/local/setup-guide/guide";
import { guideDrift } from "@caic-handover/local/setup-guide/route-steps";
import { deployedTarget, localTarget } from "@caic-handover/local/setup-guide/targets";
import { describe, expect, it } from "vitest";

const FIXTURE = "test/fixtures/sst-outputs.json";
const OUTPUTS = readFileSync(FIXTURE, "utf8");
const PROD = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
const SECRET = "s3cret+key/value=";
/** Each caller's key, distinct, as --show-key reads them from the environment. */
const SHOWN_KEYS = Object.fromEntries(KEY_NAMES.map((name) => [name, `${SECRET}-${name}`]));
/** The about section's key lines: one per caller, each naming where its key is found. */
const keyLines = (source: (name: string) => string) =>
  Object.values(CALLERS).map(({ key, who }) => ({ label: `Key: ${who}`, value: `<${key}> (${source(key)})` }));

const files = (path: string) => (path.endsWith(FIXTURE) ? OUTPUTS : undefined);
const run = (args: string[], env: Record<string, string | undefined> = {}) => setupGuide(args, env, files).text;
const prodGuide = (env: Record<string, string | undefined> = {}, showKey = false) =>
  buildGuide(deployedTarget({ outputs: FIXTURE, stage: "prod", showKey }, env, OUTPUTS));

const text = (value: Value) => (typeof value === "string" ? value : value.code);
const steps = (guide: Guide) => guide.sections.flatMap((section) => section.steps);
const stepFor = (guide: Guide, route: RouteSpec): Step => {
  // A route's own step has the route's output as its id; a variant (a known value) enters it again.
  const found = steps(guide).filter((step) => step.route === route && step.id === route.output);
  expect(found, routeKey(route)).toHaveLength(1);
  return found[0]!;
};
const settings = (step: Step, label: string) =>
  step.settings.filter((s) => s.label === label).map((s) => text(s.value));
const route = (output: string) => ROUTES.find((candidate) => candidate.output === output)!;
/** The step with this id. */
const byId = (guide: Guide, id: string) => {
  const found = steps(guide).filter((step) => step.id === id);
  expect(found, id).toHaveLength(1);
  return found[0]!;
};
const numberOf = (guide: Guide, id: string) => byId(guide, id).number;

/** What a CM.com user enters for each route, written out in full. */
const EXPECTED: Record<
  string,
  {
    method: string;
    url: string;
    key: "header" | "query";
    body?: object;
    textBody?: string;
    responses?: Record<string, string>;
  }
> = {
  CaicEventUrl: {
    method: "POST",
    url: `${PROD}/caic/events`,
    key: "header",
    body: { chatId: "{{chatId}}" },
    responses: { status: "handoverStatus", emailKnown: "emailKnown", nameKnown: "nameKnown" },
  },
  AvailabilityUrl: {
    method: "GET",
    url: `${PROD}/availability?chatId={{chatId}}&culture={{culture}}`,
    key: "header",
    responses: {
      agentStatus: "agentStatus",
      reason: "availabilityReason",
      opensAt: "opensAt",
      opensAtText: "opensAtText",
    },
  },
  PresenceWebhookUrl: { method: "POST", url: `${PROD}/availability?key=<PRESENCE_WEBHOOK_KEY>`, key: "query" },
  IntakeEmailUrl: {
    method: "POST",
    url: `${PROD}/intake/email?chatId={{chatId}}&culture={{culture}}`,
    key: "header",
    textBody: "{{email}}",
    responses: { valid: "emailValid", message: "emailMessage", exhausted: "emailExhausted" },
  },
  IntakeNameUrl: {
    method: "POST",
    url: `${PROD}/intake/name?chatId={{chatId}}&culture={{culture}}`,
    key: "header",
    textBody: "{{name}}",
    responses: { valid: "nameValid", message: "nameMessage", exhausted: "nameExhausted" },
  },
  IntakeMessageUrl: {
    method: "POST",
    url: `${PROD}/intake/message?chatId={{chatId}}&culture={{culture}}`,
    key: "header",
    textBody: "{{question}}",
    responses: { valid: "questionValid", message: "questionMessage", exhausted: "questionExhausted" },
  },
  HandoverUrl: {
    method: "POST",
    url: `${PROD}/handover?chatId={{chatId}}&culture={{culture}}&skill={{skill}}`,
    key: "header",
    textBody: "{{reasonForAgent}}",
    responses: { handover: "handoverResult", reason: "handoverReason", mode: "handoverMode" },
  },
  RouterHandoverEndpointUrl: { method: "POST", url: `${PROD}/router/handover`, key: "header" },
  RouterEventsUrl: { method: "POST", url: `${PROD}/router/events?key=<ROUTER_WEBHOOK_KEY>`, key: "query" },
  ChatStatusUrl: { method: "GET", url: `${PROD}/chats/{chatId}`, key: "header" },
  ChatEraseUrl: { method: "DELETE", url: `${PROD}/chats/{chatId}`, key: "header" },
  ChatHandbackUrl: { method: "POST", url: `${PROD}/chats/{chatId}/handback`, key: "header" },
};

describe("in step with the route table", () => {
  it("has one guide entry per route and none left over", () => {
    expect(guideDrift()).toEqual({ missing: [], stale: [] });
    expect(Object.keys(EXPECTED).sort()).toEqual(ROUTES.map((r) => r.output).sort());
  });

  it("reports a route added without a guide entry", () => {
    const added: RouteSpec = {
      method: "POST",
      path: "/router/messages",
      function: "router-events",
      output: "RouterMessagesUrl",
      calledBy: "new",
      caller: "router",
      keyIn: "header",
    };
    expect(guideDrift([...ROUTES, added])).toEqual({ missing: ["POST /router/messages"], stale: [] });
    expect(guideDrift(ROUTES.slice(1)).stale).toEqual(["CaicEventUrl"]);
  });

  it("places every route in exactly one step of the guide", () => {
    const guide = prodGuide();
    for (const r of ROUTES) expect(stepFor(guide, r).settings[0]).toEqual({ label: "Method", value: r.method });
  });
});

describe("steps refer to each other by id", () => {
  const step = (id: string, note = ""): Omit<Step, "number"> => ({ id, title: id, settings: [], notes: [note] });
  const draft = (...steps: Omit<Step, "number">[]) => ({
    title: "t",
    about: [],
    conventions: [],
    sections: [
      { id: "first", title: "First", intro: [], steps: [step("a")] },
      { id: "second", title: "Second", intro: [], steps },
    ],
  });

  it("writes each reference as the number of the step or section, and renumbers when a step is inserted", () => {
    const later = step("ask", `back to ${ref("capture")} (section ${ref("second")}, after ${ref("a")})`);
    const before = numberGuide(draft(step("capture"), later)).sections[1]!.steps[1]!;
    expect(before.notes).toEqual(["back to 2.1 (section 2, after 1.1)"]);
    const after = numberGuide(draft(step("inserted"), step("capture"), later)).sections[1]!.steps[2]!;
    expect([after.number, ...after.notes]).toEqual(["2.3", "back to 2.2 (section 2, after 1.1)"]);
  });

  it("refuses a reference to no step, and an id used twice", () => {
    expect(() => numberGuide(draft(step("x", `see ${ref("nowhere")}`)))).toThrow(
      'setup guide: x refers to "nowhere", which is no step',
    );
    expect(() => numberGuide(draft(step("a")))).toThrow('setup guide: the id "a" is used twice');
  });

  it("leaves no reference unresolved in the guide", () => {
    for (const format of ["text", "markdown"]) {
      expect(run(["--outputs", FIXTURE, "--stage", "prod", "--format", format])).not.toMatch(/[⟦⟧]/);
    }
  });
});

describe("a deployed stage from .sst/outputs.json", () => {
  const guide = prodGuide({ HANDOVER_WEBHOOK_KEY: SECRET });

  it.each(Object.entries(EXPECTED))("%s: method, URL, headers, body and response mapping", (output, expected) => {
    const step = stepFor(guide, route(output));
    expect(settings(step, "Method")).toEqual([expected.method]);
    expect(settings(step, "URL")).toEqual([expected.url]);
    const headers = [
      ...(expected.key === "header" ? [`X-Handover-Key: <${routeKeyName(route(output))}>`] : []),
      ...(expected.body ? ["Content-Type: application/json"] : []),
      ...(expected.textBody ? ["Content-Type: text/plain; charset=utf-8"] : []),
    ];
    expect(settings(step, "Header")).toEqual(headers);
    expect(settings(step, "Body")).toEqual(
      expected.body ? [JSON.stringify(expected.body)] : expected.textBody ? [expected.textBody] : [],
    );
    const responses = Object.fromEntries(
      step.settings.flatMap((s) => {
        const field = /^Response field (\w+) → dialog variable$/.exec(s.label)?.[1];
        return field ? [[field, text(s.value)]] : [];
      }),
    );
    expect(responses).toEqual(expected.responses ?? {});
  });

  it("names the stage, the dashboard and where the key is, without the key", () => {
    expect(guide.title).toBe(`caic-handover setup guide: stage prod (from ${FIXTURE})`);
    expect(guide.about).toEqual([
      ...keyLines((name) => `the stage's ${name} secret: \`npx sst secrets get ${name} --stage prod\``),
      {
        label: "Dashboard",
        value: {
          code: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/prod-caic-handover",
        },
      },
    ]);
  });

  it("never prints the key without --show-key, in either format", () => {
    for (const format of ["text", "markdown"]) {
      const out = run(["--outputs", FIXTURE, "--stage", "prod", "--format", format], SHOWN_KEYS);
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(encodeURIComponent(SECRET));
      expect(out).toContain("HANDOVER_WEBHOOK_KEY>");
    }
  });

  it("prints the key with --show-key: in every header, URL-encoded in the query of the Event endpoint and presence webhook", () => {
    const shown = prodGuide(SHOWN_KEYS, true);
    for (const [output, expected] of Object.entries(EXPECTED)) {
      const step = stepFor(shown, route(output));
      // Each node gets its own caller's key, never another's.
      const name = routeKeyName(route(output));
      const key = SHOWN_KEYS[name]!;
      if (expected.key === "header") expect(settings(step, "Header")[0]).toBe(`X-Handover-Key: ${key}`);
      else expect(settings(step, "URL")).toEqual([expected.url.replace(`<${name}>`, encodeURIComponent(key))]);
    }
    expect(shown.about[0]).toEqual({
      label: `Key: ${CALLERS.dialog.who}`,
      value: { code: SHOWN_KEYS.HANDOVER_WEBHOOK_KEY },
    });
    expect(run(["--outputs", FIXTURE, "--stage", "prod", "--show-key"], SHOWN_KEYS)).toContain(
      `X-Handover-Key: ${SHOWN_KEYS.OPERATOR_KEY}`,
    );
  });

  it("asks for the key in the environment when --show-key has none", () => {
    expect(() =>
      run(["--outputs", FIXTURE, "--stage", "prod", "--show-key"], { ...SHOWN_KEYS, OPERATOR_KEY: "" }),
    ).toThrow("--show-key needs the key in OPERATOR_KEY; its value: npx sst secrets get OPERATOR_KEY --stage prod");
  });

  it("tells where WEB_CONVERSATIONS_HANDOVER_URL and the secrets are set for the stage", () => {
    const keep = byId(guide, "keep-web-conversations-handover");
    expect(keep.title).toBe("Keep Web Conversations' own handover endpoint (WEB_CONVERSATIONS_HANDOVER_URL)");
    expect(settings(keep, "Set it")).toEqual([
      "`WEB_CONVERSATIONS_HANDOVER_URL=…` in `.env.prod`, then `npx sst deploy --stage prod`",
    ]);
    expect(settings(byId(guide, "CM_PRODUCT_TOKEN"), "Set it")).toEqual([
      "`npx sst secrets set CM_PRODUCT_TOKEN '<value>' --stage prod`",
    ]);
    expect(guide.about.map((entry) => entry.label)).not.toContain("Warning");
  });

  it("merges every stack entry of the stage and prefers a route's own output over ApiUrl + path", () => {
    const outputs = JSON.stringify({
      "prod-caic-handover-API": { ApiUrl: "https://raw.example", HandoverUrl: "https://handover.example.com/handover" },
      "prod-caic-handover-Monitoring": { DashboardUrl: "https://dashboard.example" },
    });
    const target = deployedTarget({ outputs: "o.json" }, {}, outputs);
    expect(target.urls.HandoverUrl).toBe("https://handover.example.com/handover");
    expect(target.urls.CaicEventUrl).toBe("https://raw.example/caic/events");
    expect(target.dashboardUrl).toBe("https://dashboard.example");
    expect(target.describe).toBe("stage prod (from o.json)");
  });

  it("uses ApiUrl + path for a stage without route outputs", () => {
    const dev = buildGuide(deployedTarget({ outputs: FIXTURE, stage: "dev" }, {}, OUTPUTS));
    expect(settings(stepFor(dev, route("RouterEventsUrl")), "URL")).toEqual([
      "https://dev0000000.execute-api.eu-west-1.amazonaws.com/router/events?key=<ROUTER_WEBHOOK_KEY>",
    ]);
    expect(dev.about.map((entry) => entry.label)).toEqual(Object.values(CALLERS).map(({ who }) => `Key: ${who}`));
  });

  it("explains what is wrong with the outputs", () => {
    expect(() => run(["--outputs", FIXTURE])).toThrow(
      `${FIXTURE} holds several stages (dev, prod): pick one with --stage`,
    );
    expect(() => run(["--outputs", FIXTURE, "--stage", "test"])).toThrow(
      `${FIXTURE} holds no stage test (found: dev, prod)`,
    );
    expect(() => run(["--outputs", "missing.json"])).toThrow(
      "missing.json not found: deploy first (npx sst deploy --stage <stage>), or give --api-url <url>, or --local for npm start",
    );
    expect(() => deployedTarget({}, {}, '{"prod-caic-handover-API":{}}')).toThrow(
      ".sst/outputs.json has neither CaicEventUrl nor ApiUrl: deploy again",
    );
    expect(() => deployedTarget({}, {}, "{")).toThrow(SetupGuideError);
  });
});

describe("--api-url", () => {
  it("overrides the outputs file", () => {
    const guide = buildGuide(
      deployedTarget({ apiUrl: "https://api.example.com/", stage: "prod", outputs: FIXTURE }, {}, undefined),
    );
    for (const r of ROUTES)
      expect(settings(stepFor(guide, r), "URL")[0]).toBe(
        EXPECTED[r.output]!.url.replace(PROD, "https://api.example.com"),
      );
    expect(guide.title).toBe("caic-handover setup guide: stage prod (from --api-url https://api.example.com/)");
  });

  it("is checked", () => {
    expect(() => run(["--api-url", "api.example.com"])).toThrow(
      "--api-url must be an http(s) URL, not api.example.com",
    );
  });
});

describe("--local", () => {
  it("points at npm start on 127.0.0.1:3000 with the key hidden", () => {
    const guide = buildGuide(localTarget({ local: true }, {}));
    expect(guide.title).toBe("caic-handover setup guide: npm start on http://127.0.0.1:3000");
    for (const r of ROUTES) {
      expect(settings(stepFor(guide, r), "URL")[0]).toBe(
        EXPECTED[r.output]!.url.replace(PROD, "http://127.0.0.1:3000"),
      );
    }
    expect(
      guide.about
        .filter((entry) => entry.label.startsWith("Key"))
        .map((entry) => ({ ...entry, value: text(entry.value) })),
    ).toEqual(
      keyLines((name) => `${name} from your shell or \`.env\`, else the local default; \`npm start\` prints it`),
    );
    expect(settings(byId(guide, "keep-web-conversations-handover"), "Set it")).toEqual([
      "`WEB_CONVERSATIONS_HANDOVER_URL=…` in `.env` (or the shell), then restart `npm start`",
    ]);
  });

  it("says CM.com's cloud cannot reach a loopback URL, and what to do instead", () => {
    const warning = (guide: Guide) => guide.about.find((entry) => entry.label === "Warning")?.value;
    expect(warning(buildGuide(localTarget({ local: true }, {})))).toBe(
      "CM.com's cloud cannot call http://127.0.0.1:3000: these URLs work from this machine only. To wire CAIC and the Router, use a deployed stage (`npm run setup-guide -- --stage <stage>`), or expose the port through a tunnel of your choice and print the guide for it (`npm run setup-guide -- --local --api-url https://<your tunnel>`).",
    );
    expect(run(["--local", "--api-url", "http://localhost:4000"])).toContain("cannot call http://localhost:4000");
    expect(warning(buildGuide(localTarget({ local: true, apiUrl: "https://tunnel.example" }, {})))).toBeUndefined();
    expect(run(["--api-url", "http://127.0.0.2:8080"])).toContain("cannot call http://127.0.0.2:8080");
  });

  it("follows PORT, and shows the key npm start uses with --show-key", () => {
    const out = run(["--local", "--show-key"], { PORT: "4010" });
    expect(out).toContain("http://127.0.0.1:4010/caic/events");
    expect(out).toContain(`X-Handover-Key: ${LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY}`);
    expect(out).toContain(`http://127.0.0.1:4010/router/events?key=${LOCAL_DEFAULTS.ROUTER_WEBHOOK_KEY}`);
    expect(out).toContain(`X-Handover-Key: ${LOCAL_DEFAULTS.OPERATOR_KEY}`);
    expect(run(["--local", "--show-key"], { HANDOVER_WEBHOOK_KEY: "mine" })).toContain("X-Handover-Key: mine");
    expect(run(["--local"], { HANDOVER_WEBHOOK_KEY: "mine" })).not.toContain("mine");
  });

  it("takes --api-url as the local base", () => {
    expect(run(["--local", "--api-url", "http://127.0.0.1:9999"])).toContain("http://127.0.0.1:9999/handover");
  });
});

describe("the order and content of CM.com's guide", () => {
  const guide = prodGuide();

  it("goes values from CM.com, answer metadata, event, dialog, Router, then the alternatives", () => {
    expect(guide.sections.map((section) => `${section.number}. ${section.title}`)).toEqual([
      "1. Before you start: what this backend needs from CM.com",
      "2. Conversational AI Cloud: the answer that offers a live agent",
      "3. Conversational AI Cloud: the handover event",
      '4. Conversational AI Cloud: dialog "Handover to a live agent"',
      "5. Conversational Router: the Web Conversations adapter",
      "6. Conversational Router: an adapter of its own for session ends",
      "7. Web Conversations: presence check (alternative to steps 4.3 and 4.4)",
      "8. Operators",
      "9. Conversational AI Cloud: the visitor's question (leave a message while nobody is online)",
      "10. Conversational AI Cloud: skip what the bot already knows (optional)",
    ]);
    expect(byId(guide, "answer-metadata").settings).toEqual([
      { label: "Metadata", value: { code: "triggerEvent" } },
      { label: "Type", value: "Text" },
      { label: "Value", value: { code: "handover" } },
    ]);
    expect(settings(byId(guide, "handover-event"), "Event name")).toEqual(["handover"]);
    expect(settings(byId(guide, "handover-event"), "Answer")).toEqual([
      'starts the dialog "Handover to a live agent" (section 4)',
    ]);
  });

  it("numbers the dialog nodes the way its branches refer to them", () => {
    expect(byId(guide, "CaicEventUrl").number).toBe("4.1");
    expect(guide.sections[3]!.steps.map((step) => `${step.number} ${step.title}`)).toEqual([
      '4.1 API Callout "Start handover"',
      '4.2 Logical Step "Handover started?"',
      '4.3 API Callout "Agent availability" (CM.com guide, step 1)',
      '4.4 Logical Step "Agents available?"',
      '4.5 Capture Input "E-mail" (CM.com guide, step 3)',
      '4.6 API Callout "Check e-mail"',
      '4.7 Logical Step "E-mail accepted?"',
      '4.8 Capture Input "Name"',
      '4.9 API Callout "Check name"',
      '4.10 Logical Step "Name accepted?"',
      '4.11 API Callout "Hand over" (CM.com guide, step 4)',
      '4.12 Logical Step "Handed over?"',
    ]);
    expect(byId(guide, "agents-available").settings[0]).toEqual({
      label: "agentStatus equals online",
      value: `continue to ${numberOf(guide, "capture-email")}`,
    });
    expect(numberOf(guide, "RouterHandoverEndpointUrl")).toBe("5.2");
    expect(numberOf(guide, "RouterEventsUrl")).toBe("6.2");
  });

  it("branches on agentStatus, on reason closed with opensAt, and re-prompts or stops on valid and exhausted", () => {
    expect(byId(guide, "agents-available").settings).toEqual([
      { label: "agentStatus equals online", value: "continue to 4.5" },
      // A presence fault never blocks a handover (the backend hands over; so does the dialog).
      { label: "availabilityReason equals presence-error", value: "continue to 4.5" },
      { label: "availabilityReason equals presence-timeout", value: "continue to 4.5" },
      {
        label: "availabilityReason equals closed",
        value: 'Output: "We are closed now and open again on {{opensAtText}}." (end)',
      },
      {
        label: "Fallback (offline, or the API Callout failed)",
        value: 'Output: "No agent is available right now. Please try again later." (end)',
      },
    ]);
    expect(settings(byId(guide, "capture-email"), "Store the answer in dialog variable")).toEqual(["email"]);
    expect(byId(guide, "email-accepted").settings.map((s) => [s.label, s.value])).toEqual([
      ["emailValid equals true", "continue to 4.8"],
      ["emailExhausted equals true", 'Output: "Sorry, that did not work. Please try again later." (end)'],
      [
        "emailValid equals false",
        "Output {{emailMessage}}, then back to 4.5 (ask again; this backend counts the attempt and answers exhausted after 3)",
      ],
      [
        "Fallback (the API Callout failed: no answer)",
        'Output: "Sorry, I cannot check that right now. Please try again later." (end)',
      ],
    ]);
    expect(settings(byId(guide, "capture-name"), "Store the answer in dialog variable")).toEqual(["name"]);
    expect(byId(guide, "name-accepted").settings.map((s) => s.value)).toEqual([
      "continue to 4.11",
      'Output: "Sorry, that did not work. Please try again later." (end)',
      "Output {{nameMessage}}, then back to 4.8 (ask again; this backend counts the attempt and answers exhausted after 3)",
      'Output: "Sorry, I cannot check that right now. Please try again later." (end)',
    ]);
    expect(byId(guide, "handed-over").settings[0]).toEqual({
      label: "handoverResult equals requested",
      value: 'Output: "One moment, I am connecting you to a colleague." (end)',
    });
  });

  it("skips the Capture Inputs for what the bot knows: each known value alone as plain text, then Logical Steps", () => {
    for (const [field, botVariable, into] of [
      ["email", "customerEmail", "emailKnown"],
      ["name", "customerName", "nameKnown"],
    ]) {
      const step = byId(guide, `known-${field}`);
      expect(step.route).toBe(route("CaicEventUrl"));
      expect(settings(step, "URL")[0]).toMatch(new RegExp(`/caic/events\\?chatId=\\{\\{chatId\\}\\}&known=${field}$`));
      expect(settings(step, "Header")).toContain("Content-Type: text/plain; charset=utf-8");
      expect(settings(step, "Body")).toEqual([`{{${botVariable}}}`]);
      expect(settings(step, "Response field known → dialog variable")).toEqual([into]);
      expect(step.notes.some((note) => note.startsWith("Unknown") && note.includes("text/plain"))).toBe(true);
    }
    const to = (id: string) => `continue to ${numberOf(guide, id)}`;
    expect(byId(guide, "known-already").settings.map((s) => [s.label, s.value])).toEqual([
      ["emailKnown equals true and nameKnown equals true", to("HandoverUrl")],
      ["emailKnown equals true", to("capture-name")],
      ["Fallback (not known, or a callout failed)", to("capture-email")],
    ]);
    expect(byId(guide, "name-known").settings.map((s) => [s.label, s.value])).toEqual([
      ["nameKnown equals true", to("HandoverUrl")],
      ["Fallback", to("capture-name")],
    ]);
  });

  it("says the Event endpoint has no header section", () => {
    expect(stepFor(guide, route("RouterEventsUrl")).notes).toContain(
      "The Event endpoint has no header section, so the key goes in the URL.",
    );
  });
});

describe("every value a user enters says where it comes from", () => {
  /** What the config itself says is missing with no settings at all: the values a user must supply. */
  const required = () => {
    try {
      loadConfig({}, REQUIRED_SECRET_NAMES);
    } catch (error) {
      return [...(error as Error).message.matchAll(/(\w+) is missing/g)].map((match) => match[1]!);
    }
    throw new Error("an empty configuration was accepted");
  };

  it.each([
    ["a deployed stage", prodGuide()],
    ["npm start", buildGuide(localTarget({ local: true }, {}))],
  ])(
    "%s: each required setting and WEB_CONVERSATIONS_HANDOVER_URL has a step saying where to find it and where to set it",
    (_, guide) => {
      const names = [...required(), "WEB_CONVERSATIONS_HANDOVER_URL"];
      expect(names).toEqual(
        expect.arrayContaining(["CM_PRODUCT_TOKEN", "MSC_PRESENCE_API_KEY", "CM_TECHNICAL_LINK_ID"]),
      );
      for (const name of names) {
        const step = steps(guide).find((candidate) =>
          settings(candidate, "Set it").some((value) => value.includes(name)),
        );
        expect(step, name).toBeDefined();
        expect(settings(step!, "Where to find it"), name).toHaveLength(1);
        expect(settings(step!, "Where to find it")[0]!.length, name).toBeGreaterThan(30);
      }
      for (const step of steps(guide)) {
        expect(settings(step, "Where to find it").length, step.id).toBe(settings(step, "Set it").length);
      }
    },
  );

  it("names each adapter, says plainly what CM.com does not document, and describes the ruleset the mutation changes", () => {
    const guide = prodGuide();
    for (const [name, adapter] of [
      ["ROUTER_CLIENT_ADAPTER_ID", "Web Conversations adapter"],
      ["ROUTER_BOT_ADAPTER_ID", "Conversational AI Cloud (bot) adapter"],
      ["ROUTER_AGENT_ADAPTER_ID", "Mobile Service Cloud (agent desk) adapter"],
    ]) {
      const step = byId(guide, name!);
      expect(settings(step, "Where to find it")[0]).toContain(adapter);
      expect(step.notes.join(" ")).toContain("does not show where the Router displays an adapter's id");
    }
    expect(settings(byId(guide, "MSC_PRESENCE_API_KEY"), "Where to find it")[0]).toContain(
      "does not say which screen shows it",
    );
    const ruleset = byId(guide, "ruleset");
    expect(ruleset.settings.map((s) => [s.label, text(s.value).split(":")[0]])).toEqual([
      ["Web Conversations → Conversational AI Cloud", "on"],
      ["Conversational AI Cloud → Web Conversations", "on"],
      ["Web Conversations → Mobile Service Cloud", "off"],
      ["Mobile Service Cloud → Web Conversations", "on"],
      ["Conversation History adapter", "recommended"],
    ]);
    expect(ruleset.notes[0]).toContain("with the adapter ids of steps 1.8 to 1.10");
    expect(ruleset.notes.join(" ")).toContain("does not document how that adapter is linked");
    expect(ruleset.notes.join(" ")).toContain("ERASE_CM_HISTORY");
  });
});

describe("the dialog: every branch ends", () => {
  const guide = prodGuide();
  const dialog = guide.sections.find((section) => section.id === "dialog")!.steps;
  const position = (number: string) => dialog.findIndex((step) => step.number === number);
  const ENDS = /^Output: ".+" \(end\)$/;

  it("follows every API Callout with a Logical Step whose last branch, the callout failing, ends in an Output", () => {
    const callouts = dialog.filter((step) => step.route);
    expect(callouts.map((step) => step.route!.output)).toEqual([
      "CaicEventUrl",
      "AvailabilityUrl",
      "IntakeEmailUrl",
      "IntakeNameUrl",
      "HandoverUrl",
    ]);
    for (const callout of callouts) {
      const next = dialog[position(callout.number) + 1];
      expect(next?.branches, callout.id).toBe(true);
      const last = next!.settings.at(-1)!;
      expect(last.label, callout.id).toMatch(/^Fallback \(.*the API Callout failed/);
      expect(text(last.value), callout.id).toMatch(ENDS);
    }
  });

  it("leads each branch forward or to an Output; the only way back is a re-prompt the backend counts until exhausted", () => {
    for (const step of dialog.filter((candidate) => candidate.branches)) {
      step.settings.forEach((branch, i) => {
        const then = text(branch.value);
        const forward = /^continue to (\S+)$/.exec(then);
        const back = /^Output \{\{(\w+)\}\}, then back to (\S+) \(/.exec(then);
        if (forward) expect(position(forward[1]!), then).toBeGreaterThan(position(step.number));
        else if (back) {
          expect(position(back[2]!), then).toBeLessThan(position(step.number));
          const field = /^(\w+)Valid equals false$/.exec(branch.label)?.[1];
          expect(field, `${step.id}: ${branch.label}`).toBeDefined();
          const exhausted = step.settings.findIndex((b) => b.label === `${field}Exhausted equals true`);
          expect(exhausted, step.id).toBeGreaterThanOrEqual(0);
          expect(exhausted, step.id).toBeLessThan(i);
          expect(text(step.settings[exhausted]!.value)).toMatch(ENDS);
        } else expect(then, `${step.id}: ${branch.label}`).toMatch(ENDS);
      });
    }
  });
});

describe("OFFLINE_HANDOVER=message", () => {
  const withMessages = (outputs: Record<string, string>, env: Record<string, string> = {}) =>
    buildGuide(
      deployedTarget(
        { outputs: "o.json" },
        env,
        JSON.stringify({ "prod-caic-handover-API": { ApiUrl: PROD, ...outputs } }),
      ),
    );
  const to = (guide: Guide, id: string) => `continue to ${numberOf(guide, id)}`;

  it("is read from the stage's output, and branches to the question when nobody is online", () => {
    const guide = withMessages({ OfflineHandover: "message" });
    expect(byId(guide, "agents-available").settings.map((s) => [s.label, s.value])).toEqual([
      ["agentStatus equals online", to(guide, "capture-email")],
      ["availabilityReason equals closed", `${to(guide, "capture-question")} (leave a message)`],
      ["availabilityReason equals presence", `${to(guide, "capture-question")} (nobody online: leave a message)`],
      [
        "Fallback (presence failed or the API Callout failed)",
        `${to(guide, "capture-email")} (a presence fault never blocks a handover)`,
      ],
    ]);
    expect(byId(guide, "capture-question").settings).toContainEqual({
      label: "Store the answer in dialog variable",
      value: { code: "question" },
    });
    expect(byId(guide, "IntakeMessageUrl").route).toBe(route("IntakeMessageUrl"));
    const accepted = byId(guide, "question-accepted").settings.map((s) => text(s.value));
    expect(accepted[0]).toBe(to(guide, "capture-email"));
    expect(accepted[1]).toMatch(/^Output: ".+" \(end\)$/);
    expect(accepted[2]).toContain(`then back to ${numberOf(guide, "capture-question")}`);
    expect(byId(guide, "handed-over").settings.map((s) => s.label)).toEqual([
      "handoverMode equals message",
      "handoverResult equals requested",
      "Fallback (failed, or the API Callout failed)",
    ]);
    expect(guide.sections.find((section) => section.id === "question")!.intro.join(" ")).toContain("Offline agents");
  });

  it("without it, answers agents-offline in the dialog and says how to turn it on", () => {
    const guide = prodGuide();
    expect(byId(guide, "handed-over").settings.map((s) => s.label)).toContain("handoverReason equals agents-offline");
    expect(guide.sections.find((section) => section.id === "question")!.intro.join(" ")).toContain(
      "OFFLINE_HANDOVER=message",
    );
  });

  it("falls back to the environment, the stage's output winning, and refuses other values", () => {
    const leadsToQuestion = (guide: Guide) =>
      byId(guide, "agents-available").settings.some((s) => text(s.value).startsWith(to(guide, "capture-question")));
    expect(leadsToQuestion(withMessages({}, { OFFLINE_HANDOVER: "message" }))).toBe(true);
    expect(leadsToQuestion(withMessages({ OfflineHandover: "off" }, { OFFLINE_HANDOVER: "message" }))).toBe(false);
    expect(leadsToQuestion(buildGuide(localTarget({ local: true }, { OFFLINE_HANDOVER: "message" })))).toBe(true);
    expect(() => withMessages({ OfflineHandover: "email" })).toThrow(
      "o.json's OFFLINE_HANDOVER is off or message, not email",
    );
    expect(() => localTarget({ local: true }, { OFFLINE_HANDOVER: "yes" })).toThrow(SetupGuideError);
  });
});

describe("formats", () => {
  const args = ["--outputs", FIXTURE, "--stage", "prod"];

  it("plain text by default: numbered steps with every setting on its own line", () => {
    const out = run(args);
    expect(out.startsWith("caic-handover setup guide: stage prod")).toBe(true);
    expect(out).toContain('\n4.3 API Callout "Agent availability" (CM.com guide, step 1)\n');
    expect(out).toMatch(new RegExp(`\\n {6}URL {2,}${PROD.replaceAll(".", "\\.")}/caic/events\\n`));
    expect(out).toMatch(/\n {6}Header {2,}X-Handover-Key: <HANDOVER_WEBHOOK_KEY>\n/);
  });

  it("markdown: headings, tables, code spans, and placeholders that survive rendering", () => {
    const out = run([...args, "--format", "markdown"]);
    expect(out.startsWith("# caic-handover setup guide: stage prod")).toBe(true);
    expect(out).toContain('\n## 4. Conversational AI Cloud: dialog "Handover to a live agent"\n');
    expect(out).toContain(
      '\n### 4.3 API Callout "Agent availability" (CM.com guide, step 1)\n\n| Setting | Value |\n| --- | --- |\n| Method | GET |\n',
    );
    expect(out).toContain(`| URL | \`${PROD}/router/events?key=<ROUTER_WEBHOOK_KEY>\` |`);
    expect(out).toContain("| Header | `X-Handover-Key: <HANDOVER_WEBHOOK_KEY>` |");
    expect(out).toContain("| Header | `Content-Type: text/plain; charset=utf-8` |\n| Body | `{{email}}` |");
    expect(out).toContain("| If | Then |\n| --- | --- |\n| agentStatus equals online | continue to 4.5 |");
    expect(out).toContain(
      "- **Key: the dialog's key (CAIC API Callouts)**: \\<HANDOVER_WEBHOOK_KEY> (the stage's HANDOVER_WEBHOOK_KEY secret: `npx sst secrets get HANDOVER_WEBHOOK_KEY --stage prod`)",
    );
    // Outside code spans a bare <…> would vanish as an HTML tag.
    for (const line of out.split("\n")) expect(line.replace(/`[^`]*`/g, "")).not.toMatch(/(^|[^\\])</);
  });

  it("carries the same URLs in both formats", () => {
    const plain = run(args);
    const markdown = run([...args, "--format", "markdown"]);
    for (const expected of Object.values(EXPECTED)) {
      expect(plain).toContain(expected.url);
      expect(markdown).toContain(expected.url);
    }
  });

  it("rejects an unknown format or option", () => {
    expect(() => run(["--local", "--format", "html"])).toThrow("--format is text or markdown, not html");
    expect(() => run(["--locale"])).toThrow(/Unknown option '--locale'/);
  });
});

describe("the bot's texts in the visitor's language, from the one catalogue", () => {
  /** Every quoted text the guide puts in an Output or Capture Input node, by language. */
  const botTexts = (guide: Guide) =>
    steps(guide).flatMap((step) =>
      step.settings
        .map((setting) => text(setting.value))
        .filter((value) => value.startsWith("Output:") || step.title.startsWith("Capture Input"))
        .flatMap((value) => [...value.matchAll(/(?:(nl|en|de|fr|es) )?"([^"]*)"/g)].map((m) => [m[1], m[2]!])),
    );
  const catalogue = (language: Language) =>
    new Set(
      Object.keys(BOT_TEXTS).map((key) => botText(key as BotTextKey, language, { opensAtText: "{{opensAtText}}" })),
    );

  it.each(LANGUAGES)("--culture %s: every Output and question is that language's catalogue text", (language) => {
    for (const offline of ["off", "message"]) {
      const guide = buildGuide(localTarget({ local: true }, { OFFLINE_HANDOVER: offline }), guideLanguages(language));
      const texts = botTexts(guide);
      expect(texts.length).toBeGreaterThan(8);
      for (const [, said] of texts) expect(catalogue(language), said).toContain(said);
    }
  });

  it("prints a Dutch shop's guide in Dutch, and several cultures side by side", () => {
    const dutch = run(["--local", "--culture", "nl-NL"]);
    expect(dutch).toContain('"Wat is uw e-mailadres?"');
    expect(dutch).toContain('Output: "Een moment, ik verbind u door met een collega." (end)');
    expect(dutch).not.toContain("What is your e-mail address?");
    expect(run(["--local"], { DEFAULT_CULTURE: "de-DE" })).toContain('"Wie lautet Ihre E-Mail-Adresse?"');
    const both = buildGuide(localTarget({ local: true }, {}), guideLanguages("nl-BE, fr"));
    const question = settings(byId(both, "capture-email"), "Question")[0];
    expect(question).toBe('nl "Wat is uw e-mailadres?" | fr "Quelle est votre adresse e-mail ?"');
  });

  it("refuses a culture it has no texts for, naming the ones it has", () => {
    expect(() => run(["--local", "--culture", "nl,pt-BR"])).toThrow(
      '--culture takes nl, en, de, fr, es (with or without a region, such as nl-NL), separated by commas; not "pt-BR"',
    );
  });
});

describe("what CM.com does not document is said where it is relied on", () => {
  const guide = buildGuide(localTarget({ local: true }, { OFFLINE_HANDOVER: "message" }));
  const notes = (id: string) => byId(guide, id).notes.join("\n");

  it("every plain-text body and every response mapping carries its hedge and alternative", () => {
    for (const step of steps(guide)) {
      const body = settings(step, "Header").includes("Content-Type: text/plain; charset=utf-8");
      if (body)
        expect(step.notes.join("\n"), step.id).toMatch(/Unknown .*text\/plain.*application\/x-www-form-urlencoded/);
      if (step.settings.some((s) => s.label.startsWith("Response field"))) {
        expect(step.notes.join("\n"), step.id).toMatch(/Unknown: how the node maps a response field/);
      }
    }
  });

  it("says where the order of conditions matters, with exclusive conditions to use otherwise", () => {
    for (const id of [
      "email-accepted",
      "name-accepted",
      "question-accepted",
      "agents-available",
      "handed-over",
      "known-already",
    ]) {
      expect(notes(id), id).toMatch(/Order matters: .*make them exclusive: /);
    }
    expect(notes("handover-started")).not.toMatch(/Order matters/);
  });

  it("every Logical Step comparing with true or false carries the JSON-boolean hedge naming what it compares", () => {
    const guides = [
      guide,
      buildGuide(localTarget({ local: true }, { OFFLINE_HANDOVER: "off" })),
      buildGuide(deployedTarget({ outputs: FIXTURE, stage: "prod" }, {}, OUTPUTS)),
    ];
    let compared = 0;
    for (const each of guides) {
      for (const step of steps(each)) {
        const variables = step.settings.flatMap((s) =>
          [...s.label.matchAll(/\b(\w+) equals (?:true|false)\b/g)].map((m) => m[1]!),
        );
        if (variables.length === 0) continue;
        compared++;
        const hedge = step.notes.find((note) =>
          note.startsWith("Unknown: whether `equals true` matches a JSON boolean"),
        );
        expect(hedge, step.id).toBeDefined();
        for (const name of variables) expect(hedge, step.id).toContain(`\`${name}\``);
        expect(hedge, step.id).toContain('compare with the text "true"');
      }
    }
    // The intake answers' steps and the known values' steps (emailKnown, nameKnown) among them.
    expect(compared).toBeGreaterThanOrEqual(3 * 4);
    expect(notes("known-already")).toMatch(/JSON boolean \(`emailKnown`, `nameKnown` arrive as/);
    expect(notes("name-known")).toMatch(/JSON boolean \(`nameKnown` arrives as/);
  });

  it("hedges equals true on a JSON boolean and an Output leading back to a Capture Input", () => {
    expect(notes("email-accepted")).toMatch(/Unknown: whether `equals true` matches a JSON boolean/);
    expect(notes("email-accepted")).toMatch(/Unknown: whether an Output node may lead back to a Capture Input/);
  });
});

describe("hand-back from the agent's side", () => {
  it("says where the chat id is, that the operator key goes in the route table's place, and the call", () => {
    const step = byId(prodGuide(), "handback-agent-side");
    const handback = route("ChatHandbackUrl");
    expect(settings(step, "Key")[0]).toContain(
      `the operator key (${routeKeyName(handback)}), in ${keyPlacement(handback)}`,
    );
    expect(settings(step, "Call")[0]).toMatch(
      new RegExp(
        `^curl -X POST -H "X-Handover-Key: <${routeKeyName(handback)}>" https://\\S+/chats/<chatId>/handback$`,
      ),
    );
    expect(step.notes.join("\n")).toMatch(/chat id is the conversation's Conversational Router chat id/);
    expect(step.notes.join("\n")).toMatch(/npm run chat -- <chatId> --stage <stage>/);
  });
});
