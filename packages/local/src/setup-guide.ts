import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError } from "@caic-handover/core/config/config";
import { LANGUAGES, type Language } from "@caic-handover/core/language/culture";
import { loadLocalEnv, PROJECT_ROOT } from "./local-defaults";
import { SetupGuideError } from "./setup-guide/document";
import { buildGuide } from "./setup-guide/guide";
import { renderMarkdown, renderText } from "./setup-guide/render";
import { deployedTarget, type GuideOptions, localTarget } from "./setup-guide/targets";

/**
 * `npm run setup-guide`: the exact configuration a CM.com user enters, step by step in the order of
 * CM.com's "Web Conversations Livechat Handover to MSC Agent" guide, with this deployment's URLs.
 * The guide itself lives in `setup-guide/`: its content (`guide.ts`), one entry per route
 * (`route-steps.ts`), where it points (`targets.ts`), the document and its numbering (`document.ts`)
 * and the two formats (`render.ts`).
 */

// The command.

const USAGE = `npm run setup-guide -- [options]
  (default)            the deployed stage in .sst/outputs.json
  --outputs <file>     another outputs file
  --stage <stage>      the stage to use when the file holds several
  --api-url <url>      this API base URL instead of an outputs file
  --local              for npm start (http://127.0.0.1:$PORT, default 3000)
  --format <format>    text (default) or markdown
  --out <file>         write to a file instead of the terminal
  --show-key           print the webhook key itself instead of a placeholder
  --culture <cultures> the bot texts' culture(s): nl, en, de, fr or es, with or without a region,
                       several separated by commas (default DEFAULT_CULTURE, else en)`;

const parseGuideArgs = (args: readonly string[]) =>
  parseArgs({
    args: [...args],
    strict: true,
    options: {
      outputs: { type: "string" },
      stage: { type: "string" },
      "api-url": { type: "string" },
      local: { type: "boolean" },
      format: { type: "string" },
      out: { type: "string" },
      "show-key": { type: "boolean" },
      culture: { type: "string" },
      help: { type: "boolean" },
    },
  });

/** The guide for a command line; `readFile` answers undefined for a missing file. */
export function setupGuide(
  args: readonly string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string | undefined,
): { text: string; out: string | undefined } {
  let values: ReturnType<typeof parseGuideArgs>["values"];
  try {
    ({ values } = parseGuideArgs(args));
  } catch (error) {
    throw new SetupGuideError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return { text: `${USAGE}\n`, out: undefined };
  const format = values.format ?? "text";
  if (format !== "text" && format !== "markdown")
    throw new SetupGuideError(`--format is text or markdown, not ${format}`);
  if (values["api-url"] !== undefined && !/^https?:\/\/[^\s/]+/.test(values["api-url"])) {
    throw new SetupGuideError(`--api-url must be an http(s) URL, not ${values["api-url"]}`);
  }
  const options: GuideOptions = {
    outputs: values.outputs,
    stage: values.stage,
    apiUrl: values["api-url"],
    local: values.local,
    showKey: values["show-key"],
  };
  const target = options.local
    ? localTarget(options, env)
    : deployedTarget(
        options,
        env,
        options.apiUrl ? undefined : readFile(options.outputs ?? resolve(PROJECT_ROOT, ".sst/outputs.json")),
      );
  const guide = buildGuide(target, guideLanguages(values.culture ?? env.DEFAULT_CULTURE ?? "en"));
  return { text: format === "markdown" ? renderMarkdown(guide) : renderText(guide), out: values.out };
}

/** The languages of `--culture nl-NL,en`: each one the catalogue has texts in, once, in the order given. */
export function guideLanguages(cultures: string): Language[] {
  const languages: Language[] = [];
  for (const culture of cultures.split(",")) {
    const language = culture.trim().split(/[-_]/)[0]!.toLowerCase();
    if (!(LANGUAGES as readonly string[]).includes(language)) {
      throw new SetupGuideError(
        `--culture takes ${LANGUAGES.join(", ")} (with or without a region, such as nl-NL), separated by commas; not "${culture.trim()}"`,
      );
    }
    if (!languages.includes(language as Language)) languages.push(language as Language);
  }
  return languages;
}

const readIfPresent = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
};

function main() {
  const args = process.argv.slice(2);
  try {
    // npm start reads .env and its defaults the same way, so the local guide names the key it uses.
    const env = args.includes("--local") ? loadLocalEnv() : process.env;
    const { text, out } = setupGuide(args, env, readIfPresent);
    if (out) {
      writeFileSync(out, text);
      console.error(`setup guide written to ${out}`);
    } else process.stdout.write(text);
  } catch (error) {
    if (!(error instanceof SetupGuideError || error instanceof ConfigError)) throw error;
    console.error(`setup-guide: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
