import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  KEY_NAMES,
  REQUIRED_SECRET_NAMES,
  SECRET_NAMES,
  type SecretName,
  SST_SSM_PLACEHOLDER,
} from "@caic-handover/core/config/config";
import {
  FUNCTIONS,
  type FunctionName,
  handlerPath,
  ROUTES,
  type RouteSpec,
  requiredSecrets,
  routeKey,
  routeKeyName,
} from "@caic-handover/functions/routes";
import { toApiEvent } from "@caic-handover/local/api-event";
import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { findRoute } from "@caic-handover/local/dispatch";
import { createChatTable } from "@caic-handover/local/dynamodb-local";
import { SIMULATED_CM } from "@caic-handover/local/local-defaults";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { REQUIRED_PARAMETERS, secretPath } from "../stacks/synth";
import { AwsStandIn, STAND_IN_CREDENTIALS } from "../support/aws-stand-in";
import { DeployedFunction, LAMBDA_ERROR, type Outcome } from "../support/deployed-function";
import { type LambdaNode, lambdaNode } from "../support/lambda-node";
import { ricLoader } from "../support/lambda-ric";
import { type SstBuild, sstBuild } from "../support/sst-build";
import { startTlsFront, type TlsFront } from "../support/tls-front";

/**
 * What is deployed, run as Lambda runs it: `npx sst build`, the real CLI, as a child process on
 * Node.js 22 from a clean copy of the repository (its pre-synthesis AWS calls answered by a loopback
 * stand-in that checks them), then every function's bundle from the asset folder that build wrote,
 * resolved and imported by the `nodejs22.x` runtime's own handler loader (aws-lambda-ric) from the
 * function's Handler setting, in a process of its own on Node.js 22, with exactly the environment
 * variables the template gives that function (only the table name, a CloudFormation import, resolved),
 * plus what Lambda itself sets (region, role credentials, function name). Around it: DynamoDB Local,
 * the simulated CM behind TLS (deploy refuses http://), and a stand-in SSM that checks every request's
 * SigV4 signature with the AWS SDK's own signer and serves the stage's secrets.
 */

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const SECRETS: Partial<Record<SecretName, string>> = {
  HANDOVER_WEBHOOK_KEY: `deployed-dialog-${randomUUID()}`,
  ROUTER_WEBHOOK_KEY: `deployed-router-${randomUUID()}`,
  OPERATOR_KEY: `deployed-operator-${randomUUID()}`,
  PRESENCE_WEBHOOK_KEY: `deployed-presence-${randomUUID()}`,
  CM_PRODUCT_TOKEN: SIMULATED_CM.productToken,
  MSC_PRESENCE_API_KEY: SIMULATED_CM.presenceApiKey,
};
/** The key of each route's caller, as the stage's secrets hold it. */
const keyOf = (route: RouteSpec) => SECRETS[routeKeyName(route)]!;
const KEYS = KEY_NAMES.map((name) => SECRETS[name]!);
/** Variables that fake the clock (`npm run test:later`): the functions must share the machine's clock. */
const CLOCK = /^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/;

let node: LambdaNode;
let cm: CmSimulator;
let front: TlsFront;
let ssm: AwsStandIn;
let ssmUrl: string;
let tableName: string;
/** Per function: its bundle and the environment the template gives it. */
const deployed = {} as Record<FunctionName, { taskRoot: string; variables: Record<string, unknown> }>;
const API_STACK = "test-caic-handover-API";
let build: SstBuild;
let loader: string;
const running: DeployedFunction[] = [];

