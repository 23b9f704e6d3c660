import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadHandlers } from "@caic-handover/local/dispatch";
import { type Gateway, startGateway } from "@caic-handover/local/gateway";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsStandIn, STAND_IN_CREDENTIALS } from "../support/aws-stand-in";
import { type Harness, LOCAL_KEYS, newChatId, PRESENCE_KEY, PRODUCT_TOKEN, startHarness } from "../support/harness";
import { runCommand } from "../support/processes";
import { startTlsFront, type TlsFront } from "../support/tls-front";

/**
 * `npm run check` and `npm run chat` as a user runs them, against a stage made of real parts on
 * loopback: the functions behind the local API gateway with DynamoDB Local, the simulated CM behind
 * https, and stand-ins for SSM, SNS and CloudWatch Logs that answer only correctly signed requests.
 */

const STAGE = "test";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:test-caic-handover-Alarms";
const GROUPS = [
  "/aws/lambda/test-caic-handover-API-CaicEvent-a1b2",
  "/aws/lambda/test-caic-handover-API-ChatStatus-c3d4",
];
const secretPath = (name: string) => `/sst/caic-handover/${STAGE}/Secret/${name}/value`;

let h: Harness;
let gateway: Gateway;
let tls: TlsFront;
let ssm: AwsStandIn;
let sns: AwsStandIn;
let logs: AwsStandIn;
let dir: string;
let env: Record<string, string>;
const outputsFile = () => join(dir, "outputs.json");

beforeAll(async () => {
  h = await startHarness();
  gateway = await startGateway({ handlers: await loadHandlers() });
  tls = await startTlsFront(h.cm.url);
  ssm = new AwsStandIn();
  sns = new AwsStandIn();
  logs = new AwsStandIn();
  const [ssmUrl, snsUrl, logsUrl] = await Promise.all([ssm.start(), sns.start(), logs.start()]);
  logs.logGroups = [...GROUPS, "/aws/lambda/prod-caic-handover-API-CaicEvent-ffff"];
  dir = mkdtempSync(join(tmpdir(), "stage-check-"));
  writeFileSync(
    outputsFile(),
    JSON.stringify({
      [`${STAGE}-caic-handover-API`]: { ApiUrl: gateway.url },
      [`${STAGE}-caic-handover-Monitoring`]: { AlarmTopicArn: TOPIC },
    }),
  );
  env = {
    AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: STAND_IN_CREDENTIALS.sessionToken,
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_SSM: ssmUrl,
    AWS_ENDPOINT_URL_SNS: snsUrl,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logsUrl,
    PRESENCE_API_URL: `${tls.url}/presence/api/v1`,
    ROUTING_API_URL: `${tls.url}/routing`,
    WEB_CONVERSATIONS_HANDOVER_URL: `${tls.url}/web-conversations/v1/conversationalrouter/handover`,
    NODE_EXTRA_CA_CERTS: tls.caFile,
  };
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([tls?.stop(), ssm?.stop(), sns?.stop(), logs?.stop()]);
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  h.cm.reset();
  ssm.parameters.clear();
  for (const [name, value] of Object.entries(LOCAL_KEYS)) ssm.parameters.set(secretPath(name), value);
  ssm.parameters.set(secretPath("MSC_PRESENCE_API_KEY"), PRESENCE_KEY);
  ssm.parameters.set(secretPath("CM_PRODUCT_TOKEN"), PRODUCT_TOKEN);
  sns.topics.set(TOPIC, [{ protocol: "email", endpoint: "ops@shop.example", confirmed: true }]);
});

async function npmRun(script: string, args: string[]) {
  const run = runCommand("npm", ["run", "--silent", script, "--", ...args], env);
  const code = await run.exited;
  return { code, lines: run.output().trim().split("\n") };
}

