import { MAX_SKILL_LENGTH, normaliseDetail, readHandoverDetails } from "@caic-handover/core/handover/handover-details";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Fragments of several scripts, white space, invisible characters, direction controls and JSON breakers. */
const fragment = fc.constantFrom(
  "billing",
  "پشتیبانی\u200cفنی",
  "ضمانت",
  "वापसी",
  "返金",
  "Straße",
  "возврат",
  "customer's",
  "e\u0301",
  " ",
  "\n",
  "\t",
  "\u00a0",
  "\u200b",
  "\u00ad",
  "\ufeff",
  "\u202b",
  "\u2069",
  '"',
  "\\",
  "<",
);
const text = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(""));

describe("the dialog's reason and skill", () => {
  it("under fixed-seed texts in several scripts: refused exactly for a direction control, else one clean line", () => {
    fc.assert(
      fc.property(text, fc.constantFrom("reason" as const, "skill" as const), (raw, field) => {
        const { value, problem } = normaliseDetail(field, raw);
        if (/[\u202a-\u202e\u2066-\u2069]/u.test(raw)) {
          expect(problem).toBe("direction-control");
          return;
        }
        if (field === "skill" && /[<"\\]/.test(raw)) {
          expect(problem === "characters" || problem === "too-long").toBe(true);
          return;
        }
        if (problem === "too-long") return;
        expect(problem).toBeUndefined();
        if (value === undefined) return;
        expect(value).not.toMatch(/[\n\t\u00a0\u200b\u00ad\ufeff]|^ | $| {2}/u);
        expect(value).toBe(value.normalize("NFC"));
        if (raw.includes("پشتیبانی\u200cفنی")) expect(value).toContain("پشتیبانی\u200cفنی");
      }),
      { seed: 25, numRuns: 400 },
    );
  });

  it("keeps legitimate skills: a Persian joiner, an apostrophe, NBSP as a space, a trailing zero-width space gone", () => {
    expect(normaliseDetail("skill", "پشتیبانی\u200cفنی").value).toBe("پشتیبانی\u200cفنی");
    expect(normaliseDetail("skill", "customer's").value).toBe("customer's");
    expect(normaliseDetail("skill", "tier\u00a0one").value).toBe("tier one");
    expect(normaliseDetail("skill", "billing\u200b").value).toBe("billing");
    expect(normaliseDetail("skill", "x".repeat(MAX_SKILL_LENGTH + 1)).problem).toBe("too-long");
    expect(normaliseDetail("reason", "{{reasonForAgent}}")).toEqual({});
  });

  it("warns naming the field and the problem, never the value, and leaves the detail out", () => {
    const warnings: [string, object][] = [];
    const details = readHandoverDetails(
      { reason: "pay \u202eme", skill: "sales" },
      { warn: (message: string, attributes?: object) => void warnings.push([message, attributes ?? {}]) },
    );
    expect(details).toEqual({ skill: "sales" });
    expect(warnings).toEqual([["handover detail ignored", { field: "reason", problem: "direction-control" }]]);
  });
});
