import {
  ConfigSchema,
  PREVIOUS_KEY_NAMES,
  REQUIRED_SECRET_NAMES,
  SECRET_NAMES,
  SST_SSM_PLACEHOLDER,
  sharedKeyProblems,
} from "@caic-handover/core/config/config";
import { readStageSecrets, type SsmAccess } from "@caic-handover/functions/secrets";

/**
 * Refuses a deploy whose stage lacks one of the required secrets (a forgotten `sst secrets set`) or
 * one of whose keys (a previous value included, when set) is weaker than the functions accept, before anything is created. Reads SSM with the
 * deployer's credentials, as `sst secrets list` does; never prints a value.
 */
export async function requireStageSecrets(access: SsmAccess, app: string, stage: string): Promise<void> {
  const values = await readStageSecrets(access, app, stage, SECRET_NAMES);
  const problems: string[] = [];
  for (const name of SECRET_NAMES) {
    const value = values[name]?.trim();
    const optional = (PREVIOUS_KEY_NAMES as readonly string[]).includes(name);
    if (optional && !value) continue;
    if (!value || value === SST_SSM_PLACEHOLDER) {
      if (!(REQUIRED_SECRET_NAMES as readonly string[]).includes(name)) continue;
      problems.push(`${name} is not set: npx sst secrets set ${name} <value> --stage ${stage}`);
      continue;
    }
    const checked = ConfigSchema.shape[name].safeParse(value);
    if (!checked.success) {
      // A previous value is the key being rotated out: its fix is the old key itself, or removing it.
      const fix = optional
        ? `set it to the key being rotated out, or remove it: npx sst secrets remove ${name} --stage ${stage}`
        : `npx sst secrets set ${name} "$(openssl rand -hex 32)" --stage ${stage}`;
      problems.push(`${name} is invalid (${checked.error.issues[0]?.message}): ${fix}`);
    }
  }
  problems.push(...sharedKeyProblems(values));
  if (problems.length > 0) throw new Error(`caic-handover secrets for stage ${stage}: ${problems.join("; ")}`);
}
