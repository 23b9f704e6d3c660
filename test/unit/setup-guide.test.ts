import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { ROUTES, type RouteSpec, routeKey } from "@caic-handover/functions/routes";
import { LOCAL_DEFAULTS } from "@caic-handover/local/local-defaults";
import {
  buildGuide,
  deployedTarget,
  type Guide,
  guideDrift,
  localTarget,
  SetupGuideError,
  type Step,
  setupGuide,
  type Value,
} from "@caic-handover/local/setup-guide";
import { describe, expect, it } from "vitest";

const FIXTURE = "test/fixtures/sst-outputs.json";
const OUTPUTS = readFileSync(FIXTURE, "utf8");
const PROD = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
const SECRET = "s3cret+key/value=";
const PLACEHOLDER = "<HANDOVER_WEBHOOK_KEY>";

const files = (path: string) => (path.endsWith(FIXTURE) ? OUTPUTS : undefined);
const run = (args: string[], env: Record<string, string | undefined> = {}) => setupGuide(args, env, files).text;
const prodGuide = (env: Record<string, string | undefined> = {}, showKey = false) =>
  buildGuide(deployedTarget({ outputs: FIXTURE, stage: "prod", showKey }, env, OUTPUTS));

const text = (value: Value) => (typeof value === "string" ? value : value.code);
const steps = (guide: Guide) => guide.sections.flatMap((section) => section.steps);
const stepFor = (guide: Guide, route: RouteSpec): Step => {
  const found = steps(guide).filter((step) => step.route === route);
  expect(found, routeKey(route)).toHaveLength(1);
  return found[0]!;
};
const settings = (step: Step, label: string) =>
  step.settings.filter((s) => s.label === label).map((s) => text(s.value));
const route = (output: string) => ROUTES.find((candidate) => candidate.output === output)!;
/** `n.m` as the guide numbers its steps. */
const numbered = (guide: Guide, number: string) => {
  const [section, step] = number.split(".").map(Number);
  return guide.sections[section! - 1]!.steps[step! - 1]!;
};

/** What a CM.com user enters for each route, written out in full. */
const EXPECTED: Record<
  string,
  { method: string; url: string; key: "header" | "query"; body?: object; responses?: Record<string, string> }
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
    url: `${PROD}/availability?chatId={{chatId}}`,
    key: "header",
    responses: { agentStatus: "agentStatus", reason: "availabilityReason", opensAt: "opensAt" },
  },
  PresenceWebhookUrl: { method: "POST", url: `${PROD}/availability?key=${PLACEHOLDER}`, key: "query" },
  IntakeEmailUrl: {
    method: "POST",
    url: `${PROD}/intake/email`,
    key: "header",
    body: { chatId: "{{chatId}}", email: "{{email}}" },
    responses: { valid: "emailValid", message: "emailMessage", exhausted: "emailExhausted" },
  },
  IntakeNameUrl: {
    method: "POST",
    url: `${PROD}/intake/name`,
    key: "header",
    body: { chatId: "{{chatId}}", name: "{{name}}" },
    responses: { valid: "nameValid", message: "nameMessage", exhausted: "nameExhausted" },
  },
  IntakeMessageUrl: {
    method: "POST",
    url: `${PROD}/intake/message`,
    key: "header",
    body: { chatId: "{{chatId}}", message: "{{question}}" },
    responses: { valid: "questionValid", message: "questionMessage", exhausted: "questionExhausted" },
  },
  HandoverUrl: {
    method: "POST",
    url: `${PROD}/handover`,
    key: "header",
    body: { chatId: "{{chatId}}" },
    responses: { handover: "handoverResult", reason: "handoverReason", mode: "handoverMode" },
  },
  RouterHandoverEndpointUrl: { method: "POST", url: `${PROD}/router/handover`, key: "header" },
  RouterEventsUrl: { method: "POST", url: `${PROD}/router/events?key=${PLACEHOLDER}`, key: "query" },
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

