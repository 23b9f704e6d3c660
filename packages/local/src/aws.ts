import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SecretName } from "@caic-handover/core/config/config";
import { ConfigError } from "@caic-handover/core/config/config";
import { MissingSecretError, readStageSecrets, SecretsUnavailableError } from "@caic-handover/functions/secrets";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { SetupGuideError } from "./setup-guide/document";

/**
 * The AWS look-ups of `npm run check` and `npm run chat`: SSM secrets, SNS subscriptions and the
 * stage's log groups, each one signed call with the AWS SDK's own SigV4 signer and credentials from
 * the SDK's default chain (environment, profile, SSO). Every endpoint is overridable with the SDK's
 * own variables (`AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`).
 */

const TIMEOUT_MS = 5000;

export interface AwsAccess {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  env: Record<string, string | undefined>;
}

export class AwsError extends Error {
  override name = "AwsError";
}

/** Errors a command reports in one line (a wrong argument, no credentials, an AWS or SSM failure), not as a crash. */
export const isExpected = (error: unknown): error is Error =>
  error instanceof SetupGuideError ||
  error instanceof ConfigError ||
  error instanceof AwsError ||
  error instanceof SecretsUnavailableError ||
  error instanceof MissingSecretError;

/** Credentials from the environment, else the SDK's default provider chain (profiles, SSO). */
export async function awsAccess(env: Record<string, string | undefined>, region: string): Promise<AwsAccess> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      region,
      env,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      },
    };
  }
  try {
    const client = new DynamoDBClient({ region });
    const credentials = await client.config.credentials();
    client.destroy();
    return { region, env, credentials };
  } catch (error) {
    throw new AwsError(
      `no AWS credentials (${error instanceof Error ? error.message : String(error)}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
}

const endpointOf = (access: AwsAccess, service: "ssm" | "sns" | "logs") => {
  const own = { ssm: "AWS_ENDPOINT_URL_SSM", sns: "AWS_ENDPOINT_URL_SNS", logs: "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS" }[
    service
  ];
  return new URL(
    access.env[own] ?? access.env.AWS_ENDPOINT_URL ?? `https://${service}.${access.region}.amazonaws.com/`,
  );
};

/** One signed POST to an AWS service; the answer's status and text. */
async function signedPost(
  access: AwsAccess,
  service: "sns" | "logs",
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const endpoint = endpointOf(access, service);
  const signer = new SignatureV4({ service, region: access.region, credentials: access.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname,
    query: {},
    headers: { ...headers, host: endpoint.host },
    body,
  });
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    throw new AwsError(
      `${service} did not answer: ${error instanceof Error ? (error.cause ?? error).toString() : error}`,
    );
  }
}

/** The stage's secrets as `sst secrets set` stored them (stage value, else the fallback); unset ones absent. */
export function stageSecrets(access: AwsAccess, app: string, stage: string, names: readonly SecretName[]) {
  return readStageSecrets(
    {
      region: access.region,
      credentials: access.credentials,
      endpoint: endpointOf(access, "ssm").toString(),
    },
    app,
    stage,
    names,
  );
}

export interface Subscription {
  protocol: string;
  /** The endpoint with an e-mail address's local part masked. */
  endpoint: string;
  confirmed: boolean;
}

/** SNS ListSubscriptionsByTopic (first page, 100 subscriptions: an alarm topic has a few). */
export async function topicSubscriptions(access: AwsAccess, topicArn: string): Promise<Subscription[]> {
  const body = new URLSearchParams({ Action: "ListSubscriptionsByTopic", TopicArn: topicArn, Version: "2010-03-31" });
  const answer = await signedPost(
    access,
    "sns",
    { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body.toString(),
  );
  if (answer.status !== 200) {
    throw new AwsError(
      `SNS ListSubscriptionsByTopic answered ${answer.status}: ${xmlValue(answer.text, "Message") ?? ""}`,
    );
  }
  return [...answer.text.matchAll(/<member>([\s\S]*?)<\/member>/g)].map(([, member]) => ({
    protocol: xmlValue(member!, "Protocol") ?? "?",
    endpoint: maskEmail(xmlValue(member!, "Endpoint") ?? "?"),
    confirmed: !/^(PendingConfirmation|Deleted)$/.test(xmlValue(member!, "SubscriptionArn") ?? "PendingConfirmation"),
  }));
}

const xmlValue = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
const maskEmail = (value: string) => value.replace(/^[^@]+@/, (local) => `${local[0]}…@`);

/** The stage's Lambda log groups: CloudWatch Logs DescribeLogGroups with the stage's name prefix. */
export async function stageLogGroups(access: AwsAccess, prefix: string): Promise<string[]> {
  const answer = await signedPost(
    access,
    "logs",
    { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Logs_20140328.DescribeLogGroups" },
    JSON.stringify({ logGroupNamePrefix: prefix, limit: 50 }),
  );
  if (answer.status !== 200) throw new AwsError(`CloudWatch Logs DescribeLogGroups answered ${answer.status}`);
  const parsed = JSON.parse(answer.text) as { logGroups?: { logGroupName: string }[] };
  return (parsed.logGroups ?? []).map((group) => group.logGroupName);
}
