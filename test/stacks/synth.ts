import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRET_NAMES, type SecretName } from "@caic-handover/core/config/config";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import config from "../../sst.config";
import { AwsStandIn, STAND_IN_CREDENTIALS } from "../support/aws-stand-in";

/** The parameters a deploy requires (SPEC §2), as `.env.<stage>` would give them. */
export const REQUIRED_PARAMETERS = {
  CM_TECHNICAL_LINK_ID: "6f1d1c3e-0000-4000-8000-00000000c0de",
  ROUTER_CLIENT_ADAPTER_ID: "WC-ADAPTER",
  ROUTER_BOT_ADAPTER_ID: "CAIC-ADAPTER",
  ROUTER_AGENT_ADAPTER_ID: "MSC-ADAPTER",
};

/** What `npx sst secrets set … --stage test` would have stored. */
export const STAGE_SECRETS: Partial<Record<SecretName, string>> = {
  CM_PRODUCT_TOKEN: "stack-test-product-token",
  MSC_PRESENCE_API_KEY: "stack-test-presence-api-key",
  HANDOVER_WEBHOOK_KEY: "stack-test-webhook-key-0123456789abcdef",
  ROUTER_WEBHOOK_KEY: "stack-test-router-key-0123456789abcdef",
  OPERATOR_KEY: "stack-test-operator-key-0123456789abcdef",
  PRESENCE_WEBHOOK_KEY: "stack-test-presence-webhook-key-0123456789",
};

export const secretPath = (stage: string, name: SecretName) => `/sst/caic-handover/${stage}/Secret/${name}/value`;

/**
 * Synthesises the app exactly as `sst deploy --stage test` would, offline (vitest's NODE_ENV=test
 * makes SST skip the bootstrap lookup). The environment is set after `initProject`, which loads
 * `.env` files over it. The deploy's secrets check reads a SigV4-verifying SSM stand-in holding
 * `secrets`, with the deployer's credentials taken from the environment as SST would.
 */
export async function synthesise(
  env: Record<string, string | undefined>,
  secrets: Partial<Record<SecretName, string>> = STAGE_SECRETS,
  beforeFinish?: (app: App) => void,
) {
  await initProject({ stage: "test" });
  // Bundles go to this process's own folder: test files synthesise in parallel, and SST empties a function's
  // artifact folder before building it.
  const artifacts = mkdtempSync(join(tmpdir(), "sst-artifacts-"));
  useProject().paths.artifacts = artifacts;
  process.once("exit", () => rmSync(artifacts, { recursive: true, force: true }));
  const ssm = new AwsStandIn({
    parameters: new Map(
      SECRET_NAMES.flatMap((name) => (secrets[name] === undefined ? [] : [[secretPath("test", name), secrets[name]!]])),
    ),
  });
  const deployer = {
    AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: STAND_IN_CREDENTIALS.sessionToken,
    AWS_ENDPOINT_URL_SSM: await ssm.start(),
  };
  try {
    for (const [name, value] of Object.entries({ ...deployer, ...env })) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const app = new App({ mode: "deploy", name: "caic-handover", stage: "test", region: "eu-west-1" });
    await config.stacks(app);
    beforeFinish?.(app);
    await app.finish();
    return Object.assign((stack: Parameters<typeof getStack>[0]) => Template.fromStack(getStack(stack)), { ssm });
  } finally {
    await ssm.stop();
  }
}
