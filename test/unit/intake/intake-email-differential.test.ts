import { validateEmail } from "@caic-handover/core/intake/intake-validation";
import { allFakers } from "@faker-js/faker";
import fc from "fast-check";
import isEmail from "validator/lib/isEmail";
import { expect, it } from "vitest";
import { onlyWrapperRemoved } from "../../support/intake-rules";
import { NAUGHTY_STRINGS } from "../../support/naughty-strings";
import { SEED } from "../../support/seed";

/**
 * The e-mail rules against a validator nobody here wrote (`validator`'s `isEmail`, default options),
 * over a few thousand addresses: faker's in every locale, as pasted and as an adversary changes
 * them, fast-check's RFC 5322 generator, and the Big List of Naughty Strings. Every disagreement
 * is one of the documented choices below (docs/intake.md §2, "Where we disagree with validator"),
 * or the test fails.
 */

const IDNS = ["例え.テスト", "пример.испытание", "bücher.de", "straße.de", "яндекс.рф", "ไทย.ไทย", "مثال.إختبار"];

function corpus(): string[] {
  const addresses: string[] = [];
  for (const [i, [locale, faker]] of Object.entries(allFakers).entries()) {
    if (locale === "base") continue;
    faker.seed(SEED + i);
    for (let n = 0; n < 10; n++) {
      const email = faker.internet.email();
      const [local, domain] = email.split("@") as [string, string];
      addresses.push(
        email,
        `<${email}>`,
        `mailto:${email}`,
        `${email}.`,
        `${faker.person.fullName()} <${email}>`,
        `${email}\u200b`,
        `${local}@${domain.toUpperCase()}`,
        `${local}@${IDNS[n % IDNS.length]}`,
        `${email}/x`,
        `${email}?q=1`,
        `${email}#top`,
        `${local}@${domain.replace("e", "%65")}`,
        `${local}@${domain.replace("a", "\u0430")}`,
        `${local}@${domain.replace(".", "\u2014.")}`,
        `${local}@xn--abc.${domain}`,
        `${local}@${domain}1`,
        `"${local} x"@${domain}`,
        `${local}@[192.0.2.1]`,
        `${local}@192.0.2.1`,
        `${local}@-${domain}`,
        `${local}..x@${domain}`,
        `${local}\u202e@${domain}`,
        // The second review's kinds.
        `${local}@${domain.replace(/[ago]/, (c) => ({ a: "\u0251", g: "\u0261", o: "\u1d0f" })[c]!)}`,
        `${local}@${domain.replace(".", "\u200d.")}`,
        `${local}@نامه\u200cنگار.ir`,
        `${email}\u0301`,
        `${email}\u02bc`,
        `${email}\u02bcs`,
        `[${email}](mailto:x${email})`,
        `"${email}" <x${email}>`,
        `mailto:${email}%20`,
        `mailto:${local}@${domain.replace("e", "%65")}`,
        `\u0301${email}`,
      );
    }
  }
  addresses.push(...fc.sample(fc.emailAddress(), { numRuns: 1500, seed: SEED }));
  addresses.push(...NAUGHTY_STRINGS);
  return addresses;
}

/** Our documented choices where `isEmail` accepts and we refuse; each names its place in docs/intake.md. */
const REFUSED_BY_CHOICE: Array<[string, (address: string) => boolean]> = [
  ["a quoted local part", (a) => /^".*"@/s.test(a)],
  ["a direction control", (a) => /[\u202a-\u202e\u2066-\u2069]/u.test(a)],
  ["a label mixing scripts (UTS #39)", (a) => domainOf(a).split(".").some(mixesScripts)],
  [
    "a character IDNA 2008 does not allow in a label (dashes, symbols, `%`)",
    (a) => /[^\p{L}\p{M}\p{Nd}.-]/u.test(domainOf(a)),
  ],
  ["hyphens in the third and fourth place: an `xn--` label that is no A-label", (a) => /(^|\.)..--/.test(domainOf(a))],
  [
    "a letter UTS #39 does not allow (IPA, modifier letters, `ı` outside Turkish)",
    (a) => /[\u0250-\u02ff\u1d00-\u1dbf\u0131]/u.test(domainOf(a)),
  ],
  [
    "an accented or marked Latin letter in the top-level label",
    (a) => /[^a-z]/.test(tldOf(a)) && /[\p{sc=Latin}\p{M}]/u.test(tldOf(a)),
  ],
  ["a local part starting with a combining mark", (a) => /^\p{M}/u.test(a)],
];

const tldOf = (address: string) => domainOf(address).split(".").at(-1)!;

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1).toLowerCase();
const mixesScripts = (label: string) =>
  /\p{sc=Latin}/u.test(label) && /[\p{sc=Cyrillic}\p{sc=Greek}\p{sc=Armenian}]/u.test(label);

it("agrees with validator's isEmail on every address, except for the documented choices", () => {
  const addresses = corpus();
  expect(addresses.length).toBeGreaterThan(3000);
  const unexplained: string[] = [];
  const byChoice = new Map<string, number>();
  let unwrapped = 0;
  for (const typed of addresses) {
    const ours = validateEmail(typed);
    if (ours.ok && ours.value !== typed) {
      // A wrapper or an invisible character taken off, nothing else: what is stored is an address isEmail accepts.
      unwrapped++;
      if (!isEmail(ours.value) || !onlyWrapperRemoved(typed, ours.value)) {
        unexplained.push(`${JSON.stringify(typed)} stored as ${JSON.stringify(ours.value)}`);
      }
      continue;
    }
    if (ours.ok === isEmail(typed)) continue;
    const choice = ours.ok ? undefined : REFUSED_BY_CHOICE.find(([, applies]) => applies(typed))?.[0];
    if (choice === undefined)
      unexplained.push(`${JSON.stringify(typed)}: ours ${JSON.stringify(ours)}, isEmail ${!ours.ok}`);
    else byChoice.set(choice, (byChoice.get(choice) ?? 0) + 1);
  }
  expect(unexplained).toEqual([]);
  // Each documented choice is exercised, and wrappers were really taken off.
  expect([...byChoice.keys()].sort()).toEqual(REFUSED_BY_CHOICE.map(([choice]) => choice).sort());
  expect(unwrapped).toBeGreaterThan(1000);
});
