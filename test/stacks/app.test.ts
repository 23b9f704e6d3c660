import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SECRET_NAMES } from "@caic-handover/core/config/config";
import {
  DIMENSION_VALUES,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  Metric,
  NOT_A_FAULT,
} from "@caic-handover/core/shared/metrics";
import {
  boundSecrets,
  FUNCTIONS,
  type FunctionName,
  handlerPath,
  ROUTES,
  routeKey,
  routeKeyName,
} from "@caic-handover/functions/routes";
import { TARGETS } from "@caic-handover/local/constants";
import { Aspects, type CfnElement, type Stage } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { getStack, use } from "sst/constructs";
import { useProject } from "sst/project.js";
import { beforeAll, describe, expect, it } from "vitest";
import { API } from "../../stacks/API";
import { Database } from "../../stacks/Database";
import { FUNCTION_DEFAULTS } from "../../stacks/defaults";
import { ACCEPTED } from "../../stacks/nag";
import type { AwsRequest } from "../support/aws-stand-in";
import { REQUIRED_PARAMETERS, synthesise } from "./synth";

const ALARM_EMAIL = "oncall@shop.example";
const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

let database: Template;
/** What the deploy asked SSM while synthesising. */
let secretsChecks: AwsRequest[];
let api: Template;
/** Logical id of each route function in the API stack. */
let logicalId: Record<FunctionName, string>;
/** The function's bundle as SST built it. */
let bundle: (fn: FunctionName) => string;

beforeAll(async () => {
  const template = await synthesise(
    {
      ...REQUIRED_PARAMETERS,
      PRESENCE_CACHE_SECONDS: "30",
      // Local-only settings must never reach a deployed function.
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      TABLE_NAME: "local-chats",
      POWERTOOLS_LOG_LEVEL: "INFO",
      ALARM_EMAIL,
      OFFLINE_HANDOVER: "message",
      PRESENCE_WEBHOOK_CORS_ORIGINS: "https://www.shop.example",
      UNCONFIRMED_HANDOVER_THRESHOLD: "4",
      UNCONFIRMED_HANDOVER_WINDOW_MINUTES: "20",
    },
    undefined,
    (app) => Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, logIgnores: true })),
  );
  secretsChecks = template.ssm.requests;
  database = template(Database);
  api = template(API);
  const stack = getStack(API);
  const { functions } = use(API);
  logicalId = Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [fn, stack.getLogicalId(functions[fn].node.defaultChild as CfnElement)]),
  ) as Record<FunctionName, string>;
  bundle = (fn) =>
    readFileSync(
      join(useProject().paths.artifacts, functions[fn].node.addr, handlerPath(fn).replace(/\.handler$/, ".mjs")),
      "utf8",
    );
});

const resources = (template: Template, type: string) => template.findResources(type) as Record<string, any>;
const functionResource = (fn: FunctionName) => resources(api, "AWS::Lambda::Function")[logicalId[fn]];
const roleOf = (fn: FunctionName) => functionResource(fn).Properties.Role["Fn::GetAtt"][0] as string;
const statementsOf = (fn: FunctionName) =>
  Object.values(resources(api, "AWS::IAM::Policy"))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleOf(fn) }]))
    .flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
const actions = (statement: { Action: string | string[] }) => [statement.Action].flat();

describe("the deploy", () => {
  it("checks the stage's secrets in SSM first, in signed calls of at most 10 names (SSM's limit)", () => {
    expect(secretsChecks).toHaveLength(Math.ceil((2 * SECRET_NAMES.length) / 10));
    for (const check of secretsChecks) {
      expect(check).toMatchObject({ target: "AmazonSSM.GetParameters", withDecryption: true, refused: undefined });
      expect(check.names.length).toBeLessThanOrEqual(10);
    }
    expect(secretsChecks.flatMap((check) => check.names)).toHaveLength(2 * SECRET_NAMES.length);
  });
});

describe("the chats table", () => {
  it("is on demand, keyed by chatId, expires on expiresAt and has point-in-time recovery", () => {
    database.resourceCountIs("AWS::DynamoDB::Table", 1);
    database.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "test-caic-handover-Chats",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "chatId", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "chatId", AttributeType: "S" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
    });
  });

  it("outlives the removal of its stack", () => {
    database.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });
});

