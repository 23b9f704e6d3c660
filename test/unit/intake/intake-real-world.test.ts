import { validateEmail, validateName } from "@caic-handover/core/intake/intake-validation";
import { allFakers, type Faker } from "@faker-js/faker";
import { describe, expect, it } from "vitest";
import { SEED } from "../../support/seed";

/**
 * Real-world names and addresses: every person name and e-mail address @faker-js/faker generates
 * in every one of its locales, as generated and as visitors' devices change them. Faker's own seed
 * is the suite's, so a failure reproduces (TEST_SEED explores others).
 */

const PER_LOCALE = 60;
/** `base` holds no person data; every other locale does. */
const LOCALES = Object.entries(allFakers).filter(([locale]) => locale !== "base");

/**
 * What the product should store for a name: NFC, one space between words, `'` for the typographic
 * apostrophes `’` and `‘` (Uzbek `O‘ktamova` too), a joiner kept only after a letter (faker's `fa`
 * data has one after a space).
 */
const storedName = (name: string) =>
  name
    .normalize("NFC")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/(?<![\p{L}\p{M}])[\u200c\u200d]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
/** …and for an address: as generated, domain lower-cased. */
const storedEmail = (email: string) => email.replace(/@(.*)$/, (_, domain: string) => `@${domain.toLowerCase()}`);

function namesOf(faker: Faker, seed: number): string[] {
  faker.seed(seed);
  return Array.from({ length: PER_LOCALE }, () => [
    faker.person.firstName(),
    faker.person.lastName(),
    faker.person.fullName(),
  ]).flat();
}

/** A name as an iPhone (smart punctuation), a Mac (decomposed) or a careless paste sends it. */
const nameVariants = (name: string) => [
  name,
  name.replaceAll("'", "\u2019"),
  name.normalize("NFD"),
  ` \t${name}\u00a0 `,
  ` ${name.replaceAll("'", "\u2019").normalize("NFD")}\n`,
];

/** An address as pasted: plain, with a zero-width space, as a link, in brackets, with a display name, ending a sentence. */
const emailVariants = (email: string, displayName: string) => [
  email,
  `\u200b${email}`,
  `${email}\u200b`,
  `mailto:${email}`,
  `<${email}>`,
  `${displayName} <${email}>`,
  `"${displayName}" <${email}>`,
  `${email}.`,
  ` ${email} `,
];

describe.each(LOCALES.map(([locale, faker], i) => ({ locale, faker, seed: SEED + i })))(
  "faker locale $locale",
  ({ locale, faker, seed }) => {
    it("every name it generates is accepted and stored as expected, however it is typed", () => {
      const names = namesOf(faker, seed);
      expect(names.length).toBe(3 * PER_LOCALE);
      for (const name of names) {
        if (/\p{N}/u.test(name)) {
          // Faker's en_AU_ocker slang holds "Mia+3": not a name, and refused for its digit.
          expect(validateName(name), `${locale}: ${JSON.stringify(name)}`).toEqual({ ok: false, key: "name.digits" });
          continue;
        }
        for (const typed of nameVariants(name)) {
          expect(validateName(typed), `${locale}: ${JSON.stringify(typed)}`).toEqual({
            ok: true,
            value: storedName(name),
          });
        }
      }
    });

    it("every e-mail address it generates is accepted, plain and wrapped as people paste it", () => {
      faker.seed(seed);
      for (let i = 0; i < PER_LOCALE; i++) {
        const email = i % 2 === 0 ? faker.internet.email() : faker.internet.exampleEmail();
        const displayName = faker.person.fullName();
        for (const pasted of emailVariants(email, displayName)) {
          expect(validateEmail(pasted), `${locale}: ${JSON.stringify(pasted)}`).toEqual({
            ok: true,
            value: storedEmail(email),
          });
        }
      }
    });
  },
);

it("covers every locale faker has", () => {
  expect(LOCALES.length).toBeGreaterThanOrEqual(70);
  expect(Object.keys(allFakers)).toContain("fa");
  expect(Object.keys(allFakers)).toContain("zh_CN");
});
