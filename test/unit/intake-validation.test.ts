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
    ["", "Please enter your e-mail address."],
    ["   ", "Please enter your e-mail address."],
    ["jane.example.com", "That doesn't look like an e-mail address. Please check it and try again."],
    ["jane@", "That doesn't look like an e-mail address. Please check it and try again."],
    ["@example.com", "That doesn't look like an e-mail address. Please check it and try again."],
    ["jane@example", "That doesn't look like an e-mail address. Please check it and try again."],
    ["jane..doe@example.com", "That doesn't look like an e-mail address. Please check it and try again."],
    ["jane@exa_mple.com", "That doesn't look like an e-mail address. Please check it and try again."],
    ["a@b.com, c@d.com", "Please enter just one e-mail address."],
    ["a@b.com;c@d.com", "Please enter just one e-mail address."],
    ["a@b@c.com", "Please enter just one e-mail address."],
    ["jane doe@example.com", "Please enter just one e-mail address."],
    [`${"a".repeat(250)}@x.com`, "That e-mail address is too long."],
    [`${"a".repeat(65)}@example.com`, "That doesn't look like an e-mail address. Please check it and try again."],
  ])("rejects %j with a message the bot can show", (raw, message) => {
    expect(validateEmail(raw)).toEqual({ ok: false, message });
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
    ["", "Please enter your name."],
    ["   ", "Please enter your name."],
    ["x".repeat(101), "That name is too long. Please use at most 100 characters."],
    ["jane@example.com", "Please enter your name, not a web or e-mail address."],
    ["www.example.com", "Please enter your name, not a web or e-mail address."],
    ["example.com", "Please enter your name, not a web or e-mail address."],
    ["https://spam.example", "Please enter your name, not a web or e-mail address."],
    ["R2-D2", "Please enter your name using letters only."],
    ["<script>", "Please enter your name using letters only."],
    ["Jane\u0000Doe", "Please enter your name using letters only."],
    ["Jane\u001bDoe", "Please enter your name using letters only."],
    ["...", "Please enter your name using letters only."],
    ["- '", "Please enter your name using letters only."],
  ])("rejects %j with a message the bot can show", (raw, message) => {
    expect(validateName(raw)).toEqual({ ok: false, message });
  });
});
