import { Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject } from "sst/project.js";
import config from "../../sst.config";

/** The parameters a deploy requires (SPEC §2), as `.env.<stage>` would give them. */
export const REQUIRED_PARAMETERS = {
  CM_TECHNICAL_LINK_ID: "6f1d1c3e-0000-4000-8000-00000000c0de",
  ROUTER_CLIENT_ADAPTER_ID: "WC-ADAPTER",
  ROUTER_BOT_ADAPTER_ID: "CAIC-ADAPTER",
  ROUTER_AGENT_ADAPTER_ID: "MSC-ADAPTER",
};

/**
 * Synthesises the app exactly as `sst deploy --stage test` would, offline (vitest's NODE_ENV=test
 * makes SST skip the bootstrap lookup). The environment is set after `initProject`, which loads
 * `.env` files over it.
 */
export async function synthesise(env: Record<string, string | undefined>) {
  await initProject({ stage: "test" });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const app = new App({ mode: "deploy", name: "caic-handover", stage: "test", region: "eu-west-1" });
  await config.stacks(app);
  await app.finish();
  return (stack: Parameters<typeof getStack>[0]) => Template.fromStack(getStack(stack));
}
