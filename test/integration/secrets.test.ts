import { SST_SSM_PLACEHOLDER } from "@caic-handover/core/config/config";
import { fetchBoundSecrets, MissingSecretError, SecretsUnavailableError } from "@caic-handover/functions/secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsStandIn, STAND_IN_CREDENTIALS } from "../support/aws-stand-in";

const ssm = new AwsStandIn({
  parameters: new Map([
    ["/sst/caic-handover/prod/Secret/HANDOVER_WEBHOOK_KEY/value", "stage-key"],
    ["/sst/caic-handover/.fallback/Secret/HANDOVER_WEBHOOK_KEY/value", "fallback-key"],
    ["/sst/caic-handover/.fallback/Secret/CM_PRODUCT_TOKEN/value", "fallback-token"],
  ]),
});
let endpoint: string;

beforeAll(async () => {
  endpoint = await ssm.start();
});
afterAll(() => ssm.stop());
beforeEach(() => {
  ssm.requests.length = 0;
  ssm.behaviour = "serve";
});

const lambdaEnv = (bound: string[], overrides: Record<string, string> = {}) => ({
  SST_APP: "caic-handover",
  SST_STAGE: "prod",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: STAND_IN_CREDENTIALS.sessionToken,
  AWS_ENDPOINT_URL_SSM: endpoint,
  ...Object.fromEntries(bound.map((name) => [`SST_Secret_value_${name}`, SST_SSM_PLACEHOLDER])),
  ...overrides,
});

describe("bound SST secrets from SSM", () => {
  it("fetches them in one GetParameters call signed by the SDK's signer; the stage value wins over the fallback", async () => {
    const secrets = await fetchBoundSecrets(lambdaEnv(["HANDOVER_WEBHOOK_KEY", "CM_PRODUCT_TOKEN"]), [
      "HANDOVER_WEBHOOK_KEY",
      "CM_PRODUCT_TOKEN",
    ]);
    expect(secrets).toEqual({ HANDOVER_WEBHOOK_KEY: "stage-key", CM_PRODUCT_TOKEN: "fallback-token" });
    expect(ssm.requests).toHaveLength(1);
    expect(ssm.requests[0]).toMatchObject({
      target: "AmazonSSM.GetParameters",
      withDecryption: true,
      refused: undefined,
    });
    expect(ssm.requests[0]!.names).toHaveLength(4);
  });

  it("fetches nothing when secrets are plain environment values", async () => {
    const env = { ...lambdaEnv([]), SST_Secret_value_HANDOVER_WEBHOOK_KEY: "literal" };
    expect(await fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"])).toEqual({});
    expect(ssm.requests).toHaveLength(0);
  });

  it("names every bound secret SSM does not hold, with the command that sets it", async () => {
    const attempt = fetchBoundSecrets(lambdaEnv(["HANDOVER_WEBHOOK_KEY", "MSC_PRESENCE_API_KEY"]), [
      "HANDOVER_WEBHOOK_KEY",
      "MSC_PRESENCE_API_KEY",
    ]);
    await expect(attempt).rejects.toBeInstanceOf(MissingSecretError);
    await expect(attempt).rejects.toThrow(
      "MSC_PRESENCE_API_KEY is not set for stage prod: npx sst secrets set MSC_PRESENCE_API_KEY <value> --stage prod",
    );
    await expect(attempt).rejects.not.toThrow(/HANDOVER_WEBHOOK_KEY/);
  });

  it("fails when SSM refuses the signature, answers 400 or 500, or hangs, never returning the placeholder", async () => {
    const env = lambdaEnv(["HANDOVER_WEBHOOK_KEY"]);
    await expect(
      fetchBoundSecrets({ ...env, AWS_SECRET_ACCESS_KEY: "wrong" }, ["HANDOVER_WEBHOOK_KEY"]),
    ).rejects.toThrow(/SSM GetParameters answered 403/);
    expect(ssm.requests[0]!.refused).toBe("signature does not match");
    for (const status of [400, 500]) {
      ssm.behaviour = { status };
      await expect(fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"])).rejects.toThrow(
        new RegExp(`SSM GetParameters answered ${status}`),
      );
    }
    ssm.behaviour = "hang";
    const started = Date.now();
    const hung = fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"]);
    await expect(hung).rejects.toBeInstanceOf(SecretsUnavailableError);
    await expect(hung).rejects.toThrow("SSM GetParameters did not answer within 3 s");
    // Bounded by the client's own deadline, well inside the shortest function timeout (8 s).
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("fails without role credentials instead of asking SSM unsigned", async () => {
    const { AWS_ACCESS_KEY_ID: _id, ...env } = lambdaEnv(["HANDOVER_WEBHOOK_KEY"]);
    await expect(fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"])).rejects.toBeInstanceOf(SecretsUnavailableError);
    expect(ssm.requests).toHaveLength(0);
  });
});

describe("the SSM stand-in", () => {
  it("refuses a tampered body, an unknown key and an expired signature", async () => {
    const env = lambdaEnv(["HANDOVER_WEBHOOK_KEY"]);
    const tamper: typeof fetch = (url, init) =>
      fetch(url, { ...init, body: String(init?.body).replace("HANDOVER_WEBHOOK_KEY", "CM_PRODUCT_TOKEN") });
    await expect(fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"], [], tamper)).rejects.toThrow(/answered 403/);
    await expect(
      fetchBoundSecrets({ ...env, AWS_ACCESS_KEY_ID: "ASIAUNKNOWN" }, ["HANDOVER_WEBHOOK_KEY"]),
    ).rejects.toThrow(/answered 403/);
    const replayLater: typeof fetch = (url, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      const signedAt = headers["x-amz-date"]!;
      // The same signature presented as if signed 6 minutes earlier: a replay the stand-in must refuse.
      const earlier = new Date(
        Date.UTC(
          +signedAt.slice(0, 4),
          +signedAt.slice(4, 6) - 1,
          +signedAt.slice(6, 8),
          +signedAt.slice(9, 11),
          +signedAt.slice(11, 13) - 6,
          +signedAt.slice(13, 15),
        ),
      );
      headers["x-amz-date"] = earlier.toISOString().replace(/[-:]|\.\d{3}/g, "");
      return fetch(url, { ...init, headers });
    };
    await expect(fetchBoundSecrets(env, ["HANDOVER_WEBHOOK_KEY"], [], replayLater)).rejects.toThrow(/answered 400/);
    expect(ssm.requests.map((request) => request.refused)).toEqual([
      "x-amz-content-sha256 is not the body's hash",
      "unknown access key",
      expect.stringMatching(/^signature expired/),
    ]);
  });
});
