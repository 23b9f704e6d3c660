import { validateEmail, validateName } from "@caic-handover/core/intake";
import { describe, expect, it } from "vitest";

describe("e-mail", () => {
  it.each([
    ["  jane@example.com ", "jane@example.com"],
    ["Jane.Doe+help@Sub.Example.COM", "Jane.Doe+help@sub.example.com"],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ["user@bücher.example", "user@bücher.example"],
  ])("accepts %j as %j (trimmed, domain lower-cased, local part kept)", (raw, value) => {
    expect(validateEmail(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "email.empty"],
    ["   ", "email.empty"],
    ["jane.example.com", "email.invalid"],
    ["jane@", "email.invalid"],
    ["@example.com", "email.invalid"],
    ["jane@example", "email.invalid"],
    ["jane..doe@example.com", "email.invalid"],
    ["jane@exa_mple.com", "email.invalid"],
    ["a@b.com, c@d.com", "email.several"],
    ["a@b.com;c@d.com", "email.several"],
    ["a@b@c.com", "email.several"],
    ["jane doe@example.com", "email.several"],
    [`${"a".repeat(250)}@x.com`, "email.too-long"],
    [`${"a".repeat(65)}@example.com`, "email.invalid"],
  ])("rejects %j with the key of a message that says what to change", (raw, key) => {
    expect(validateEmail(raw)).toEqual({ ok: false, key });
  });

  it("allows exactly 254 characters", () => {
    const address = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.nl`;
    expect(address).toHaveLength(254);
    expect(validateEmail(address).ok).toBe(true);
    expect(validateEmail(`${address}x`).ok).toBe(false);
  });
});

describe("name", () => {
  it.each([
    ["  Jane   van der   Berg ", "Jane van der Berg"],
    ["Ann-Marie O'Neil", "Ann-Marie O'Neil"],
    ["J.R.R. Tolkien", "J.R.R. Tolkien"],
    ["Zoë Çelik", "Zoë Çelik"],
    ["李小龍", "李小龍"],
    ["Ёлка Юрьевна", "Ёлка Юрьевна"],
    ["अनुष्का शर्मा", "अनुष्का शर्मा"],
    ["Jane\tDoe", "Jane Doe"],
    ["x".repeat(100), "x".repeat(100)],
  ])("accepts %j as %j", (raw, value) => {
    expect(validateName(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "name.empty"],
    ["   ", "name.empty"],
    ["jane@example.com", "name.email-address"],
    ["www.example.com", "name.web-address"],
    ["example.com", "name.web-address"],
    ["https://spam.example", "name.web-address"],
    ["R2-D2", "name.invalid-characters"],
    ["<script>", "name.invalid-characters"],
    ["Jane\u0000Doe", "name.invalid-characters"],
    ["Jane\u001bDoe", "name.invalid-characters"],
    ["...", "name.invalid-characters"],
    ["- '", "name.invalid-characters"],
  ])("rejects %j with the key of a message that says what to change", (raw, key) => {
    expect(validateName(raw)).toEqual({ ok: false, key });
  });

  it("rejects a name over 100 characters with the maximum as a parameter", () => {
    expect(validateName("x".repeat(101))).toEqual({ ok: false, key: "name.too-long", params: { max: 100 } });
  });
});
