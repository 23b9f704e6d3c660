import { type HandlerTargets, handlerEnv as localHandlerEnv } from "@caic-handover/local/local-defaults";

/**
 * The environment a handler builds its config from at import. Logs (INFO) and EMF metrics stay on,
 * as deployed: their serialisation is part of a handler's cost; the bench discards the lines.
 */
export function handlerEnv(targets: HandlerTargets): Record<string, string> {
  return { ...localHandlerEnv(targets), POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" };
}

/**
 * What Lambda's `nodejs22.x` runtime itself sets in a function's environment (the reserved variables,
 * with made-up values), for the timed processes: they get this plus the template's variables and
 * nothing of the shell that runs the bench, so the figure does not depend on who runs it.
 * Credentials, endpoints and settings come from `template`.
 */
export function lambdaEnv(functionName: string, template: Record<string, string>): Record<string, string> {
  return {
    _HANDLER: `${functionName}.handler`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: `prod-caic-handover-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/prod-caic-handover-${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
    LAMBDA_TASK_ROOT: "/var/task",
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    // Lambda's own PATH first; the machine's /usr/bin and /bin hold the `nice` and `taskset` the bench runs.
    PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    LD_LIBRARY_PATH: "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    NODE_PATH:
      "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task",
    // SST 2 sets these on every function.
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
    ...template,
  };
}
