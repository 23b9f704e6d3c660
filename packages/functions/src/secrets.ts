import { type SecretName, SST_SSM_PLACEHOLDER } from "@caic-handover/core/config/config";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** How long the one SSM call may take: well inside the shortest function timeout (8 s). */
const SSM_TIMEOUT_MS = 3000;

/** A bound secret that SSM does not hold for this stage (nor as a fallback): `sst secrets set` was never run. */
export class MissingSecretError extends Error {
  override name = "MissingSecretError";
  constructor(
    readonly secrets: readonly SecretName[],
    stage: string,
  ) {
    super(
      secrets
        .map(
          (secret) => `${secret} is not set for stage ${stage}: npx sst secrets set ${secret} <value> --stage ${stage}`,
        )
        .join("; "),
    );
  }
}

/** SSM refused, failed or did not answer: the secrets cannot be known. */
export class SecretsUnavailableError extends Error {
  override name = "SecretsUnavailableError";
}

/** Where and as whom to read SSM. */
export interface SsmAccess {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Overrides `https://ssm.<region>.amazonaws.com/` (AWS_ENDPOINT_URL_SSM). */
  endpoint?: string;
  fetchImpl?: typeof fetch;
}

/**
 * Resolves bound SST secrets (`SST_Secret_value_<NAME>=__FETCH_FROM_SSM__`) from SSM once per
 * cold start, with the function's role credentials. Every bound secret resolves or this throws
 * (`MissingSecretError` naming each, `SecretsUnavailableError` when SSM fails): the placeholder is
 * never a value. Locally, secrets are plain environment variables and nothing is fetched.
 *
 * One signed `GetParameters` call over fetch instead of the SSM SDK client, which weighs on every
 * bundle and cold start for this single call (figures: docs/performance.md).
 */
export async function fetchBoundSecrets(
  env: Record<string, string | undefined>,
  names: readonly SecretName[],
  optional: readonly SecretName[] = [],
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<Partial<Record<SecretName, string>>> {
  const bound = (name: SecretName) => env[`SST_Secret_value_${name}`] === SST_SSM_PLACEHOLDER;
  const wanted = names.filter(bound);
  const wantedOptional = optional.filter(bound);
  if (wanted.length + wantedOptional.length === 0) return {};
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const {
    SST_APP: app,
    SST_STAGE: stage,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
  } = env;
  if (!region || !accessKeyId || !secretAccessKey || !app || !stage) {
    throw new SecretsUnavailableError(
      "cannot read bound secrets: AWS_REGION, role credentials, SST_APP or SST_STAGE missing from the environment",
    );
  }
  const access: SsmAccess = {
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN },
    endpoint: env.AWS_ENDPOINT_URL_SSM,
    fetchImpl,
  };
  const resolved = await readStageSecrets(access, app, stage, [...wanted, ...wantedOptional]);
  const missing = wanted.filter((name) => resolved[name] === undefined);
  if (missing.length > 0) throw new MissingSecretError(missing, stage);
  // An optional secret (a key's previous value) that is set nowhere is simply absent, not SST's placeholder.
  for (const name of wantedOptional) resolved[name] ??= "";
  return resolved;
}

/**
 * The values `sst secrets set` stored for a stage, the stage's value winning over the fallback;
 * secrets that are set nowhere are absent. `GetParameters` calls of at most 10 names, with decryption.
 */
export async function readStageSecrets(
  access: SsmAccess,
  app: string,
  stage: string,
  names: readonly SecretName[],
): Promise<Partial<Record<SecretName, string>>> {
  const path = (scope: string, name: string) => `/sst/${app}/${scope}/Secret/${name}/value`;
  const all = names.flatMap((name) => [path(stage, name), path(".fallback", name)]);
  const batches: string[][] = [];
  for (let i = 0; i < all.length; i += 10) batches.push(all.slice(i, i + 10));
  const parameters = new Map(
    (await Promise.all(batches.map((batch) => getParameters(access, batch)))).flatMap((found) => [...found]),
  );
  const resolved: Partial<Record<SecretName, string>> = {};
  for (const name of names) {
    const value = parameters.get(path(stage, name)) ?? parameters.get(path(".fallback", name));
    if (value !== undefined) resolved[name] = value;
  }
  return resolved;
}

/** SSM `GetParameters`, signed by the AWS SDK's own SigV4 signer (already in every bundle through the DynamoDB client). */
async function getParameters(access: SsmAccess, names: string[]): Promise<Map<string, string>> {
  const endpoint = new URL(access.endpoint ?? `https://ssm.${access.region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service: "ssm",
    region: access.region,
    credentials: access.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname,
    query: {},
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AmazonSSM.GetParameters",
      host: endpoint.host,
    },
    body: JSON.stringify({ Names: names, WithDecryption: true }),
  });
  let response: Response;
  let text: string;
  try {
    response = await (access.fetchImpl ?? globalThis.fetch)(endpoint, {
      method: "POST",
      headers: signed.headers,
      body: signed.body as string,
      signal: AbortSignal.timeout(SSM_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    throw new SecretsUnavailableError(
      timedOut
        ? `SSM GetParameters did not answer within ${SSM_TIMEOUT_MS / 1000} s`
        : `SSM GetParameters failed: ${error instanceof Error ? (error.cause ?? error).toString() : String(error)}`,
    );
  }
  if (!response.ok) {
    throw new SecretsUnavailableError(`SSM GetParameters answered ${response.status}: ${text.slice(0, 200)}`);
  }
  let parsed: { Parameters?: { Name: string; Value: string }[] };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretsUnavailableError("SSM GetParameters answered something other than JSON");
  }
  return new Map((parsed.Parameters ?? []).map((parameter) => [parameter.Name, parameter.Value]));
}