beforeAll(async () => {
  node = lambdaNode();
  if (node.fallback) {
    console.warn(
      `\n*** deployed-artifact test: Lambda's Node.js 22 is not available (${node.fallback}); ` +
        `running the bundles on this machine's Node ${node.version} instead ***\n`,
    );
  }
  cm = await new CmSimulator(SIMULATED_CM).start();
  front = await startTlsFront(cm.url);
  tableName = `deployed-${randomUUID().slice(0, 8)}`;
  await createChatTable(inject("ddbEndpoint"), tableName);
  ssm = new AwsStandIn();
  ssmUrl = await ssm.start();

  loader = ricLoader();
  build = await sstBuild({
    node: node.path,
    stage: "test",
    parameters: {
      ...REQUIRED_PARAMETERS,
      CM_TECHNICAL_LINK_ID: SIMULATED_CM.technicalLinkId,
      // The simulated CM refuses mutations naming adapters outside its ruleset, as CM would.
      ROUTER_CLIENT_ADAPTER_ID: SIMULATED_CM.adapters.client,
      ROUTER_BOT_ADAPTER_ID: SIMULATED_CM.adapters.bot,
      ROUTER_AGENT_ADAPTER_ID: SIMULATED_CM.adapters.agent,
      PRESENCE_API_URL: front.url + new URL(cm.presenceUrl).pathname,
      ROUTING_API_URL: front.url + new URL(cm.routingUrl).pathname,
      WEB_CONVERSATIONS_HANDOVER_URL: front.url + new URL(cm.webConversationsUrl).pathname,
      POWERTOOLS_LOG_LEVEL: "INFO",
    },
    secrets: new Map(REQUIRED_SECRET_NAMES.map((name) => [secretPath("test", name), SECRETS[name]!])),
  });
  if (build.exitCode !== 0) throw new Error(`npx sst build failed:\n${build.output}`);
  const functions = Object.values(build.templates[API_STACK]?.Resources ?? {}).filter(
    (resource) => resource.Type === "AWS::Lambda::Function",
  );
  const assets = JSON.parse(readFileSync(join(build.dist, `${API_STACK}.assets.json`), "utf8"));
  for (const fn of FUNCTION_NAMES) {
    const resource = functions.find((r) => r.Properties.Handler === handlerPath(fn));
    if (!resource) continue;
    deployed[fn] = {
      // The folder `sst deploy` zips and uploads as the function's S3Key, per the stack's asset manifest.
      taskRoot: join(build.dist, assets.files[resource.Properties.Code.S3Key.replace(/\.zip$/, "")].source.path),
      variables: resource.Properties.Environment.Variables,
    };
  }
}, 300_000);

afterAll(async () => {
  await Promise.all(running.splice(0).map((fn) => fn.stop()));
  await ssm?.stop();
  await front?.stop();
  await cm?.stop();
  build?.remove();
});

beforeEach(() => {
  ssm.behaviour = "serve";
  ssm.parameters.clear();
  for (const name of REQUIRED_SECRET_NAMES) ssm.parameters.set(secretPath("test", name), SECRETS[name]!);
});