describe("a deployed stage from .sst/outputs.json", () => {
  const guide = prodGuide({ HANDOVER_WEBHOOK_KEY: SECRET });

  it.each(Object.entries(EXPECTED))("%s: method, URL, headers, body and response mapping", (output, expected) => {
    const step = stepFor(guide, route(output));
    expect(settings(step, "Method")).toEqual([expected.method]);
    expect(settings(step, "URL")).toEqual([expected.url]);
    const headers = [
      ...(expected.key === "header" ? [`X-Handover-Key: ${PLACEHOLDER}`] : []),
      ...(expected.body ? ["Content-Type: application/json"] : []),
    ];
    expect(settings(step, "Header")).toEqual(headers);
    expect(settings(step, "Body").map((body) => JSON.parse(body))).toEqual(expected.body ? [expected.body] : []);
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
      {
        label: "Key",
        value: `${PLACEHOLDER} (the stage's HANDOVER_WEBHOOK_KEY secret: \`npx sst secrets get HANDOVER_WEBHOOK_KEY --stage prod\`)`,
      },
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
      const out = run(["--outputs", FIXTURE, "--stage", "prod", "--format", format], { HANDOVER_WEBHOOK_KEY: SECRET });
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(encodeURIComponent(SECRET));
      expect(out).toContain("HANDOVER_WEBHOOK_KEY>");
    }
  });

  it("prints the key with --show-key: in every header, URL-encoded in the query of the Event endpoint and presence webhook", () => {
    const shown = prodGuide({ HANDOVER_WEBHOOK_KEY: SECRET }, true);
    for (const [output, expected] of Object.entries(EXPECTED)) {
      const step = stepFor(shown, route(output));
      if (expected.key === "header") expect(settings(step, "Header")[0]).toBe(`X-Handover-Key: ${SECRET}`);
      else expect(settings(step, "URL")).toEqual([expected.url.replace(PLACEHOLDER, encodeURIComponent(SECRET))]);
    }
    expect(shown.about[0]).toEqual({ label: "Key", value: { code: SECRET } });
    expect(run(["--outputs", FIXTURE, "--stage", "prod", "--show-key"], { HANDOVER_WEBHOOK_KEY: SECRET })).toContain(
      `X-Handover-Key: ${SECRET}`,
    );
  });

  it("asks for the key in the environment when --show-key has none", () => {
    expect(() => run(["--outputs", FIXTURE, "--stage", "prod", "--show-key"])).toThrow(
      "--show-key needs the key in HANDOVER_WEBHOOK_KEY; its value: npx sst secrets get HANDOVER_WEBHOOK_KEY --stage prod",
    );
  });

  it("tells where WEB_CONVERSATIONS_HANDOVER_URL is set for the stage", () => {
    const keep = numbered(guide, "4.1");
    expect(keep.title).toBe("Keep Web Conversations' own handover endpoint");
    expect(settings(keep, "Into")).toEqual([
      "`WEB_CONVERSATIONS_HANDOVER_URL=…` in `.env.prod`, then `npx sst deploy --stage prod`",
    ]);
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
      `https://dev0000000.execute-api.eu-west-1.amazonaws.com/router/events?key=${PLACEHOLDER}`,
    ]);
    expect(dev.about.map((entry) => entry.label)).toEqual(["Key"]);
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
    expect(text(guide.about[0]!.value)).toBe(
      `${PLACEHOLDER} (HANDOVER_WEBHOOK_KEY from your shell or \`.env\`, else the local default; \`npm start\` prints it)`,
    );
    expect(settings(numbered(guide, "4.1"), "Into")).toEqual([
      "`WEB_CONVERSATIONS_HANDOVER_URL=…` in `.env` (or the shell), then restart `npm start`",
    ]);
  });

  it("follows PORT, and shows the key npm start uses with --show-key", () => {
    const out = run(["--local", "--show-key"], { PORT: "4010" });
    expect(out).toContain("http://127.0.0.1:4010/caic/events");
    expect(out).toContain(`X-Handover-Key: ${LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY}`);
    expect(out).toContain(`http://127.0.0.1:4010/router/events?key=${LOCAL_DEFAULTS.HANDOVER_WEBHOOK_KEY}`);
    expect(run(["--local", "--show-key"], { HANDOVER_WEBHOOK_KEY: "mine" })).toContain("X-Handover-Key: mine");
    expect(run(["--local"], { HANDOVER_WEBHOOK_KEY: "mine" })).not.toContain("mine");
  });

  it("takes --api-url as the local base", () => {
    expect(run(["--local", "--api-url", "http://127.0.0.1:9999"])).toContain("http://127.0.0.1:9999/handover");
  });
});

