import { SST_SSM_PLACEHOLDER } from "@caic-handover/core/config/config";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requireStageSecrets } from "../../stacks/stage-secrets";
import { AwsStandIn, STAND_IN_CREDENTIALS } from "../support/aws-stand-in";
import { REQUIRED_PARAMETERS, STAGE_SECRETS, secretPath, synthesise } from "./synth";

const ssm = new AwsStandIn();
let access: Parameters<typeof requireStageSecrets>[0];

beforeAll(async () => {
  access = { region: "eu-west-1", credentials: STAND_IN_CREDENTIALS, endpoint: await ssm.start() };
});
afterAll(() => ssm.stop());
beforeEach(() => {
  ssm.parameters.clear();
  ssm.requests.length = 0;
});

const store = (secrets: Record<string, string>, stage = "prod") => {
  for (const [name, value] of Object.entries(secrets)) ssm.parameters.set(secretPath(stage, name as never), value);
};

describe("the deploy's secrets check", () => {
  it("passes when the stage (or the fallback) holds every required secret; previous keys are optional", async () => {
    const { HANDOVER_WEBHOOK_KEY, ...others } = STAGE_SECRETS as Record<string, string>;
    store({ ...others, CM_PRODUCT_TOKEN: "t", MSC_PRESENCE_API_KEY: "p" });
    store({ HANDOVER_WEBHOOK_KEY: HANDOVER_WEBHOOK_KEY! }, ".fallback");
    await expect(requireStageSecrets(access, "caic-handover", "prod")).resolves.toBeUndefined();
    expect(ssm.requests.length).toBeGreaterThan(0);
    expect(ssm.refusedSignatures).toBe(0);
  });

  it("refuses one value for two callers' keys, naming both secrets and never the value", async () => {
    const shared = "s".repeat(40);
    store({ ...(STAGE_SECRETS as Record<string, string>), CM_PRODUCT_TOKEN: "t", MSC_PRESENCE_API_KEY: "p" });
    store({ OPERATOR_KEY: shared, PRESENCE_WEBHOOK_KEY_PREVIOUS: shared });
    const attempt = requireStageSecrets(access, "caic-handover", "prod");
    await expect(attempt).rejects.toThrow(/OPERATOR_KEY and PRESENCE_WEBHOOK_KEY_PREVIOUS hold the same value/);
    await expect(attempt).rejects.not.toThrow(new RegExp(shared));
  });

  it("refuses a previous key shorter than 32 characters while it is set, advising the old key or its removal, never a new random one", async () => {
    store({ ...(STAGE_SECRETS as Record<string, string>), OPERATOR_KEY_PREVIOUS: "too-short" });
    const attempt = requireStageSecrets(access, "caic-handover", "prod");
    await expect(attempt).rejects.toThrow(
      /OPERATOR_KEY_PREVIOUS is invalid \(at least 32 characters.*the key being rotated out, or remove it: npx sst secrets remove OPERATOR_KEY_PREVIOUS --stage prod/,
    );
    await expect(attempt).rejects.not.toThrow(/OPERATOR_KEY_PREVIOUS "\$\(openssl/);
  });

  it("names every secret that is not set, with the command that sets it, and never a value", async () => {
    store({ MSC_PRESENCE_API_KEY: SST_SSM_PLACEHOLDER, HANDOVER_WEBHOOK_KEY: "   " });
    const attempt = requireStageSecrets(access, "caic-handover", "prod");
    await expect(attempt).rejects.toThrow(
      "caic-handover secrets for stage prod: CM_PRODUCT_TOKEN is not set: npx sst secrets set CM_PRODUCT_TOKEN <value> --stage prod; " +
        "MSC_PRESENCE_API_KEY is not set: npx sst secrets set MSC_PRESENCE_API_KEY <value> --stage prod; " +
        "HANDOVER_WEBHOOK_KEY is not set: npx sst secrets set HANDOVER_WEBHOOK_KEY <value> --stage prod; " +
        "ROUTER_WEBHOOK_KEY is not set: npx sst secrets set ROUTER_WEBHOOK_KEY <value> --stage prod; " +
        "OPERATOR_KEY is not set: npx sst secrets set OPERATOR_KEY <value> --stage prod; " +
        "PRESENCE_WEBHOOK_KEY is not set: npx sst secrets set PRESENCE_WEBHOOK_KEY <value> --stage prod",
    );
  });

  it("refuses a webhook key shorter than 32 characters", async () => {
    const short = "short-but-secret-key-31-chars-x";
    expect(short).toHaveLength(31);
    store({ ...(STAGE_SECRETS as Record<string, string>), HANDOVER_WEBHOOK_KEY: short });
    const attempt = requireStageSecrets(access, "caic-handover", "prod");
    await expect(attempt).rejects.toThrow(/HANDOVER_WEBHOOK_KEY is invalid \(at least 32 characters/);
    await expect(attempt).rejects.not.toThrow(new RegExp(short));
  });

  it("stops `sst deploy` before any function is built when a secret is missing", async () => {
    const { HANDOVER_WEBHOOK_KEY: _key, ...others } = STAGE_SECRETS;
    await expect(synthesise(REQUIRED_PARAMETERS, others)).rejects.toThrow(
      /HANDOVER_WEBHOOK_KEY is not set: npx sst secrets set HANDOVER_WEBHOOK_KEY <value> --stage test/,
    );
  });
});