/** The function's environment in AWS: the template's variables, then what Lambda adds, then where the stand-ins are. */
function environment(fn: FunctionName): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(deployed[fn].variables)) {
    if (name === "TABLE_NAME") variables[name] = tableName;
    else if (typeof value === "string") variables[name] = value;
    else
      throw new Error(
        `${fn}: ${name} is ${JSON.stringify(value)}, which CloudFormation would resolve: resolve it here`,
      );
  }
  return {
    ...variables,
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: STAND_IN_CREDENTIALS.sessionToken,
    AWS_LAMBDA_FUNCTION_NAME: `test-caic-handover-API-${fn}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    LAMBDA_TASK_ROOT: deployed[fn].taskRoot,
    _HANDLER: handlerPath(fn),
    TZ: ":UTC",
    AWS_ENDPOINT_URL_SSM: ssmUrl,
    AWS_ENDPOINT_URL_DYNAMODB: inject("ddbEndpoint"),
    NODE_EXTRA_CA_CERTS: front.caFile,
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => CLOCK.test(name))),
  } as Record<string, string>;
}

function start(fn: FunctionName): DeployedFunction {
  const started = new DeployedFunction({
    node: node.path,
    loader,
    taskRoot: deployed[fn].taskRoot,
    handler: handlerPath(fn),
    env: environment(fn),
    timeoutSeconds: FUNCTIONS[fn].timeoutSeconds,
  });
  running.push(started);
  return started;
}

interface Request {
  method: string;
  url: string;
  body?: object | string;
  /** Header key by default; `?key=` for `query`; none for `null`. */
  key?: string | null;
  keyIn?: "header" | "query";
}

/** API Gateway's part: the route, the payload 2.0 event, and a Lambda failure turned into its bare 500. */
async function call(fn: DeployedFunction, request: Request): Promise<{ outcome: Outcome; answer: Answer }> {
  const url = new URL(request.url, "https://api.example");
  const match = findRoute(request.method, url.pathname)!;
  const key = request.key === undefined ? keyOf(match.route) : request.key;
  if (key !== null && request.keyIn === "query") url.searchParams.set("key", key);
  const headers: Record<string, string> = {};
  if (key !== null && request.keyIn !== "query") headers["x-handover-key"] = key;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const event = toApiEvent(
    {
      method: request.method,
      url: `${url.pathname}${url.search}`,
      headers,
      body: typeof request.body === "string" ? request.body : request.body && JSON.stringify(request.body),
    },
    { routeKey: routeKey(match.route), pathParameters: match.pathParameters },
  );
  const outcome = await fn.invoke(event);
  return { outcome, answer: toAnswer(outcome.kind === "result" ? outcome.result : LAMBDA_ERROR) };
}

interface Answer {
  status: number;
  json: any;
}
const toAnswer = (result: APIGatewayProxyStructuredResultV2): Answer => ({
  status: result.statusCode ?? 200,
  json: JSON.parse(result.body ?? "null"),
});

/** A request every route accepts when the key is right. */
function typicalRequest(fn: FunctionName, chatId: string): Request {
  const route = ROUTES.find((r) => r.function === fn)!;
  const path = route.path.replace("{chatId}", chatId);
  return route.method === "GET" || route.method === "DELETE"
    ? { method: route.method, url: `${path}?chatId=${chatId}` }
    : { method: route.method, url: path, body: { chatId } };
}

const chunks = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

describe("npx sst build, the real CLI, from a clean copy of the repository", () => {
  it("asks AWS only who the deployer is, where the bootstrap buckets are and whether the stage's secrets exist, all signed", () => {
    expect(build.output).toContain("Built: 2 stacks to .sst/dist");
    expect(build.calls.map((c) => c.refused)).toEqual(build.calls.map(() => undefined));
    expect(
      build.calls.map(({ service, action, names }) => `${service} ${action} ${[...names].sort().join(",")}`).sort(),
    ).toEqual(
      [
        "cloudformation DescribeStacks CDKToolkit",
        "cloudformation DescribeStacks SSTBootstrap",
        // The stage's secrets check: each secret (previous keys included) for the stage and for SST's
        // fallback stage, in calls of at most 10 names (SSM's limit).
        ...chunks(
          SECRET_NAMES.flatMap((name) => [secretPath("test", name), secretPath(".fallback", name)]),
          10,
        ).map((names) => `ssm GetParameters ${names.sort().join(",")}`),
        "sts GetCallerIdentity ",
      ].sort(),
    );
  });

  it("writes both stacks' templates and every function's bundle, loadable by the runtime's own loader", () => {
    expect(Object.keys(build.templates).sort()).toEqual([API_STACK, "test-caic-handover-Database"]);
    for (const fn of FUNCTION_NAMES) {
      expect(deployed[fn], `${fn} has a Lambda function with Handler ${handlerPath(fn)}`).toBeDefined();
      expect(existsSync(join(deployed[fn].taskRoot, handlerPath(fn).replace(/\.handler$/, ".mjs"))), fn).toBe(true);
    }
  });
});

it("runs the bundles on Lambda's Node.js 22", (context) => {
  if (node.fallback)
    context.skip(`Node.js 22 not available here (${node.fallback}); the bundles ran on ${node.version}`);
  expect(node.version).toMatch(/^v22\./);
});

describe("a deployed stage with its three secrets in SSM", () => {
  it("takes a whole conversation: one correct mutation request at CM, the notification forwarded", async () => {
    const fns = Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, start(fn)])) as Record<
      FunctionName,
      DeployedFunction
    >;
    const chatId = randomUUID();
    const ok = async (fn: FunctionName, request: Request) => {
      const { outcome, answer } = await call(fns[fn], request);
      expect(
        outcome.kind,
        `${fn}: ${outcome.kind === "function-error" ? outcome.why : ""} ${fns[fn].logs.join("\n")}`,
      ).toBe("result");
      expect(answer.status, `${fn} ${JSON.stringify(answer.json)}`).toBe(200);
      return answer.json;
    };
    expect(await ok("caic-event", { method: "POST", url: "/caic/events", body: { chatId } })).toMatchObject({
      chatId,
      status: "started",
      missing: ["email", "name"],
    });
    expect(await ok("availability", { method: "GET", url: `/availability?chatId=${chatId}` })).toMatchObject({
      agentStatus: "online",
      reason: "presence",
    });
    expect(
      await ok("intake-email", {
        method: "POST",
        url: "/intake/email",
        body: { chatId, value: "jane.doe@example.com" },
      }),
    ).toMatchObject({ valid: true, complete: false, missing: ["name"] });
    expect(
      await ok("intake-name", { method: "POST", url: "/intake/name", body: { chatId, value: "Jane Doe" } }),
    ).toMatchObject({ valid: true, complete: true });
    expect(
      await ok("intake-message", {
        method: "POST",
        url: "/intake/message",
        body: { chatId, value: "Where is my order?" },
      }),
    ).toMatchObject({ valid: true, complete: true });
    expect(await ok("handover", { method: "POST", url: "/handover", body: { chatId } })).toEqual({
      handover: "requested",
    });
    const notification = `{"chatId":"${chatId}","accountId":"${SIMULATED_CM.technicalLinkId}","context":}`;
    expect(await ok("handover-notification", { method: "POST", url: "/router/handover", body: notification })).toEqual({
      ok: true,
    });
    expect(await ok("chat-status", { method: "GET", url: `/chats/${chatId}` })).toMatchObject({
      status: "handed_over",
      email: "j***@example.com",
    });
    expect(await ok("handback", { method: "POST", url: `/chats/${chatId}/handback` })).toEqual({
      handback: "requested",
    });
    expect(
      await ok("router-events", {
        method: "POST",
        url: "/router/events",
        keyIn: "query",
        body: { chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
      }),
    ).toEqual({ ok: true });
    expect(await ok("chat-erase", { method: "DELETE", url: `/chats/${chatId}` })).toMatchObject({ erased: true });

    const mutations = cm.routing.calls.filter((c) => c.chatId === chatId);
    expect(mutations.map((c) => c.kind)).toEqual(["handover", "handback"]);
    for (const mutation of mutations) expect(mutation.problems).toEqual([]);
    expect(cm.acceptedMutations.filter((c) => c.chatId === chatId)).toHaveLength(2);
    expect(cm.presence.calls.length).toBeGreaterThan(0);
    expect(cm.webConversations.calls.map((c) => c.body)).toContain(notification);
    // One signed GetParameters per cold start, none refused.
    expect(ssm.requests).toHaveLength(FUNCTION_NAMES.length);
    expect(ssm.refusedSignatures).toBe(0);
    for (const fn of FUNCTION_NAMES) expect(fns[fn].coldStarts, fn).toBe(1);
  }, 180_000);

  it("lets nobody in with SST's placeholder, in the header or the query, on any function", async () => {
    for (const fn of FUNCTION_NAMES) {
      const deployedFn = start(fn);
      for (const keyIn of ["header", "query"] as const) {
        const { answer } = await call(deployedFn, {
          ...typicalRequest(fn, randomUUID()),
          key: SST_SSM_PLACEHOLDER,
          keyIn,
        });
        expect(answer, `${fn} ${keyIn}`).toMatchObject({ status: 401, json: { error: "unauthorized" } });
      }
      await deployedFn.stop();
    }
    expect(ssm.refusedSignatures).toBe(0);
  }, 180_000);
});

describe("a deployed stage with a secret missing from SSM", () => {
  it.each(REQUIRED_SECRET_NAMES)(
    "without %s: its functions serve nobody, with any key; the log names it once per cold start",
    async (missing) => {
      ssm.parameters.delete(secretPath("test", missing));
      const affected = FUNCTION_NAMES.filter((fn) => (requiredSecrets(fn) as readonly string[]).includes(missing));
      expect(affected.length).toBeGreaterThan(0);
      for (const fn of affected) {
        const deployedFn = start(fn);
        for (const key of [undefined, SST_SSM_PLACEHOLDER, null]) {
          const { outcome, answer } = await call(deployedFn, { ...typicalRequest(fn, randomUUID()), key });
          expect(outcome.kind, `${fn} with key ${key}`).toBe("function-error");
          expect(outcome.ms).toBeLessThan(FUNCTIONS[fn].timeoutSeconds * 1000);
          expect(answer).toEqual({ status: 500, json: { message: "Internal Server Error" } });
        }
        expect(deployedFn.coldStarts).toBe(3);
        const naming = deployedFn.logs.filter((line) => line.includes(missing));
        expect(naming, deployedFn.logs.join("\n")).toHaveLength(3);
        for (const line of naming) {
          expect(JSON.parse(line)).toMatchObject({
            level: "CRITICAL",
            message: expect.stringContaining(
              `${missing} is not set for stage test: npx sst secrets set ${missing} <value> --stage test`,
            ),
          });
        }
        for (const key of KEYS) expect(deployedFn.logs.join("\n")).not.toContain(key);
      }
      const unaffected = FUNCTION_NAMES.filter((fn) => !affected.includes(fn));
      for (const fn of unaffected.slice(0, 1)) {
        const { outcome } = await call(start(fn), typicalRequest(fn, randomUUID()));
        expect(outcome.kind, `${fn} does not need ${missing}`).toBe("result");
      }
      expect(ssm.refusedSignatures).toBe(0);
    },
    300_000,
  );
});

describe("a deployed stage whose SSM fails", () => {
  it.each([
    ["answers 400", { status: 400 }, "SSM GetParameters answered 400"],
    ["answers 500", { status: 500 }, "SSM GetParameters answered 500"],
    ["hangs", "hang", "SSM GetParameters did not answer within 3 s"],
  ] as const)(
    "SSM %s: a clear failure within the function's timeout, nothing served",
    async (_, behaviour, logged) => {
      ssm.behaviour = behaviour;
      const fn: FunctionName = "caic-event";
      const deployedFn = start(fn);
      const { outcome, answer } = await call(deployedFn, typicalRequest(fn, randomUUID()));
      expect(outcome.kind).toBe("function-error");
      expect(outcome.ms).toBeLessThan(FUNCTIONS[fn].timeoutSeconds * 1000);
      expect(answer.status).toBe(500);
      const critical = deployedFn.logs.filter((line) => line.includes('"CRITICAL"'));
      expect(critical, deployedFn.logs.join("\n")).toHaveLength(1);
      expect(critical[0]).toContain(logged);
      expect(ssm.refusedSignatures).toBe(0);
    },
    60_000,
  );
});
