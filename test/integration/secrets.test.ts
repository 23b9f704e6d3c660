import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { fetchBoundSecrets } from "@caic-handover/functions/secrets";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token",
};
const stored: Record<string, string> = {
  "/sst/caic-handover/prod/Secret/HANDOVER_WEBHOOK_KEY/value": "stage-key",
  "/sst/caic-handover/.fallback/Secret/HANDOVER_WEBHOOK_KEY/value": "fallback-key",
  "/sst/caic-handover/.fallback/Secret/CM_PRODUCT_TOKEN/value": "fallback-token",
};
const received: { target?: string; body: { Names: string[]; WithDecryption: boolean }; signatureValid: boolean }[] = [];
let endpoint: string;
let server: ReturnType<typeof createServer>;

/** Re-signs the request with the AWS SDK's own signer: a different implementation must agree. */
async function signatureValid(req: IncomingMessage, body: string): Promise<boolean> {
  const signer = new SignatureV4({
    credentials,
    region: "eu-west-1",
    service: "ssm",
    sha256: Sha256,
    applyChecksum: false,
  });
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(
      ([name]) => name !== "authorization" && name !== "connection" && name !== "content-length",
    ),
  ) as Record<string, string>;
  const amzDate = headers["x-amz-date"]!;
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const url = new URL(endpoint);
  const signed = await signer.sign(
    { method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/", headers, body },
    {
      signingDate,
      unsignableHeaders: new Set(["accept", "accept-encoding", "accept-language", "sec-fetch-mode", "user-agent"]),
    },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1];
  const got = /Signature=([0-9a-f]+)/.exec(req.headers.authorization ?? "")?.[1];
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(req.headers.authorization ?? "")?.[1];
  return (
    expected !== undefined &&
    expected === got &&
    signedHeaders === /SignedHeaders=([^,]+)/.exec(String(signed.headers.authorization))?.[1]
  );
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const parsed = JSON.parse(body);
    const valid = await signatureValid(req, body);
    received.push({ target: req.headers["x-amz-target"] as string, body: parsed, signatureValid: valid });
    if (!valid) {
      res
        .writeHead(403, { "content-type": "application/x-amz-json-1.1" })
        .end('{"__type":"InvalidSignatureException"}');
      return;
    }
    const Parameters = parsed.Names.filter((name: string) => name in stored).map((Name: string) => ({
      Name,
      Value: stored[Name],
      Type: "SecureString",
    }));
    res
      .writeHead(200, { "content-type": "application/x-amz-json-1.1" })
      .end(JSON.stringify({ Parameters, InvalidParameters: [] }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(() => server.close());

const lambdaEnv = () => ({
  SST_APP: "caic-handover",
  SST_STAGE: "prod",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  AWS_SESSION_TOKEN: credentials.sessionToken,
  AWS_ENDPOINT_URL_SSM: endpoint,
});

describe("bound SST secrets from SSM", () => {
  it("fetches them in one signed GetParameters call; the stage value wins over the fallback", async () => {
    received.length = 0;
    const secrets = await fetchBoundSecrets(
      {
        ...lambdaEnv(),
        SST_Secret_value_HANDOVER_WEBHOOK_KEY: "__FETCH_FROM_SSM__",
        SST_Secret_value_CM_PRODUCT_TOKEN: "__FETCH_FROM_SSM__",
      },
      ["HANDOVER_WEBHOOK_KEY", "CM_PRODUCT_TOKEN"],
    );
    expect(secrets).toEqual({ HANDOVER_WEBHOOK_KEY: "stage-key", CM_PRODUCT_TOKEN: "fallback-token" });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ target: "AmazonSSM.GetParameters", signatureValid: true });
    expect(received[0]!.body.WithDecryption).toBe(true);
    expect(received[0]!.body.Names).toHaveLength(4);
  });

  it("fetches nothing when secrets are plain environment values", async () => {
    received.length = 0;
    expect(
      await fetchBoundSecrets({ ...lambdaEnv(), SST_Secret_value_HANDOVER_WEBHOOK_KEY: "literal" }, [
        "HANDOVER_WEBHOOK_KEY",
      ]),
    ).toEqual({});
    expect(received).toHaveLength(0);
  });

  it("fails loudly when SSM refuses, so the cold start stops instead of running without its key", async () => {
    await expect(
      fetchBoundSecrets(
        { ...lambdaEnv(), AWS_SECRET_ACCESS_KEY: "wrong", SST_Secret_value_HANDOVER_WEBHOOK_KEY: "__FETCH_FROM_SSM__" },
        ["HANDOVER_WEBHOOK_KEY"],
      ),
    ).rejects.toThrow(/SSM GetParameters answered 403/);
  });
});
