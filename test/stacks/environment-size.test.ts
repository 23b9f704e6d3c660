import { VisibleError } from "sst/error.js";
import { describe, expect, it } from "vitest";
import { deploySettings, environmentRefusal, LAMBDA_ENVIRONMENT_LIMIT } from "../../stacks/settings";
import { REQUIRED_PARAMETERS, synthesise } from "./synth";

/** A valid opening-hours setting with many holidays: fixed dates, so nothing depends on today. */
const businessHours = (holidays: number) =>
  JSON.stringify({
    timeZone: "Europe/Amsterdam",
    weekly: { mon: [["09:00", "17:30"]], fri: [["09:00", "17:00"]] },
    holidays: Array.from({ length: holidays }, (_, i) =>
      new Date(Date.UTC(2030, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    ),
  });

describe("a function environment over Lambda's 4 KB", () => {
  it("stops the deploy with one line naming the setting that made it large", async () => {
    const attempt = synthesise({ ...REQUIRED_PARAMETERS, BUSINESS_HOURS: businessHours(400) });
    await expect(attempt).rejects.toThrow(
      /^BUSINESS_HOURS is too long: function [a-z-]+'s environment would be \d+ bytes \(BUSINESS_HOURS \d+\), over Lambda's 4096-byte limit; shorten BUSINESS_HOURS$/,
    );
    // SST's CLI prints a VisibleError as its message alone; any other error gets a stack trace after it.
    await expect(attempt).rejects.toBeInstanceOf(VisibleError);
  }, 120_000);

  it("refuses missing or invalid deploy settings the same way: one line, no stack trace", () => {
    expect(() => deploySettings({})).toThrow(VisibleError);
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, ALARM_EMAIL: "oncall" })).toThrow(VisibleError);
  });

  it("counts names and values in bytes, an unresolved value (the table name) as DynamoDB's longest name", () => {
    const fits = { A: "x".repeat(LAMBDA_ENVIRONMENT_LIMIT - 1) };
    expect(environmentRefusal("f", fits, () => false)).toBeUndefined();
    expect(environmentRefusal("f", { ...fits, B: "" }, () => false)).toMatch(
      /^A is too long: function f's environment would be 4097 bytes/,
    );
    expect(environmentRefusal("f", { A: "é".repeat(2048) }, () => false)).toMatch(/4097 bytes/);
    const table = {
      TABLE_NAME: "<deploy-time table name>",
      BUSINESS_HOURS: "x".repeat(LAMBDA_ENVIRONMENT_LIMIT - 255 - 24),
    };
    expect(environmentRefusal("f", table, (v) => v.startsWith("<deploy-time"))).toBeUndefined();
    expect(environmentRefusal("f", { ...table, X: "" }, (v) => v.startsWith("<deploy-time"))).toMatch(
      /^BUSINESS_HOURS is too long/,
    );
  });
});
