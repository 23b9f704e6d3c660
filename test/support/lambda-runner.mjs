// One Lambda execution environment, as the Node.js runtime runs a function: the handler is resolved
// and its module imported by the runtime's own loader (aws-lambda-ric's UserFunctionLoader, from
// LAMBDA_TASK_ROOT and the function's Handler setting) once (the init phase, top-level await included), then each invocation sent over IPC runs
// in this warm process. An init failure is reported and ends the process, as Lambda discards the
// environment and initialises a fresh one for the next request. Plain JavaScript: it runs on Node 22
// without the project's TypeScript tooling.
import { pathToFileURL } from "node:url";

const [loader, taskRoot, handlerString] = process.argv.slice(2);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "function";

let handler;
try {
  const { UserFunctionLoader } = await import(pathToFileURL(loader).href);
  ({ handler } = await UserFunctionLoader.load(taskRoot, handlerString));
} catch (error) {
  const failure = { errorType: error?.name ?? "Error", errorMessage: String(error?.message ?? error) };
  // What Lambda's runtime prints for a failed init.
  process.stderr.write(`INIT_REPORT Status: error ${JSON.stringify(failure)}\n`);
  process.send({ type: "init-error", ...failure }, () => process.exit(1));
}

if (handler) {
  process.on("message", async ({ id, event }) => {
    const context = {
      functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: "stand-in",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 1000,
    };
    try {
      process.send({ type: "result", id, result: await handler(event, context) });
    } catch (error) {
      process.stderr.write(`ERROR ${JSON.stringify({ errorType: error?.name, errorMessage: error?.message })}\n`);
      process.send({ type: "error", id, errorType: error?.name ?? "Error" });
    }
  });
  process.send({ type: "ready", node: process.version });
}