describe("npm run check -- --stage <stage>", () => {
  it("passes on a stage that is ready, one line per fact, changing nothing", async () => {
    const before = await h.scan();
    const { code, lines } = await npmRun("check", ["--stage", STAGE, "--outputs", outputsFile()]);
    expect(lines, lines.join("\n")).toContain("all checks passed");
    expect(code).toBe(0);
    for (const name of ["CM_PRODUCT_TOKEN", "MSC_PRESENCE_API_KEY", ...Object.keys(LOCAL_KEYS)]) {
      expect(lines).toContain(`ok    secret ${name} is set (SSM)`);
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ok {4}POST \/caic\/events +answers with its key \(400\), refuses without its key \(401\) and with another caller's key$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ok {4}GET \/chats\/\{chatId\} +answers with its key \(404\), refuses without its key \(401\) and with another caller's key$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ok {4}POST \/router\/handover +refuses without its key \(401\) and with another caller's key; not called with its key/,
      ),
    );
    expect(lines).toContain(`ok    presence API ${tls.url} accepted MSC_PRESENCE_API_KEY: answered 200 Online`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ok {4}WEB_CONVERSATIONS_HANDOVER_URL https:\/\/127\.0\.0\.1:\d+ is reachable over https \(answered \d{3}\)$/,
      ),
    );
    expect(lines).toContain("ok    alarm topic has a confirmed subscription: email o…@shop.example");
    // What the stand-ins and the simulated CM received: signed look-ups, one real presence call, no mutation.
    expect(ssm.requests.at(-1)).toMatchObject({
      target: "AmazonSSM.GetParameters",
      withDecryption: true,
      refused: undefined,
    });
    expect(ssm.requests.flatMap((request) => request.names)).toContain(secretPath("MSC_PRESENCE_API_KEY"));
    expect(sns.requests.at(-1)).toMatchObject({ action: "ListSubscriptionsByTopic", refused: undefined });
    expect(h.cm.presence.calls.length).toBeGreaterThanOrEqual(1);
    expect(h.cm.routing.calls).toEqual([]);
    expect(h.cm.webConversations.calls).toEqual([]);
    // No chat was touched; the availability probe may leave presence's shared, short-lived answer.
    const chats = (items: { chatId: string }[]) => items.filter((item) => !item.chatId.startsWith("presence#"));
    expect(chats(await h.scan())).toEqual(chats(before));
    for (const key of Object.values(LOCAL_KEYS)) expect(lines.join("\n")).not.toContain(key);
  }, 60_000);

  it("fails, naming each problem, on a wrong presence key, a key the stage does not take, a missing secret and a pending subscription", async () => {
    ssm.parameters.set(secretPath("MSC_PRESENCE_API_KEY"), "not-the-presence-key");
    ssm.parameters.set(secretPath("HANDOVER_WEBHOOK_KEY"), "x".repeat(40));
    // Set after the deploy with `sst secrets set`, which checks nothing: the Router's key as an operator's.
    ssm.parameters.set(secretPath("OPERATOR_KEY_PREVIOUS"), LOCAL_KEYS.ROUTER_WEBHOOK_KEY);
    // What a failed `$(npx sst secrets get …)` captures, stored as a previous key.
    ssm.parameters.set(secretPath("PRESENCE_WEBHOOK_KEY_PREVIOUS"), '✖  "PRESENCE_WEBHOOK_KEY" is not set');
    ssm.parameters.delete(secretPath("CM_PRODUCT_TOKEN"));
    sns.topics.set(TOPIC, [{ protocol: "email", endpoint: "ops@shop.example", confirmed: false }]);
    const { code, lines } = await npmRun("check", ["--stage", STAGE, "--outputs", outputsFile()]);
    expect(code).toBe(1);
    expect(lines).toContain(
      `FAIL  secret CM_PRODUCT_TOKEN is not set in SSM: npx sst secrets set CM_PRODUCT_TOKEN <value> --stage ${STAGE}`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^FAIL {2}POST \/handover +REFUSES its key \(401\): the stage's HANDOVER_WEBHOOK_KEY is not the one given/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^FAIL {2}presence API https:\/\/127\.0\.0\.1:\d+ answered \d{3} .*MSC_PRESENCE_API_KEY is not accepted/,
      ),
    );
    expect(lines).toContain(
      "FAIL  alarm topic has no confirmed subscription: email o…@shop.example pending (confirm the e-mail AWS sent)",
    );
    expect(lines).toContain(
      "FAIL  secrets: ROUTER_WEBHOOK_KEY and OPERATOR_KEY_PREVIOUS hold the same value: each caller needs a key of its own",
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^FAIL {2}secret PRESENCE_WEBHOOK_KEY_PREVIOUS is not a key the functions accept/),
    );
    expect(lines.at(-1)).toMatch(/^\d+ of \d+ checks failed$/);
    expect(lines.join("\n")).not.toContain("not-the-presence-key");
    expect(lines.join("\n")).not.toContain(LOCAL_KEYS.ROUTER_WEBHOOK_KEY);
  }, 60_000);

  it("with --api-url takes the secrets from the environment and says what it cannot check", async () => {
    const saved = env;
    env = { ...env, ...LOCAL_KEYS, MSC_PRESENCE_API_KEY: PRESENCE_KEY, CM_PRODUCT_TOKEN: "" };
    try {
      const { code, lines } = await npmRun("check", ["--api-url", gateway.url]);
      expect(code).toBe(1);
      expect(lines).toContain("ok    secret HANDOVER_WEBHOOK_KEY is set (the environment (no --stage: SSM not read))");
      expect(lines).toContain(
        "FAIL  secret CM_PRODUCT_TOKEN is not set in the environment (no --stage: SSM not read): npx sst secrets set CM_PRODUCT_TOKEN <value> --stage <stage>",
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ok {4}POST \/handover +answers with its key \(400\), refuses without its key \(401\) and with another caller's key$/,
        ),
      );
      expect(lines).toContain(
        "FAIL  alarm topic: no AlarmTopicArn output for this stage (give --stage with .sst/outputs.json)",
      );
    } finally {
      env = saved;
    }
  }, 60_000);

  it("says how to call it when given neither --stage nor --api-url", async () => {
    const { code, lines } = await npmRun("check", []);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/^check: npm run check -- --stage <stage>/);
  }, 30_000);
});