describe("the functions", () => {
  it("are one per function of the route table, the two /availability routes sharing one", () => {
    const routeFunctions = Object.values(resources(api, "AWS::Lambda::Function")).filter((fn) =>
      String(fn.Properties.Handler).startsWith("packages/functions/src/"),
    );
    expect(routeFunctions).toHaveLength(new Set(ROUTES.map((route) => route.function)).size);
    const integrations = resources(api, "AWS::ApiGatewayV2::Integration");
    const routes = Object.values(resources(api, "AWS::ApiGatewayV2::Route"));
    // Plus the presence webhook's preflight, declared because this stage sets PRESENCE_WEBHOOK_CORS_ORIGINS.
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      [...ROUTES.map(routeKey), "OPTIONS /availability"].sort(),
    );
    for (const route of ROUTES) {
      const found = routes.find((r) => r.Properties.RouteKey === routeKey(route))!;
      const integration = integrations[found.Properties.Target["Fn::Join"][1][1].Ref];
      expect(integration.Properties).toMatchObject({
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [logicalId[route.function], "Arn"] },
      });
    }
  });

  it.each(FUNCTION_NAMES)("%s runs Node 22 on arm64 with 512 MB, its own timeout and a month of logs", (fn) => {
    expect(functionResource(fn).Properties).toMatchObject({
      // Capped: a flood on one route neither runs up the bill nor takes the others' concurrency.
      ReservedConcurrentExecutions: 20,
      Handler: handlerPath(fn),
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      MemorySize: 512,
      Timeout: FUNCTIONS[fn].timeoutSeconds,
    });
    expect(functionResource(fn).Properties.TracingConfig).toBeUndefined();
    api.hasResourceProperties("Custom::LogRetention", {
      LogGroupName: { "Fn::Join": ["", ["/aws/lambda/", { Ref: logicalId[fn] }]] },
      RetentionInDays: 30,
    });
  });

  it.each(FUNCTION_NAMES)("%s is bundled as minified ESM", (fn) => {
    expect(FUNCTION_DEFAULTS.nodejs).toEqual({ format: "esm", minify: true, esbuild: { keepNames: false } });
    const code = bundle(fn);
    expect(code).toMatch(/^import /m);
    // Minified output is a few very long lines.
    expect(code.length / code.split("\n").length).toBeGreaterThan(2000);
  });

  it.each(FUNCTION_NAMES)("%s bundle, as SST builds it (AWS SDK included), is at most 450 KB (SPEC §6)", (fn) => {
    expect(TARGETS.bundleBytes).toBe(450 * 1024);
    expect(Buffer.byteLength(bundle(fn))).toBeLessThanOrEqual(TARGETS.bundleBytes);
  });

  it.each(FUNCTION_NAMES)("%s gets the parameters, the table name and telemetry settings, nothing local", (fn) => {
    const variables = functionResource(fn).Properties.Environment.Variables;
    expect(variables).toMatchObject({
      ...REQUIRED_PARAMETERS,
      PRESENCE_CACHE_SECONDS: "30",
      OFFLINE_HANDOVER: "message",
      PRESENCE_WEBHOOK_CORS_ORIGINS: "https://www.shop.example",
      TABLE_NAME: { "Fn::ImportValue": expect.stringMatching(/ChatsTable/) },
      POWERTOOLS_LOG_LEVEL: "INFO",
      SST_APP: "caic-handover",
      SST_STAGE: "test",
    });
    expect(variables).not.toHaveProperty("DYNAMODB_ENDPOINT");
    expect(variables).not.toHaveProperty("UNCONFIRMED_HANDOVER_THRESHOLD");
    expect(Object.keys(variables).filter((name) => name.startsWith("SST_Table_"))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)("%s is bound to its own secrets only", (fn) => {
    const variables = functionResource(fn).Properties.Environment.Variables as Record<string, unknown>;
    const bound = Object.keys(variables).filter((name) => name.startsWith("SST_Secret_value_"));
    expect(bound.sort()).toEqual(
      boundSecrets(fn)
        .map((secret) => `SST_Secret_value_${secret}`)
        .sort(),
    );
    for (const name of bound) expect(variables[name]).toBe("__FETCH_FROM_SSM__");
    for (const secret of SECRET_NAMES) expect(variables).not.toHaveProperty(secret);
  });

  it("binds each function only its callers' keys (and their previous values): no key opens another caller's routes", () => {
    const keysOf = (fn: FunctionName) =>
      Object.keys(functionResource(fn).Properties.Environment.Variables)
        .filter((name) => /^SST_Secret_value_\w+_KEY(_PREVIOUS)?$/.test(name) && !name.includes("MSC_PRESENCE"))
        .map((name) => name.replace("SST_Secret_value_", ""))
        .sort();
    const dialog = ["HANDOVER_WEBHOOK_KEY", "HANDOVER_WEBHOOK_KEY_PREVIOUS"];
    const router = ["ROUTER_WEBHOOK_KEY", "ROUTER_WEBHOOK_KEY_PREVIOUS"];
    const operator = ["OPERATOR_KEY", "OPERATOR_KEY_PREVIOUS"];
    const presence = ["PRESENCE_WEBHOOK_KEY", "PRESENCE_WEBHOOK_KEY_PREVIOUS"];
    expect(Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, keysOf(fn)]))).toEqual({
      "caic-event": dialog,
      // GET /availability is the dialog's, POST /availability Web Conversations' presence webhook.
      availability: [...dialog, ...presence].sort(),
      "intake-email": dialog,
      "intake-name": dialog,
      "intake-message": dialog,
      handover: dialog,
      "handover-notification": router,
      "router-events": router,
      "chat-status": operator,
      "chat-erase": operator,
      handback: operator,
    });
  });

  it("gives the question's intake only the key and writes, and the hand-back the product token, as the handover", () => {
    const secretsOf = (fn: FunctionName) =>
      Object.keys(functionResource(fn).Properties.Environment.Variables)
        .filter((name) => name.startsWith("SST_Secret_value_"))
        .sort();
    expect(secretsOf("intake-message")).toEqual([
      "SST_Secret_value_HANDOVER_WEBHOOK_KEY",
      "SST_Secret_value_HANDOVER_WEBHOOK_KEY_PREVIOUS",
    ]);
    expect(statementsOf("intake-message").flatMap(actions)).not.toContain("dynamodb:GetItem");
    // The same secrets but the key: the hand-back is the operators', the handover the dialog's.
    const withoutKeys = (names: string[]) => names.filter((name) => !/_KEY(_PREVIOUS)?$/.test(name));
    expect(withoutKeys(secretsOf("handback"))).toEqual(withoutKeys(secretsOf("handover")));
    expect(statementsOf("handback").flatMap(actions).sort()).toEqual(statementsOf("handover").flatMap(actions).sort());
    expect(functionResource("handback").Properties.Timeout).toBe(functionResource("handover").Properties.Timeout);
  });

  it.each(FUNCTION_NAMES)("%s may use only its DynamoDB actions on the table and read only its secrets", (fn) => {
    const statements = statementsOf(fn);
    expect(statements.every((s) => (s as { Effect?: string }).Effect === "Allow")).toBe(true);
    expect(statements.flatMap(actions).sort()).toEqual(
      [...FUNCTIONS[fn].dynamodb, ...boundSecrets(fn).map(() => "ssm:GetParameters")].sort(),
    );
    const dynamodb = statements.filter((s) => actions(s).some((action) => action.startsWith("dynamodb:")));
    expect(dynamodb).toHaveLength(1);
    expect(dynamodb[0]!.Resource).toEqual({ "Fn::ImportValue": expect.stringMatching(/ChatsTable.*Arn/) });

    const ssmPaths = JSON.stringify(
      statements.filter((s) => actions(s).includes("ssm:GetParameters")).map((s) => s.Resource),
    );
    for (const secret of SECRET_NAMES) {
      const expected = (boundSecrets(fn) as readonly string[]).includes(secret);
      expect(ssmPaths.includes(`parameter/sst/caic-handover/test/Secret/${secret}/value`)).toBe(expected);
      expect(ssmPaths.includes(`parameter/sst/caic-handover/.fallback/Secret/${secret}/value`)).toBe(expected);
    }
    expect(ssmPaths).not.toContain("*");
  });
});

