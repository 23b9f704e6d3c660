import { chatView, maskMessage, waitingSeconds } from "@caic-handover/core/chat/chat";
import { requiredFor } from "@caic-handover/core/handover/handover";
import { MAX_MESSAGE_LENGTH, validateMessage } from "@caic-handover/core/intake/intake-message";
import { knownValues } from "@caic-handover/core/intake/known-values";
import { type VisitorMessage, visitorText } from "@caic-handover/core/language/messages";
import { handbackMutation, handoverMutation } from "@caic-handover/core/router/routing";
import { mutationKind, mutationProblems } from "@caic-handover/local/cm-simulator";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const ADAPTERS = { client: "wc", bot: "caic", agent: "msc" };

describe("the visitor's question", () => {
  it("keeps any printable text of 1–2000 characters, trimmed, with its line breaks", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 400 }), (text) => {
        const raw = ` ${text.replace(/\p{Cc}/gu, "")}x\r\n `;
        const result = validateMessage(raw);
        expect(result).toEqual({
          ok: true,
          value: raw.normalize("NFC").replace(/\r\n?/g, "\n").trim(),
        });
      }),
    );
  });

  it("refuses empty, over-long and control-character text with a message the bot can show", () => {
    const en = { language: "en", locale: "en" } as const;
    const empty = validateMessage(" \n\t ");
    expect(empty).toEqual({ ok: false, key: "message.empty" });
    expect(visitorText(empty as VisitorMessage, en)).toBe("Please type your question.");
    expect(validateMessage("😀".repeat(MAX_MESSAGE_LENGTH))).toMatchObject({ ok: true });
    const long = validateMessage("😀".repeat(MAX_MESSAGE_LENGTH + 1));
    expect(long).toEqual({ ok: false, key: "message.too-long", params: { length: 2001, max: 2000 } });
    expect(visitorText(long as VisitorMessage, en)).toBe(
      "Your question is 2,001 characters long. Please shorten it to at most 2,000.",
    );
    for (const control of ["\u0000", "\u001b[2J", "\u007f", "\u0085"]) {
      expect(validateMessage(`Hello ${control} there`), JSON.stringify(control)).toMatchObject({ ok: false });
    }
  });
});

describe("known values", () => {
  it("validates each with its field's rules and leaves out the step's own field", () => {
    expect(knownValues({ email: " A@Example.COM ", name: "R2-D2", message: "Hi" }, "message")).toEqual({
      valid: { email: "A@example.com" },
      invalid: ["name"],
    });
  });

  it("treats unset variables as not known and other types as invalid", () => {
    for (const unset of [
      "",
      "  ",
      "null",
      "NULL",
      "undefined",
      "none",
      "{{email}}",
      "{email}",
      "%email%",
      "[[email]]",
    ]) {
      expect(knownValues({ email: unset }), unset).toEqual({ valid: {}, invalid: [] });
    }
    expect(knownValues({ email: null, name: 7, message: ["x"] })).toEqual({ valid: {}, invalid: ["name", "message"] });
  });
});

describe("mutation requests", () => {
  it("the hand-back reverses the hand-over's rules, without Context", () => {
    const over = handoverMutation("c1", ADAPTERS, { name: "Jane", email: "j@x.io" });
    const back = handbackMutation("c1", ADAPTERS);
    expect(back.Mutations.map((m) => [m.action, m.targetAdapterId])).toEqual([
      ["Enable", "caic"],
      ["Disable", "msc"],
    ]);
    expect(over.Mutations.map((m) => [m.action, m.targetAdapterId])).toEqual([
      ["Disable", "caic"],
      ["Enable", "msc"],
    ]);
    expect(back).not.toHaveProperty("Context");
    expect(mutationKind(over, ADAPTERS)).toBe("handover");
    expect(mutationKind(back, ADAPTERS)).toBe("handback");
    expect(mutationKind(back)).toBe("handback");
  });

  it("a message handover says so in Context; a live one keeps the guide's Context", () => {
    const message = handoverMutation("c1", ADAPTERS, { name: "Jane", email: "j@x.io", message: "Q?", mode: "message" });
    expect(message.Context).toMatchObject({ mode: "message", message: "Q?" });
    expect(Object.keys(handoverMutation("c1", ADAPTERS, { name: "Jane", email: "j@x.io" }).Context!)).toEqual([
      "name",
      "email",
      "CustomerInfo",
    ]);
  });

  it("the simulated CM refuses unknown adapters and a link mutated twice", () => {
    const back = handbackMutation("c1", ADAPTERS);
    expect(mutationProblems("application/json", back, "c1", ADAPTERS)).toEqual([]);
    expect(
      mutationProblems("application/json", handbackMutation("c1", { ...ADAPTERS, bot: "other" }), "c1", ADAPTERS),
    ).toEqual(["Mutations[0].targetAdapterId is not an adapter of the ruleset"]);
    const twice = { ...back, Mutations: [back.Mutations[0], { ...back.Mutations[0], action: "Disable" }] };
    expect(mutationProblems("application/json", twice, "c1", ADAPTERS)).toEqual([
      "the same link is mutated twice: wc→caic",
    ]);
  });

  it("a message needs the e-mail address and the question whatever the required fields are", () => {
    expect(requiredFor("message", ["name"])).toEqual(["name", "email", "message"]);
    expect(requiredFor("message", ["email", "name"])).toEqual(["email", "name", "message"]);
    expect(requiredFor("message", ["message", "email"])).toEqual(["message", "email"]);
    expect(requiredFor("live", ["name"])).toEqual(["name"]);
  });
});

describe("the chat's status", () => {
  const record = {
    chatId: "c1",
    status: "requested" as const,
    message: "Où est ma commande ?",
    history: [],
    createdAt: "2026-01-01T10:00:00.000Z",
    updatedAt: "2026-01-01T10:00:00.000Z",
    requestedAt: "2026-01-01T10:00:00.000Z",
    expiresAt: 0,
  };

  it("shows how long a requested handover has waited, and only while requested", () => {
    expect(waitingSeconds(record, new Date("2026-01-01T10:02:05.900Z"))).toBe(125);
    expect(waitingSeconds({ ...record, status: "handed_over" }, new Date("2026-01-01T10:02:05Z"))).toBeNull();
  });

  it("masks the question to its length", () => {
    expect(maskMessage(record.message)).toBe("[20 characters]");
    const view = chatView(record, ["email"], new Date("2026-01-01T10:00:30Z"));
    expect(view).toMatchObject({ message: "[20 characters]", waitingSeconds: 30, missing: ["email"] });
    expect(JSON.stringify(view)).not.toContain("commande");
  });
});
