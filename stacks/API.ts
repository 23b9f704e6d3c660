import { SECRET_NAMES } from "@caic-handover/core/config/config";
import { PREFLIGHT_ROUTE_KEY } from "@caic-handover/functions/http/cors";
import {
  boundSecrets,
  FUNCTIONS,
  type FunctionName,
  findRoute,
  handlerPath,
  ROUTES,
  type RouteSpec,
  routeKey,
  routeKeyName,
} from "@caic-handover/functions/routes";
import { Token } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Api, Config, Function as SstFunction, type StackContext, use } from "sst/constructs";
import { useAWSCredentials } from "sst/credentials.js";
import { Database } from "./Database";
import { monitor } from "./monitoring";
import { ACCEPTED, accept, acceptFrameworkFunctions } from "./nag";
import { deploySettings, environmentRefusal, visible } from "./settings";
import { requireStageSecrets } from "./stage-secrets";

/** Every request logged without its query string: callers that cannot send headers put the key there. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integrationStatus",
  error: "$context.error.message",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
});

/** The secrets, one function per route of the route table, the HTTP API, its outputs and its monitoring. */
export async function API({ stack, app }: StackContext) {
  const { chats } = use(Database);
  const settings = deploySettings(process.env);
  if (app.mode === "deploy") {
    // A function without its secrets serves nobody: better the deploy stops and says which is missing.
    const access = {
      region: app.region,
      credentials: await useAWSCredentials(),
      endpoint: process.env.AWS_ENDPOINT_URL_SSM,
    };
    await requireStageSecrets(access, app.name, app.stage).catch((error) => {
      throw visible(error);
    });
  }
  const secrets = Config.Secret.create(stack, ...SECRET_NAMES);

  const functions = {} as Record<FunctionName, SstFunction>;
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const spec = FUNCTIONS[name];
    functions[name] = new SstFunction(stack, name, {
      handler: handlerPath(name),
      timeout: spec.timeoutSeconds,
      reservedConcurrentExecutions: settings.reservedConcurrency,
      environment: {
        ...settings.parameters,
        // A plain name instead of binding the table: binding would grant dynamodb:* on it.
        TABLE_NAME: chats.tableName,
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
      },
      // Least privilege: its own secrets and its callers' keys (with their previous values), no other key.
      bind: boundSecrets(name).map((secret) => secrets[secret]),
      permissions: [new PolicyStatement({ actions: [...spec.dynamodb], resources: [chats.tableArn] })],
    });
    accept(functions[name], ACCEPTED.basicExecutionRole, ACCEPTED.runtime);
    // What CDK will write into the template (SST's own variables included), checked before anything is deployed.
    const environment = (functions[name] as unknown as { environment: Record<string, { value: string }> }).environment;
    const refusal = environmentRefusal(
      name,
      Object.fromEntries(Object.entries(environment).map(([key, { value }]) => [key, value])),
      (value) => Token.isUnresolved(value),
    );
    if (refusal) throw visible(new Error(refusal));
  }

  const api = new Api(stack, "Api", {
    // No API-wide CORS: only the presence webhook answers a preflight, and only when origins are set.
    cors: false,
    accessLog: { format: ACCESS_LOG_FORMAT, retention: "one_month" },
    defaults: { throttle: settings.throttle },
    routes: {
      ...Object.fromEntries(ROUTES.map((route) => [routeKey(route), { function: functions[route.function] }])),
      ...(settings.parameters.PRESENCE_WEBHOOK_CORS_ORIGINS
        ? { [PREFLIGHT_ROUTE_KEY]: { function: functions[findRoute("POST", "/availability").function] } }
        : {}),
    },
  });
  accept(api, ACCEPTED.noAuthorizer);

  const routeUrl = (route: RouteSpec) =>
    `${api.url}${route.path}${route.keyIn === "query" ? `?key=<${routeKeyName(route)}>` : ""}`;
  stack.addOutputs({
    ApiUrl: api.url,
    OfflineHandover: {
      value: settings.parameters.OFFLINE_HANDOVER ?? "off",
      description:
        "OFFLINE_HANDOVER of this stage: npm run setup-guide adds the leave-a-message branch when it is message",
    },
    ...Object.fromEntries(
      ROUTES.map((route) => [
        route.output,
        { value: routeUrl(route), description: `${routeKey(route)}: ${route.calledBy}` },
      ]),
    ),
  });

  // In this stack, not its own: a dashboard in another stack would import every function name, and
  // removing a route would then be blocked by the export still in use.
  monitor(stack, {
    app,
    api,
    functions,
    table: chats,
    alarmEmail: settings.alarmEmail,
    unconfirmedHandovers: settings.unconfirmedHandovers,
  });
  acceptFrameworkFunctions(stack);

  return { api, functions };
}
