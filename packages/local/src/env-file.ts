import { readFileSync } from "node:fs";
import { ConfigError } from "@caic-handover/core/config/config";
import { parse } from "dotenv";

/**
 * `.env` files, read the way `sst deploy` reads them (dotenv), so a line means the same to
 * `npm start` and to a deploy. dotenv skips what it cannot read; here a line it would skip or
 * misread is refused, naming the line, and never echoing a value (it may be a secret).
 */

export class EnvFileError extends ConfigError {
  override name = "EnvFileError";
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^\s*(?:export\s+)?([^=\s]*)\s*=(.*)$/;

/** What is wrong with one line, or undefined when dotenv reads it as written; names a setting only if it is known. */
function lineProblem(line: string, known: ReadonlySet<string>): string | undefined {
  if (/^\s*(#.*)?$/.test(line)) return undefined;
  const assignment = ASSIGNMENT.exec(line);
  if (!assignment) {
    const word = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(line)?.[1];
    return `${word && known.has(word) ? `${word}: ` : ""}no "=": write NAME=value (comments start with #)`;
  }
  const [, name, raw] = assignment as unknown as [string, string, string];
  if (!NAME.test(name))
    return 'the text before "=" is not a setting name (letters, digits and _, not starting with a digit)';
  const value = raw.trimStart();
  const quote = value[0];
  if (quote === '"' || quote === "'" || quote === "`") {
    const closing = new RegExp(`^${quote}(?:\\\\${quote}|[^${quote}])*${quote}(.*)$`).exec(value);
    if (!closing) return `${name}: the ${quote} that opens the value is not closed on this line (a value is one line)`;
    if (!/^\s*(#.*)?$/.test(closing[1]!)) return `${name}: text after the closing ${quote} (put it inside the quotes)`;
    return undefined;
  }
  if (/(^|[^\s])#/.test(raw)) return `${name}: an unquoted value ends at "#": put the value in quotes`;
  return undefined;
}

/**
 * The settings of a `.env` text; a line dotenv would skip or misread is refused as `<file> line <n>: …`.
 * A line without "=" is named by its first word only when that is one of the `known` setting names:
 * anything else may be a pasted secret.
 */
export function parseEnvFile(
  text: string,
  file = ".env",
  known: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const content = text.replace(/^\uFEFF/, "");
  content.split(/\r?\n/).forEach((line, i) => {
    const problem = lineProblem(line, known);
    if (problem) throw new EnvFileError(`${file} line ${i + 1}: ${problem}`);
  });
  return parse(content);
}

/** The settings of a `.env` file, or undefined when there is none. */
export function readEnvFile(
  path: string,
  file = path,
  known: ReadonlySet<string> = new Set(),
): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EnvFileError(`${file} cannot be read: ${(error as Error).message}`);
  }
  return parseEnvFile(text, file, known);
}

/** The files `sst deploy --stage <stage>` loads, in its order (later ones win, and win over the shell). */
export const deployEnvFiles = (stage: string) => [".env", ".env.local", `.env.${stage}`, `.env.${stage}.local`];

/** Refuses a malformed line in any file a deploy of `stage` reads, before SST's dotenv silently skips it. */
export function checkDeployEnvFiles(root: string, stage: string, known: ReadonlySet<string> = new Set()): void {
  for (const file of deployEnvFiles(stage)) readEnvFile(`${root.replace(/\/?$/, "/")}${file}`, file, known);
}
