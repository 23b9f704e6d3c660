import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDeployEnvFiles, EnvFileError, parseEnvFile as parseWith } from "@caic-handover/local/env-file";
import { SETTING_NAMES } from "@caic-handover/local/local-defaults";
import { parse } from "dotenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const SECRET = "s3cr3t-token-value";
const parseEnvFile = (text: string) => parseWith(text, ".env", SETTING_NAMES);

describe(".env as npm start reads it", () => {
  it("reads what sst deploy's dotenv reads: comments, export, quotes, inline comments, empty values, CRLF, a BOM", () => {
    const text = [
      "\uFEFF# settings",
      "",
      "PORT=3100",
      "export DATA_DIR=.data/dynamodb",
      "  PRESENCE_CHANNEL = WebChat  ",
      `HANDOVER_WEBHOOK_KEY="${SECRET}" # the key`,
      `BUSINESS_HOURS='{"timeZone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}'`,
      "PRESENCE_REFERRER=https://shop.example/help # default referrer",
      "INTAKE_TTL_HOURS=",
      'ESCAPED="say \\"hi\\""',
    ].join("\r\n");
    expect(parseEnvFile(text)).toEqual({
      PORT: "3100",
      DATA_DIR: ".data/dynamodb",
      PRESENCE_CHANNEL: "WebChat",
      HANDOVER_WEBHOOK_KEY: SECRET,
      BUSINESS_HOURS: '{"timeZone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}',
      PRESENCE_REFERRER: "https://shop.example/help",
      INTAKE_TTL_HOURS: "",
      ESCAPED: 'say \\"hi\\"',
    });
  });

  it.each([
    [
      "a line without =",
      `PORT=3100\nHANDOVER_WEBHOOK_KEY ${SECRET}`,
      '.env line 2: HANDOVER_WEBHOOK_KEY: no "=": write NAME=value (comments start with #)',
    ],
    [
      "a pasted value on its own",
      `PORT=3100\n\n${SECRET}`,
      '.env line 3: no "=": write NAME=value (comments start with #)',
    ],
    [
      "an unterminated quote",
      `BUSINESS_HOURS='{"timeZone":"UTC","weekly":{}}\nPORT=3100`,
      ".env line 1: BUSINESS_HOURS: the ' that opens the value is not closed on this line (a value is one line)",
    ],
    [
      "an unterminated double quote",
      `# key\nHANDOVER_WEBHOOK_KEY="${SECRET}`,
      '.env line 2: HANDOVER_WEBHOOK_KEY: the " that opens the value is not closed on this line (a value is one line)',
    ],
    [
      "text after the closing quote",
      `HANDOVER_WEBHOOK_KEY="${SECRET}"x`,
      '.env line 1: HANDOVER_WEBHOOK_KEY: text after the closing " (put it inside the quotes)',
    ],
    [
      "a # inside an unquoted value",
      `CM_PRODUCT_TOKEN=abc#${SECRET}`,
      '.env line 1: CM_PRODUCT_TOKEN: an unquoted value ends at "#": put the value in quotes',
    ],
    [
      "a name that is no setting name",
      "1PORT=3100",
      '.env line 1: the text before "=" is not a setting name (letters, digits and _, not starting with a digit)',
    ],
    ["a colon instead of =", "PORT: 3100", '.env line 1: PORT: no "=": write NAME=value (comments start with #)'],
  ])("refuses %s in one line naming the line, without the value", (_, text, message) => {
    let error: unknown;
    try {
      parseEnvFile(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvFileError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain("\n");
  });

  it("means the same as dotenv for every line it accepts", () => {
    const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,11}$/);
    const bare = fc.stringMatching(/^[A-Za-z0-9_.:/@+\-=,{}[\]"'` ]{0,20}$/).filter((v) => !/^\s*["'`]/.test(v));
    const quoted = fc
      .tuple(fc.constantFrom('"', "'", "`"), fc.stringMatching(/^[A-Za-z0-9_.:/@#+\-=,{}[\] ]{0,20}$/))
      .map(([quote, inner]) => `${quote}${inner}${quote}`);
    const line = fc.oneof(
      fc.tuple(name, fc.oneof(bare, quoted), fc.constantFrom("", " # note")).map(([n, v, c]) => `${n}=${v}${c}`),
      fc.constantFrom("", "# comment", "   "),
    );
    let files = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = lines.join("\n");
        files++;
        let settings: Record<string, string>;
        try {
          settings = parseEnvFile(text);
        } catch (error) {
          expect(error).toBeInstanceOf(EnvFileError);
          return;
        }
        accepted++;
        expect(settings).toEqual(parse(text));
      }),
    );
    expect(accepted / files).toBeGreaterThan(0.5);
  });
});

describe("the files sst deploy reads", () => {
  it("refuses a malformed line in .env, .env.local, .env.<stage> or .env.<stage>.local of the stage deployed, and no other", () => {
    const root = mkdtempSync(join(tmpdir(), "env-files-"));
    try {
      expect(() => checkDeployEnvFiles(root, "prod")).not.toThrow();
      writeFileSync(join(root, ".env"), "PORT=3100\n");
      writeFileSync(join(root, ".env.dev"), "CM_TECHNICAL_LINK_ID\n");
      expect(() => checkDeployEnvFiles(root, "prod")).not.toThrow();
      expect(() => checkDeployEnvFiles(root, "dev")).toThrow('.env.dev line 1: no "=": write NAME=value');
      for (const file of [".env", ".env.local", ".env.prod", ".env.prod.local"]) {
        writeFileSync(join(root, file), `# ${file}\nBUSINESS_HOURS='{"timeZone":"UTC"\n`);
        expect(() => checkDeployEnvFiles(root, "prod")).toThrow(
          `${file} line 2: BUSINESS_HOURS: the ' that opens the value is not closed on this line`,
        );
        writeFileSync(join(root, file), "PORT=3100\n");
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
