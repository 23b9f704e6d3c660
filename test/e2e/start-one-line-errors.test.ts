import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { javaMajorVersion } from "@caic-handover/local/dynamodb-local";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { afterAll, describe, expect, it } from "vitest";

/** A PATH holding node and, if given, a `java` that prints this `-version` text, as Java 11 would. */
function fakePath(javaVersionText?: string) {
  const bin = mkdtempSync(join(tmpdir(), "start-path-"));
  symlinkSync(process.execPath, join(bin, "node"));
  if (javaVersionText !== undefined) {
    // Only shell builtins: nothing else is on this PATH.
    writeFileSync(join(bin, "java"), `#!/bin/sh\nprintf '%s\\n' '${javaVersionText}' >&2\nexit 0\n`);
    chmodSync(join(bin, "java"), 0o755);
  }
  return bin;
}

const bins: string[] = [];
afterAll(() => {
  for (const bin of bins) rmSync(bin, { recursive: true, force: true });
});

/** `npm start`'s program, as a user's shell would run it, with only these settings. */
function start(env: Record<string, string>, javaVersionText?: string) {
  const bin = fakePath(javaVersionText);
  bins.push(bin);
  const run = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "packages/local/src/start.ts"],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: bin, HOME: process.env.HOME ?? tmpdir(), PORT: "0", ...env },
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  const lines = `${run.stdout}${run.stderr}`
    .trim()
    .split("\n")
    .filter((line) => line.trim() !== "");
  return { status: run.status, lines };
}

describe("npm start refuses what it cannot run with, in one line", () => {
  it("a Java older than 17: names the version found and how to get 17", () => {
    const java11 =
      'openjdk version "11.0.22" 2024-01-16\nOpenJDK Runtime Environment (build 11.0.22+7)\nOpenJDK 64-Bit Server VM';
    const { status, lines } = start({}, java11);
    expect(status).not.toBe(0);
    expect(lines).toEqual([
      "npm start: DynamoDB Local needs a Java 17+ runtime (found Java 11): install one (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`, macOS: `brew install openjdk@17`) or set DYNAMODB_ENDPOINT to an existing DynamoDB.",
    ]);
  });

  it("a setting with a value it does not accept: names the accepted values", () => {
    const { status, lines } = start({ OFFLINE_HANDOVER: "Message" });
    expect(status).not.toBe(0);
    expect(lines).toEqual([
      'npm start: caic-handover configuration: OFFLINE_HANDOVER is invalid: "Message" (accepted: one of off, message (lower case))',
    ]);
  });

  it("a misspelt setting: warns, naming the closest known setting, before anything else", () => {
    const java11 = 'openjdk version "11.0.22" 2024-01-16';
    const { lines } = start({ OFLINE_HANDOVER: "message" }, java11);
    expect(lines[0]).toBe(
      "npm start: warning: OFLINE_HANDOVER is not a setting and is ignored; did you mean OFFLINE_HANDOVER?",
    );
  });

  it("a misspelt or malformed deploy setting: warns at npm start too, naming the setting and what it accepts", () => {
    const java11 = 'openjdk version "11.0.22" 2024-01-16';
    const { lines } = start({ ALARM_EMIAL: "oncall@example.com", POINT_IN_TIME_RECOVERY_DAYS: "40" }, java11);
    expect(lines.slice(0, 2)).toEqual([
      "npm start: warning: ALARM_EMIAL is not a setting and is ignored; did you mean ALARM_EMAIL?",
      'npm start: warning: POINT_IN_TIME_RECOVERY_DAYS is invalid: "40" (accepted: a whole number from 1 to 35); a deploy setting, unused by npm start, that sst deploy refuses',
    ]);
  });

  it("an impossible BUSINESS_HOURS date: names the entry", () => {
    const { status, lines } = start({
      BUSINESS_HOURS: '{"timeZone":"Europe/Amsterdam","weekly":{"mon":[["09:00","17:00"]]},"holidays":["2026-13-01"]}',
    });
    expect(status).not.toBe(0);
    expect(lines).toEqual([
      'npm start: caic-handover configuration: BUSINESS_HOURS is invalid (holidays[0]: "2026-13-01" is not a date "YYYY-MM-DD"; accepted: opening hours as JSON with timeZone, weekly, holidays and special (docs/business-hours.md))',
    ]);
  });
});

describe("the Java version", () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.22" 2024-01-16', 11],
    ['openjdk version "22-ea" 2024-03-19', 22],
    ["something else entirely", undefined],
  ])("%s is %s", (output, major) => {
    expect(javaMajorVersion(output)).toBe(major);
  });
});