describe("the HTTP API", () => {
  it("has no API-wide CORS; with PRESENCE_WEBHOOK_CORS_ORIGINS set, only the presence webhook gets a preflight route", () => {
    api.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    api.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP", CorsConfiguration: Match.absent() });
    const routeKeys = Object.values(resources(api, "AWS::ApiGatewayV2::Route")).map((r) => r.Properties.RouteKey);
    expect(routeKeys.filter((key: string) => key.startsWith("OPTIONS")).sort()).toEqual(["OPTIONS /availability"]);
    expect(routeKeys).toHaveLength(ROUTES.length + 1);
  });

  it("is throttled and access-logged for a month, never with the query string that may carry the key", () => {
    const [stage] = Object.values(resources(api, "AWS::ApiGatewayV2::Stage"));
    // The deploy settings' defaults: far above what the dialog and the Router need, so a keyless flood
    // from one machine does not make their calls fail with 429.
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 2000, ThrottlingRateLimit: 1000 });
    const { Format, DestinationArn } = stage.Properties.AccessLogSettings;
    const fields = Object.values(JSON.parse(Format) as Record<string, string>);
    expect(fields).toContain("$context.routeKey");
    expect(fields.filter((field) => /path|query|querystring|input/i.test(field))).toEqual([]);
    expect(resources(api, "AWS::Logs::LogGroup")[DestinationArn["Fn::GetAtt"][0]].Properties.RetentionInDays).toBe(30);
  });

  it("outputs the API URL and one URL per route, the key-in-query URLs with a key placeholder", () => {
    const outputs = api.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(outputs.ApiUrl!.Value).toEqual({ "Fn::GetAtt": [expect.any(String), "ApiEndpoint"] });
    for (const route of ROUTES) {
      const output = outputs[route.output]!;
      expect(output.Description).toContain(routeKey(route));
      const suffix = JSON.stringify(output.Value);
      expect(suffix).toContain(`"${route.path}${route.keyIn === "query" ? `?key=<${routeKeyName(route)}>` : ""}"`);
    }
    expect(outputs).toHaveProperty("DashboardUrl");
    expect(outputs).toHaveProperty("AlarmTopicArn");
    // The setup guide reads it to add the leave-a-message branch.
    expect(outputs.OfflineHandover!.Value).toBe("message");
  });
});

