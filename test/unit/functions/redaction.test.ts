import { redact, redactEmails } from "@caic-handover/functions/telemetry";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** The pattern the log formatter used before: the reference for what counts as an address. */
const REFERENCE = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

/** Text made of the characters that decide where an address starts and ends. */
const tricky = fc.string({
  unit: fc.constantFrom("a", "B", "7", ".", "@", "-", " ", "\n", "\u00a0", "<", ">", '"', ",", ":", "é", "😀"),
  maxLength: 80,
});

describe("e-mail redaction in logs", () => {
  it("redacts exactly what the reference pattern matches, on generated text", () => {
    fc.assert(
      fc.property(tricky, (text) => {
        expect(redactEmails(text)).toBe(text.replace(REFERENCE, "[redacted-email]"));
      }),
      { numRuns: 5000 },
    );
  });

  it("finds addresses people paste, wherever they sit", () => {
    expect(redact("write to Jane <jane.doe@example.com>, or j@x.io.")).toBe(
      "write to Jane <[redacted-email]>, or [redacted-email]",
    );
    expect(redact({ note: ["page https://shop.example/?customer=jane%40example.com&x=1"] })).toEqual({
      note: ["page https://shop.example/?customer=jane%40example.com&x=1"],
    });
    expect(redact({ note: "https://shop.example/?customer=jane@example.com&x=1" })).toEqual({
      note: "https:[redacted-email]",
    });
    expect(redact({ email: "anything", nested: { name: "Jane" } })).toEqual({
      email: "[redacted]",
      nested: { name: "[redacted]" },
    });
  });

  it("reads a 16 KB value without an address, or full of near-addresses, in one pass", () => {
    // The shapes that made the old pattern backtrack: a long run with no `@`, and many `@` without a domain.
    const run = "a".repeat(16 * 1024);
    const nearMisses = "a@b".repeat((16 * 1024) / 3);
    expect(redactEmails(run)).toBe(run);
    expect(redactEmails(nearMisses)).toBe(nearMisses.replace(REFERENCE, "[redacted-email]"));
    expect(redactEmails(`${run}@example.com`)).toBe("[redacted-email]");
  });
});