describe("the order and content of CM.com's guide", () => {
  const guide = prodGuide();

  it("goes answer metadata, event, dialog, Router, then the alternatives", () => {
    expect(guide.sections.map((section) => section.title)).toEqual([
      "Conversational AI Cloud: the answer that offers a live agent",
      "Conversational AI Cloud: the handover event",
      'Conversational AI Cloud: dialog "Handover to a live agent"',
      "Conversational Router: the Web Conversations adapter",
      "Web Conversations: presence check (alternative to steps 3.2 and 3.3)",
      "Operators",
      "Conversational AI Cloud: the visitor's question (leave a message while nobody is online)",
      "Conversational AI Cloud: skip what the bot already knows (optional)",
    ]);
    expect(numbered(guide, "1.1").settings).toEqual([
      { label: "Metadata", value: { code: "triggerEvent" } },
      { label: "Type", value: "Text" },
      { label: "Value", value: { code: "handover" } },
    ]);
    expect(settings(numbered(guide, "2.1"), "Event name")).toEqual(["handover"]);
  });

  it("numbers the dialog nodes the way its branches refer to them", () => {
    expect(guide.sections[2]!.steps.map((step) => step.title)).toEqual([
      'API Callout "Start handover"',
      'API Callout "Agent availability" (CM.com guide, step 1)',
      'Logical Step "Agents available?"',
      'Capture Input "E-mail" (CM.com guide, step 3)',
      'API Callout "Check e-mail"',
      'Logical Step "E-mail accepted?"',
      'Capture Input "Name"',
      'API Callout "Check name"',
      'Logical Step "Name accepted?"',
      'API Callout "Hand over" (CM.com guide, step 4)',
      'Logical Step "Handed over?"',
    ]);
    expect(numbered(guide, "3.2").route).toBe(route("AvailabilityUrl"));
    expect(numbered(guide, "4.2").route).toBe(route("RouterHandoverEndpointUrl"));
    expect(numbered(guide, "4.3").route).toBe(route("RouterEventsUrl"));
  });

  it("branches on agentStatus, on reason closed with opensAt, and re-prompts or stops on valid and exhausted", () => {
    expect(numbered(guide, "3.3").settings).toEqual([
      { label: "agentStatus equals online", value: "continue to 3.4" },
      {
        label: "availabilityReason equals closed",
        value: 'Output: "We are closed now and open again at {{opensAt}}."',
      },
      {
        label: "Fallback (offline, or the API Callout failed)",
        value: 'Output: "No agent is available right now. Please try again later."',
      },
    ]);
    expect(settings(numbered(guide, "3.4"), "Store the answer in dialog variable")).toEqual(["email"]);
    expect(numbered(guide, "3.6").settings.map((s) => [s.label, s.value])).toEqual([
      ["emailValid equals true", "continue to 3.7"],
      [
        "emailExhausted equals true",
        'Output: "Sorry, that did not work. Please try again later." (stop: do not ask again)',
      ],
      ["Fallback (valid is false)", "Output {{emailMessage}}, then back to 3.4 (ask again)"],
    ]);
    expect(settings(numbered(guide, "3.7"), "Store the answer in dialog variable")).toEqual(["name"]);
    expect(numbered(guide, "3.9").settings.map((s) => s.value)).toEqual([
      "continue to 3.10",
      'Output: "Sorry, that did not work. Please try again later." (stop: do not ask again)',
      "Output {{nameMessage}}, then back to 3.7 (ask again)",
    ]);
    expect(numbered(guide, "3.11").settings[0]).toEqual({
      label: "handoverResult equals requested",
      value: 'Output: "One moment, I am connecting you to a colleague."',
    });
  });

  it("without OFFLINE_HANDOVER tells visitors nobody is online, and says how to let them leave a message", () => {
    expect(guide.sections[2]!.steps.length).toBe(11);
    expect(numbered(guide, "3.11").settings.map((s) => s.label)).toEqual([
      "handoverResult equals requested",
      "handoverReason equals agents-offline",
      "Fallback (failed, or the API Callout failed)",
    ]);
    expect(guide.sections[6]!.intro[0]).toContain(
      "set OFFLINE_HANDOVER=message (`OFFLINE_HANDOVER=…` in `.env.prod`, then `npx sst deploy --stage prod`)",
    );
  });

  it("skips the Capture Inputs for what the bot knows: known values in 3.1's body, then Logical Steps", () => {
    const body = settings(numbered(guide, "8.1"), "Body").map((value) => JSON.parse(value));
    expect(body).toEqual([{ chatId: "{{chatId}}", email: "{{customerEmail}}", name: "{{customerName}}" }]);
    expect(numbered(guide, "8.2").settings.map((s) => [s.label, s.value])).toEqual([
      ["emailKnown equals true and nameKnown equals true", "continue to 3.10"],
      ["emailKnown equals true", "continue to 3.7"],
      ["Fallback", "continue to 3.4"],
    ]);
    expect(numbered(guide, "8.3").settings.map((s) => [s.label, s.value])).toEqual([
      ["nameKnown equals true", "continue to 3.10"],
      ["Fallback", "continue to 3.7"],
    ]);
  });

  it("says the Event endpoint has no header section", () => {
    expect(stepFor(guide, route("RouterEventsUrl")).notes).toContain(
      "The Event endpoint has no header section, so the key goes in the URL.",
    );
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

  it("is read from the stage's output, and branches to the question when nobody is online", () => {
    const guide = withMessages({ OfflineHandover: "message" });
    expect(numbered(guide, "3.3").settings.map((s) => [s.label, s.value])).toEqual([
      ["agentStatus equals online", "continue to 3.4"],
      ["availabilityReason equals closed", "continue to 7.1 (leave a message)"],
      ["availabilityReason equals presence", "continue to 7.1 (nobody online: leave a message)"],
      [
        "Fallback (presence failed or the API Callout failed)",
        "continue to 3.4 (a presence fault never blocks a handover)",
      ],
    ]);
    expect(numbered(guide, "7.1").settings).toContainEqual({
      label: "Store the answer in dialog variable",
      value: { code: "question" },
    });
    expect(numbered(guide, "7.2").route).toBe(route("IntakeMessageUrl"));
    expect(numbered(guide, "7.3").settings.map((s) => s.value)).toEqual([
      "continue to 3.4 (the e-mail address the answer goes to)",
      'Output: "Sorry, that did not work. Please try again later." (stop: do not ask again)',
      "Output {{questionMessage}}, then back to 7.1 (ask again)",
    ]);
    expect(numbered(guide, "3.11").settings.map((s) => s.label)).toEqual([
      "handoverMode equals message",
      "handoverResult equals requested",
      "Fallback (failed, or the API Callout failed)",
    ]);
    expect(guide.sections[6]!.intro.join(" ")).toContain("Offline agents");
  });

  it("falls back to the environment, the stage's output winning, and refuses other values", () => {
    const branches = (guide: Guide) => numbered(guide, "3.3").settings.map((s) => s.value);
    expect(branches(withMessages({}, { OFFLINE_HANDOVER: "message" }))).toContain("continue to 7.1 (leave a message)");
    expect(branches(withMessages({ OfflineHandover: "off" }, { OFFLINE_HANDOVER: "message" }))).not.toContain(
      "continue to 7.1 (leave a message)",
    );
    expect(
      text(
        numbered(buildGuide(localTarget({ local: true }, { OFFLINE_HANDOVER: "message" })), "3.3").settings[1]!.value,
      ),
    ).toBe("continue to 7.1 (leave a message)");
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
    expect(out).toContain('\n3.2 API Callout "Agent availability" (CM.com guide, step 1)\n');
    expect(out).toMatch(new RegExp(`\\n {6}URL {2,}${PROD.replaceAll(".", "\\.")}/caic/events\\n`));
    expect(out).toMatch(/\n {6}Header {2,}X-Handover-Key: <HANDOVER_WEBHOOK_KEY>\n/);
  });

  it("markdown: headings, tables, code spans, and placeholders that survive rendering", () => {
    const out = run([...args, "--format", "markdown"]);
    expect(out.startsWith("# caic-handover setup guide: stage prod")).toBe(true);
    expect(out).toContain('\n## 3. Conversational AI Cloud: dialog "Handover to a live agent"\n');
    expect(out).toContain(
      '\n### 3.2 API Callout "Agent availability" (CM.com guide, step 1)\n\n| Setting | Value |\n| --- | --- |\n| Method | GET |\n',
    );
    expect(out).toContain(`| URL | \`${PROD}/router/events?key=<HANDOVER_WEBHOOK_KEY>\` |`);
    expect(out).toContain("| Header | `X-Handover-Key: <HANDOVER_WEBHOOK_KEY>` |");
    expect(out).toContain('| Body | `{"chatId":"{{chatId}}","email":"{{email}}"}` |');
    expect(out).toContain("| If | Then |\n| --- | --- |\n| agentStatus equals online | continue to 3.4 |");
    expect(out).toContain(
      "- **Key**: \\<HANDOVER_WEBHOOK_KEY> (the stage's HANDOVER_WEBHOOK_KEY secret: `npx sst secrets get HANDOVER_WEBHOOK_KEY --stage prod`)",
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

describe("the command", () => {
  const tsx = (args: string[]) =>
    promisify(execFile)("node_modules/.bin/tsx", ["packages/local/src/setup-guide.ts", ...args], {
      env: { ...process.env, HANDOVER_WEBHOOK_KEY: "" },
    });

  it("prints the guide, and a one-line reason with exit code 1 when it cannot", async () => {
    const { stdout } = await tsx(["--outputs", FIXTURE, "--stage", "prod"]);
    expect(stdout).toContain(`${PROD}/handover`);
    const failed = await tsx(["--outputs", FIXTURE]).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain(
      `setup-guide: ${FIXTURE} holds several stages (dev, prod): pick one with --stage`,
    );
  });
});
