import { startDynamoDbLocal } from "@caic-handover/local/dynamodb-local";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    ddbEndpoint: string;
  }
}

/** One DynamoDB Local (the real engine) for the whole run; every test file makes its own table. */
export default async function setup(project: TestProject) {
  // vitest's `env` reaches the test files, not this process: on Node 20 the SDK would warn here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const ddb = await startDynamoDbLocal();
  project.provide("ddbEndpoint", ddb.endpoint);
  return () => ddb.stop();
}
