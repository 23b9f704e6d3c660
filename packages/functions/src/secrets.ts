import { createHash, createHmac } from "node:crypto";
import type { SecretName } from "@caic-handover/core/config";

/** What SST v2 puts in a bound secret's environment variable when the value lives in SSM. */
const FROM_SSM = "__FETCH_FROM_SSM__";

/**
 * Resolves bound SST secrets (`SST_Secret_value_<NAME>=__FETCH_FROM_SSM__`) from SSM once per
 * cold start, at the paths `sst secrets set` writes, the stage's value winning over the fallback.
 * Returns only the resolved values; locally, secrets are plain environment variables and nothing is fetched.
 *
 * One signed `GetParameters` call over fetch instead of the SSM SDK client, which weighs on every
 * bundle and cold start for this single call (figures: docs/performance.md).
 */
export async function fetchBoundSecrets(
  env: Record<string, string | undefined>,
  names: readonly SecretName[],
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<Partial<Record<SecretName, string>>> {
  const wanted = names.filter((name) => env[`SST_Secret_value_${name}`] === FROM_SSM);
  if (wanted.length === 0) return {};
  const path = (scope: string, name: string) => `/sst/${env.SST_APP}/${scope}/Secret/${name}/value`;
  const parameters = await getParameters(
    env,
    wanted.flatMap((name) => [path(env.SST_STAGE!, name), path(".fallback", name)]),
    fetchImpl,
  );
  const resolved: Partial<Record<SecretName, string>> = {};
  for (const name of wanted) {
    const value = parameters.get(path(env.SST_STAGE!, name)) ?? parameters.get(path(".fallback", name));
    if (value !== undefined) resolved[name] = value;
  }
  return resolved;
}

/** SSM `GetParameters` (at most 10 names) with decryption, signed with the function's role credentials. */
async function getParameters(
  env: Record<string, string | undefined>,
  names: string[],
  fetchImpl: typeof fetch,
): Promise<Map<string, string>> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!region || !accessKeyId || !secretAccessKey) {
    throw new Error("cannot read bound secrets: AWS_REGION and role credentials are missing from the environment");
  }
  const endpoint = new URL(env.AWS_ENDPOINT_URL_SSM ?? `https://ssm.${region}.amazonaws.com/`);
  const body = JSON.stringify({ Names: names, WithDecryption: true });
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    host: endpoint.host,
    "x-amz-date": new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, ""),
    "x-amz-target": "AmazonSSM.GetParameters",
    ...(env.AWS_SESSION_TOKEN ? { "x-amz-security-token": env.AWS_SESSION_TOKEN } : {}),
  };
  headers.authorization = signV4({
    method: "POST",
    path: endpoint.pathname,
    headers,
    body,
    region,
    service: "ssm",
    accessKeyId,
    secretAccessKey,
  });
  const response = await fetchImpl(endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(3000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`SSM GetParameters answered ${response.status}: ${text.slice(0, 200)}`);
  const { Parameters = [] } = JSON.parse(text) as { Parameters?: { Name: string; Value: string }[] };
  return new Map(Parameters.map((parameter) => [parameter.Name, parameter.Value]));
}

interface SigningInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** AWS Signature Version 4 of a request without a query string; returns the Authorization header. */
export function signV4(input: SigningInput): string {
  const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const amzDate = input.headers["x-amz-date"]!;
  const day = amzDate.slice(0, 8);
  const names = Object.keys(input.headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((name) => `${name}:${lower[name]!.trim().replace(/\s+/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [input.method, input.path, "", canonicalHeaders, signedHeaders, sha256(input.body)].join(
    "\n",
  );
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), input.service),
    "aws4_request",
  );
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