describe("cdk-nag's AWS Solutions rules", () => {
  /** Every finding of the rules, as the synthesis annotated it: `error`/`warning` when open, `info` when accepted. */
  const findings = () =>
    [Database, API].flatMap((fn) => {
      const stack = getStack(fn);
      return (stack.node.root as Stage)
        .synth()
        .getStackArtifact(stack.artifactId)
        .messages.map((message) => ({ level: message.level, path: message.id, text: String(message.entry.data) }))
        .filter((finding) => finding.text.includes("AwsSolutions-"));
    });

  it("leave no finding that is neither fixed nor accepted in code with its reason", () => {
    const all = findings();
    expect(all.filter((finding) => finding.level !== "info")).toEqual([]);
    const accepted = Object.values(ACCEPTED);
    for (const finding of all) {
      const rule = accepted.find((a) => finding.text.includes(`${a.id} was triggered but suppressed`));
      expect(rule, finding.text).toBeDefined();
      expect(finding.text).toContain(rule!.reason);
    }
    const rules = (id: string) => all.filter((finding) => finding.text.includes(`${id} was triggered`)).length;
    const functions = FUNCTION_NAMES.length;
    // Each function's role and runtime, SST's custom-resource handler in each stack, CDK's log-retention function.
    expect(rules("AwsSolutions-IAM4")).toBe(functions + 2 + 1);
    expect(rules("AwsSolutions-L1")).toBe(functions + 2);
    // Every route and the presence webhook's preflight: each function checks its caller's key itself.
    expect(rules("AwsSolutions-APIG4")).toBe(ROUTES.length + 1);
    expect(rules("AwsSolutions-IAM5")).toBe(1);
    expect(all).toHaveLength(2 * functions + 5 + ROUTES.length + 1 + 1);
  });
});

