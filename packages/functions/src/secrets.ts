import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { SecretName } from "@caic-handover/core/config";

/** What SST v2 puts in a bound secret's environment variable when the value lives in SSM. */
const FROM_SSM = "__FETCH_FROM_SSM__";

/**
 * Resolves bound SST secrets (`SST_Secret_value_<NAME>=__FETCH_FROM_SSM__`) from SSM once per
 * cold start, at the paths `sst secrets set` writes, the stage's value winning over the fallback.
 * Returns only the resolved values; locally, secrets are plain environment variables and nothing is fetched.
 */
export async function fetchBoundSecrets(
  env: Record<string, string | undefined>,
  names: readonly SecretName[],
): Promise<Partial<Record<SecretName, string>>> {
  const wanted = names.filter((name) => env[`SST_Secret_value_${name}`] === FROM_SSM);
  if (wanted.length === 0) return {};
  const app = env.SST_APP;
  const stage = env.SST_STAGE;
  const path = (scope: string, name: string) => `/sst/${app}/${scope}/Secret/${name}/value`;
  const client = new SSMClient({});
  const { Parameters = [] } = await client.send(
    new GetParametersCommand({
      Names: wanted.flatMap((name) => [path(stage!, name), path(".fallback", name)]),
      WithDecryption: true,
    }),
  );
  const byPath = new Map(Parameters.map((p) => [p.Name, p.Value]));
  const resolved: Partial<Record<SecretName, string>> = {};
  for (const name of wanted) {
    const value = byPath.get(path(stage!, name)) ?? byPath.get(path(".fallback", name));
    if (value !== undefined) resolved[name] = value;
  }
  return resolved;
}
