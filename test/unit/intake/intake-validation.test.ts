import { validateEmail, validateName } from "@caic-handover/core/intake/intake-validation";
import { describe, expect, it } from "vitest";

describe("e-mail as people type and paste it", () => {
  it.each([
    ["  jane@example.com ", "jane@example.com"],
    ["Jane.Doe+help@Sub.Example.COM", "Jane.Doe+help@sub.example.com"],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ["user@bücher.example", "user@bücher.example"],
    ["user@BÜCHER.example", "user@bücher.example"],
    ["user@xn--bcher-kva.example", "user@xn--bcher-kva.example"],
    ["用户@例子.广告", "用户@例子.广告"],
    ["a`b{c}|d@example.org", "a`b{c}|d@example.org"],
  ])("accepts %j as %j (local part kept, domain lower-cased)", (raw, value) => {
    expect(validateEmail(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ["\u200bjane.doe@example.com", "zero-width space copied from a web page"],
    ["jane.doe@example.com\u200b", "zero-width space after it"],
    ["\ufeffjane.doe@example.com", "byte order mark"],
    ["jane.\u00addoe@exam\u00adple.com", "soft hyphens"],
    ["jane.doe\u2060@example.com", "word joiner"],
    ["\u200ejane.doe@example.com\u200f", "direction marks"],
    ["jane.doe\u200d@example.com", "zero-width joiner"],
    ["ｊａｎｅ.ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "full-width forms from a CJK keyboard"],
    ["jane.doe@example。com", "ideographic full stop"],
    ["mailto:jane.doe@example.com", "a copied mailto: link"],
    ["MAILTO:jane.doe@example.com", "mailto: in capitals"],
    ["mailto://jane.doe@example.com", "mailto:// as some apps write it"],
    ["mailto:jane.doe@example.com?subject=Hello&body=Hi", "a mailto: link with headers"],
    ["mailto:jane.doe%40example.com", "a percent-encoded mailto: link"],
    ["<jane.doe@example.com>", "angle brackets"],
    ["Jane Doe <jane.doe@example.com>", "a display name"],
    ['"Doe, Jane" <jane.doe@example.com>', "a quoted display name with a comma"],
    ['"jane.doe@example.com" <jane.doe@example.com>', "Outlook's address as display name"],
    ["Jane Doe <mailto:jane.doe@example.com>", "a display name and a mailto: link"],
    ["jane.doe@example.com.", "a full stop ending the sentence"],
    ["jane.doe@example.com,", "a trailing comma"],
    ["(jane.doe@example.com)", "parentheses"],
    ['"jane.doe@example.com"', "quotation marks"],
    ["“jane.doe@example.com”", "typographic quotation marks"],
    ["[jane.doe@example.com](mailto:jane.doe@example.com)", "a Markdown link"],
    ["<mailto:jane.doe@example.com|jane.doe@example.com>", "a Slack link"],
    [" \u00a0jane.doe@example.com\u3000", "no-break and ideographic spaces"],
    ["„jane.doe@example.com“", "German quotation marks (a German iPhone)"],
    ["»jane.doe@example.com«", "guillemets the German way round"],
    ["jane.doe@example.com’", "a closing smart quote"],
    ["jane.doe@example.com…", "an ellipsis (iOS turns ... into …)"],
    ["jane.doe@example.com!", "an exclamation mark"],
    ["jane.doe@example.com:", "a colon"],
    ["jane.doe@example.com\u060c", "an Arabic comma"],
    ["jane.doe@example.com\u061f", "an Arabic question mark"],
    ["jane.doe@example.com\u3001", "an ideographic comma"],
    ["jane.doe@example.com\u0964", "a Devanagari danda"],
    ["jane.doe@example.com\u2014", "an em dash"],
    ["jane.doe@example.com.\u201d", "a full stop and a closing quote"],
  ])("accepts %j (%s) as the address", (raw) => {
    expect(validateEmail(raw)).toEqual({ ok: true, value: "jane.doe@example.com" });
  });

  it("turns a typographic apostrophe into ' (iPhone smart punctuation)", () => {
    expect(validateEmail("o’brien@example.ie")).toEqual({ ok: true, value: "o'brien@example.ie" });
  });

  it.each([
    ["", "email.empty"],
    ["   ", "email.empty"],
    ["\u200b", "email.empty"],
    ["<>", "email.empty"],
    ["jane.example.com", "email.no-at"],
    ["jane", "email.no-at"],
    ["jane@", "email.domain"],
    ["jane@example", "email.domain"],
    ["jane@exa_mple.com", "email.domain"],
    ["jane@-example.com", "email.domain"],
    ["jane@[192.0.2.1]", "email.domain"],
    ["jane@192.0.2.1", "email.domain"],
    ["jane@example.c0m", "email.domain"],
    ["@example.com", "email.invalid"],
    ["jane..doe@example.com", "email.invalid"],
    [".jane@example.com", "email.invalid"],
    ['"jane doe"@example.com', "email.spaces"],
    ["jane(doe)@example.com", "email.invalid"],
    ["a@b.com, c@d.com", "email.several"],
    ["a@b.com;c@d.com", "email.several"],
    ["a@b@c.com", "email.several"],
    ["a@b.com c@d.com", "email.several"],
    ["Jane <a@b.com>, Bob <c@d.com>", "email.several"],
    ["mailto:a@b.com,c@d.com", "email.several"],
    ["jane doe@example.com", "email.spaces"],
    ["E-mail: jane@example.com", "email.spaces"],
    ["mailto:", "email.mailto-without-address"],
    ["mailto:?to=jane@example.com", "email.mailto-without-address"],
    [`${"a".repeat(250)}@x.com`, "email.too-long"],
    [`${"a".repeat(65)}@example.com`, "email.invalid"],
    [`${"ü".repeat(33)}@example.com`, "email.invalid"],
  ])("refuses %j: %s", (raw, key) => {
    expect(validateEmail(raw)).toEqual({ ok: false, key });
  });

  it("allows exactly 254 characters", () => {
    const address = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.nl`;
    expect(address).toHaveLength(254);
    expect(validateEmail(address).ok).toBe(true);
    expect(validateEmail(`${address}x`).ok).toBe(false);
  });
});

describe("names as people type them, in every script", () => {
  it.each([
    ["Siobhán O’Neill", "Siobhán O'Neill"],
    ["Bram van ’t Hof", "Bram van 't Hof"],
    ["D‘Angelo", "D'Angelo"],
    ["O‘ktamova", "O'ktamova"],
    ["O`Neil", "O'Neil"],
    ["O´Brien", "O'Brien"],
    ["Mar’yana", "Mar'yana"],
    ["Robert “Bob” Smith", 'Robert "Bob" Smith'],
    ["Jean‐Luc Picard", "Jean-Luc Picard"],
    ["Anna–Lena Schmidt", "Anna-Lena Schmidt"],
    ["Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith"],
    ["Henry Ⅷ", "Henry VIII"],
    ["  Jane   van der   Berg ", "Jane van der Berg"],
    ["Jane\tDoe", "Jane Doe"],
    ["Jane\u00a0Doe", "Jane Doe"],
    ["山田\u3000太郎", "山田 太郎"],
    ["Jane\u200bDoe", "JaneDoe"],
    ["\ufeffJane Doe", "Jane Doe"],
  ])("normalises %j to %j", (raw, value) => {
    expect(validateName(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ["Ann-Marie O'Neil"],
    ["J.R.R. Tolkien"],
    ["J. R. R. Tolkien"],
    ["Th.Jansen"],
    ["Ma. Clara Santos"],
    ["A.B. de Vries"],
    ["Dr. med. Müller"],
    ["jan.de vries"],
    ["Smith, John Jr."],
    ["Anna Müller (geb. Schmidt)"],
    ["Zoë Çelik"],
    ["李小龍"],
    ["ジョン・スミス"],
    ["威廉·莎士比亚"],
    ["Ёлка Юрьевна"],
    ["अनुष्का शर्मा"],
    ["علی‌رضا محمدی"],
    ["ശ്രീ‍ലക്ഷ്മി"],
    ["שׁלמה בן־דוד"],
    ["Ngũgĩ wa Thiong'o"],
    ["Kʻanaʻana"],
    ["Nguyễn Thị Minh Khai"],
    ["Ol·la Puig"],
    ["ǃXóõ"],
    ["Ōtaka Tōru"],
    ["Վարդան Մամիկոնյան"],
    ["ბექა"],
    ["สมชาย ใจดี"],
    ["x".repeat(100)],
  ])("accepts %j unchanged", (name) => {
    expect(validateName(name)).toEqual({ ok: true, value: name });
  });

  it("stores NFC and counts length in NFC characters", () => {
    const decomposed = "Jose\u0301";
    expect(validateName(decomposed)).toEqual({ ok: true, value: "Jos\u00e9" });
    const long = "e\u0301".repeat(100);
    expect(long).toHaveLength(200);
    expect(validateName(long)).toEqual({ ok: true, value: "\u00e9".repeat(100) });
    expect(validateName(`${long}e\u0301`)).toEqual({ ok: false, key: "name.too-long", params: { max: 100 } });
  });

  it("keeps a zero-width non-joiner or joiner after a letter, drops one that follows none", () => {
    expect(validateName("\u200cعلی\u200cرضا")).toEqual({ ok: true, value: "علی\u200cرضا" });
    expect(validateName("تاسه\u200c كاردۆخ")).toEqual({ ok: true, value: "تاسه\u200c كاردۆخ" });
    expect(validateName("مهرزاده \u200c")).toEqual({ ok: true, value: "مهرزاده" });
    expect(validateName("Jane \u200dDoe")).toEqual({ ok: true, value: "Jane Doe" });
  });

  it.each([
    ["", "name.empty"],
    ["   ", "name.empty"],
    ["\u200b\u200c", "name.empty"],
    ["jane@example.com", "name.email-address"],
    ["Jane jane@example.com", "name.email-address"],
    ["www.example.com", "name.web-address"],
    ["example.com", "name.web-address"],
    ["Example.COM", "name.web-address"],
    ["spam.example.nl/", "name.web-address"],
    ["https://spam.example", "name.web-address"],
    ["Jane https://x.y/z", "name.web-address"],
    ["R2-D2", "name.digits"],
    ["Jane Doe 3", "name.digits"],
    ["Jane ٣", "name.digits"],
    ["Ｊａｎｅ１", "name.digits"],
    ["<script>", "name.invalid-characters"],
    ["Jane\u0000Doe", "name.invalid-characters"],
    ["Jane\u001bDoe", "name.invalid-characters"],
    ["Jane\u007fDoe", "name.invalid-characters"],
    ["Jane 😀", "name.invalid-characters"],
    ["Jane; DROP TABLE", "name.invalid-characters"],
    ["...", "name.invalid-characters"],
    ["- '", "name.invalid-characters"],
    [`Z${"\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a"}algo`, "name.invalid-characters"],
    ["Jane\ue000", "name.invalid-characters"],
  ])("refuses %j: %s", (raw, key) => {
    expect(validateName(raw)).toEqual({ ok: false, key });
  });
});

it("refuses a name over 100 characters with the maximum as the message's parameter", () => {
  expect(validateName("x".repeat(101))).toEqual({ ok: false, key: "name.too-long", params: { max: 100 } });
});