describe("npm run chat -- <chatId> --stage <stage>", () => {
  it("prints the chat's status and masked history, and the Logs Insights query and console link for its lines", async () => {
    const chatId = newChatId();
    await h.call("POST", "/caic/events", { body: { chatId } });
    await h.call("POST", `/intake/email?chatId=${chatId}`, {
      body: "jane.doe@example.com",
      headers: { "content-type": "text/plain" },
    });
    const { code, lines } = await npmRun("chat", [chatId, "--stage", STAGE, "--outputs", outputsFile()]);
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    expect(lines[0]).toBe(`chat ${chatId} on stage ${STAGE}`);
    expect(lines[1]).toBe("status: collecting");
    expect(text).toMatch(/e-mail: j\S*@example\.com/);
    expect(text).not.toContain("jane.doe@example.com");
    expect(text).toMatch(/history:\n {2}\S+ {2}started\n {2}\S+ {2}collecting {2}email/);
    expect(text).toContain(`| filter chatId = "${chatId}"`);
    const link = lines.find((line) =>
      line.startsWith("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights"),
    )!;
    expect(link).toBeDefined();
    for (const group of GROUPS)
      expect(decodeURIComponent(link.replaceAll("$", "%")).replaceAll("*", "%")).toContain(encodeURIComponent(group));
    expect(link).not.toContain("prod-caic-handover");
    expect(logs.requests.at(-1)).toMatchObject({ target: "Logs_20140328.DescribeLogGroups", refused: undefined });
    expect(JSON.parse(logs.requests.at(-1)!.body)).toMatchObject({
      logGroupNamePrefix: `/aws/lambda/${STAGE}-caic-handover-`,
    });
  }, 60_000);

  it("says a chat it does not know is not found", async () => {
    const { code, lines } = await npmRun("chat", [newChatId(), "--stage", STAGE, "--outputs", outputsFile()]);
    expect(code).toBe(0);
    expect(lines[1]).toMatch(/^status: not found/);
  }, 60_000);
});