describe("monitoring", () => {
  const dashboardBody = () =>
    JSON.stringify(Object.values(resources(api, "AWS::CloudWatch::Dashboard"))[0].Properties.DashboardBody);

  it("has a dashboard drawing every funnel metric, each dimension value, function, API and table health", () => {
    api.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    const body = dashboardBody();
    for (const name of METRIC_NAMES) {
      const dimension = Metric[name].dimension;
      const values = dimension === undefined ? [undefined] : DIMENSION_VALUES[dimension];
      for (const value of values) {
        const line = `[\\"${METRICS_NAMESPACE}\\",\\"${name}\\",${value === undefined ? "" : `\\"${dimension}\\",\\"${value}\\",`}\\"service\\",\\"caic-handover\\"`;
        expect(body, `${name} ${value ?? ""}`).toContain(line);
      }
    }
    for (const fn of FUNCTION_NAMES) expect(body).toContain(logicalId[fn]);
    for (const needle of [
      "p50",
      "p99",
      "Duration",
      "Errors",
      "4xx",
      "5xx",
      "ReadThrottleEvents",
      "WriteThrottleEvents",
    ]) {
      expect(body).toContain(needle);
    }
  });

  it("alarms on handover failures, presence errors, CM history erase failures, API 5xx and each function's errors, notifying one topic", () => {
    const topic = Object.keys(resources(api, "AWS::SNS::Topic"));
    expect(topic).toHaveLength(1);
    const alarms = Object.values(resources(api, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties);
    // Failures and presence errors summed over their fault reasons, 7 per alarm; Api5xx, Unconfirmed, CmHistoryEraseFailed.
    const parts = (name: "HandoverFailed" | "PresenceError") =>
      Math.ceil(DIMENSION_VALUES[Metric[name].dimension].filter((v) => !NOT_A_FAULT.includes(v)).length / 7);
    expect(alarms).toHaveLength(parts("HandoverFailed") + parts("PresenceError") + 3 + FUNCTION_NAMES.length);
    for (const alarm of alarms.filter((a) => a.AlarmName !== "test-caic-handover-UnconfirmedHandovers")) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic[0] }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic[0] }]);
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
    }
    for (const name of ["HandoverFailed", "PresenceError"] as const) {
      const own = alarms.filter((a) => new RegExp(`^test-caic-handover-${name}(-\\d+)?$`).test(a.AlarmName));
      const summed = own.flatMap((alarm) =>
        alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric),
      );
      expect(summed.map((m: any) => [m.Namespace, m.MetricName])).toEqual(
        DIMENSION_VALUES[Metric[name].dimension]
          .filter((value) => !NOT_A_FAULT.includes(value))
          .map(() => [METRICS_NAMESPACE, name]),
      );
      // A chat told that nobody is online is an answer, not a fault: it never raises the alarm.
      const reasons = summed.map((m: any) => m.Dimensions.find((d: any) => d.Name === "reason").Value);
      expect(reasons).not.toContain("agents-offline");
      for (const alarm of own)
        expect(alarm.Metrics.find((m: any) => m.ReturnData !== false).Expression).toBe("SUM(METRICS())");
    }
    // One metric, small: CM's copy that could not be erased.
    const historyAlarm = alarms.find((a) => a.AlarmName === "test-caic-handover-CmHistoryEraseFailed")!;
    expect(
      historyAlarm.Metrics.map((m: any) => [m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName]),
    ).toEqual([[METRICS_NAMESPACE, "CmHistoryEraseFailed"]]);
    expect(alarms.find((a) => a.AlarmName === "test-caic-handover-Api5xx")).toMatchObject({
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Statistic: "Sum",
    });
    for (const fn of FUNCTION_NAMES) {
      expect(alarms.find((a) => a.AlarmName === `test-caic-handover-Errors-${fn}`)).toMatchObject({
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId[fn] } }],
      });
    }
  });

  it("keeps every alarm at 8 metrics or fewer (CloudWatch allows 10), so two more reasons still deploy", () => {
    const alarms = Object.values(resources(api, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties);
    const sizes = alarms.map((alarm) => [alarm.AlarmName, alarm.Metrics?.length ?? 1]);
    expect(sizes.filter(([, size]) => size > 8)).toEqual([]);
    expect(Math.max(...sizes.map(([, size]) => size as number))).toBe(8);
  });

  it("bills as many alarm metrics as docs/deploy.md's cost table says", () => {
    const alarms = Object.values(resources(api, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties);
    // CloudWatch bills each metric an alarm reads (a metric-math expression itself is not a metric).
    const billed = alarms.reduce(
      (sum, alarm) => sum + (alarm.Metrics ? alarm.Metrics.filter((m: any) => m.MetricStat).length : 1),
      0,
    );
    const doc = readFileSync(join(import.meta.dirname, "../../docs/deploy.md"), "utf8");
    expect(Number(/per metric in an alarm: (\d+)/.exec(doc)?.[1])).toBe(billed);
  });

  it("lets CloudWatch publish to the alarm topic for this stage's alarms only", () => {
    const [topic] = Object.keys(resources(api, "AWS::SNS::Topic"));
    const [policy] = Object.values(resources(api, "AWS::SNS::TopicPolicy"));
    const allows = policy!.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === "Allow");
    // The deploying account, as SST resolves it (STS) before synthesis.
    const account = getStack(API).account;
    expect(allows).toEqual([
      {
        Sid: "CloudWatchAlarmsOfThisStage",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: { Ref: topic },
        Condition: {
          ArnLike: {
            "aws:SourceArn": {
              "Fn::Join": [
                "",
                ["arn:", { Ref: "AWS::Partition" }, `:cloudwatch:eu-west-1:${account}:alarm:test-caic-handover-*`],
              ],
            },
          },
          StringEquals: { "aws:SourceAccount": account },
        },
      },
    ]);
    // Every alarm is named under that prefix, so each one can publish.
    for (const alarm of Object.values(resources(api, "AWS::CloudWatch::Alarm")))
      expect(alarm.Properties.AlarmName).toMatch(/^test-caic-handover-/);
  });

  it("lets the alarm topic be used over TLS only", () => {
    const [topic] = Object.keys(resources(api, "AWS::SNS::Topic"));
    api.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("alarms when handovers CM accepted are not confirmed: requested + messages − confirmed over the window", () => {
    const alarm = Object.values(resources(api, "AWS::CloudWatch::Alarm"))
      .map((a) => a.Properties)
      .find((a) => a.AlarmName === "test-caic-handover-UnconfirmedHandovers")!;
    expect(alarm).toMatchObject({
      Threshold: 4,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
    const byId = Object.fromEntries(alarm.Metrics.map((m: any) => [m.Id, m]));
    const expression = alarm.Metrics.find((m: any) => m.ReturnData !== false).Expression;
    expect(expression).toBe("FILL(r0, 0) + FILL(r1, 0) - FILL(c, 0)");
    const stat = (id: string) => byId[id].MetricStat;
    expect([stat("r0"), stat("r1"), stat("c")].map((s: any) => [s.Metric.MetricName, s.Period, s.Stat])).toEqual([
      ["HandoverRequested", 1200, "Sum"],
      ["MessageLeft", 1200, "Sum"],
      ["HandoverConfirmed", 1200, "Sum"],
    ]);
    const topic = Object.keys(resources(api, "AWS::SNS::Topic"))[0];
    expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
    const body = dashboardBody();
    expect(body).toContain("Handovers requested but not confirmed");
    expect(body).toContain("FILL(r0, 0) + FILL(r1, 0) - FILL(c, 0)");
    expect(body).toContain("alarm threshold");
  });

  it("e-mails the alarm topic to ALARM_EMAIL", () => {
    api.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: ALARM_EMAIL });
  });
});
