import { validateEmail, validateName } from "@caic-handover/core/intake/intake-validation";
import { BOT_TEXTS, type BotTextKey, botText } from "@caic-handover/core/language/bot-texts";
import { type Culture, LANGUAGES, type Language } from "@caic-handover/core/language/culture";
import { MESSAGES, type MessageKey, type VisitorMessage, visitorText } from "@caic-handover/core/language/messages";
import { describe, expect, it } from "vitest";

const culture = (language: Language, locale: string = language): Culture => ({ language, locale });
const KEYS = Object.keys(MESSAGES) as MessageKey[];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
/** A whole word, by Unicode letters (JS `\b` knows only ASCII). */
const word = (words: string) => new RegExp(`(?<!\\p{L})(?:${words})(?!\\p{L})`, "iu");

describe("the catalogue", () => {
  it.each(KEYS)("has %s in every language and in no other, with the same placeholders", (key) => {
    const texts: Record<string, string> = MESSAGES[key];
    expect(Object.keys(texts).sort()).toEqual([...LANGUAGES].sort());
    for (const language of LANGUAGES) {
      expect(texts[language], `${key} ${language}`).toMatch(/\S/);
      expect(placeholders(texts[language]!), `${key} ${language}`).toEqual(placeholders(texts.en!));
    }
  });

  it.each(LANGUAGES)("in %s: no two keys share a text (a copy-paste would)", (language) => {
    const texts = KEYS.map((key) => MESSAGES[key][language]);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it.each(LANGUAGES)("in %s: every text is a short, finished sentence fit for a chat bubble", (language) => {
    for (const key of KEYS) {
      const text = MESSAGES[key][language];
      expect(text, key).toBe(text.trim());
      expect(text, key).not.toMatch(/ {2}/);
      expect(text, key).toMatch(/[.?!]$/);
      expect(text.length, key).toBeLessThanOrEqual(140);
    }
  });

  /** Words that ask the visitor to do something, in the formal register. */
  const REQUEST: Record<Language, RegExp> = {
    en: word("please"),
    nl: word("vul|controleer|gebruik|typ|kort|schrijf"),
    de: word("bitte"),
    fr: word("veuillez"),
    es: word("por favor|revísela|revise|utilice|acórtela|escríbala"),
  };
  /** Informal address: what a careful writer to a customer does not use. */
  const INFORMAL: Record<Language, RegExp | undefined> = {
    en: undefined,
    nl: word("je|jij|jou|jouw|jullie"),
    de: word("du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer|gib|prüfe|schreib"),
    fr: word("tu|toi|ton|ta|tes|te|t'"),
    es: word("tú|tu|tus|te|ti|contigo|escribe|revisa|inténtalo|utiliza|acórtala"),
  };

  it.each(LANGUAGES)(
    "in %s: the bot's own texts (the setup guide's) are finished sentences in the same formal register",
    (language) => {
      const keys = Object.keys(BOT_TEXTS) as BotTextKey[];
      const texts = keys.map((key) => BOT_TEXTS[key][language]);
      expect(new Set(texts).size).toBe(texts.length);
      for (const key of keys) {
        const text = BOT_TEXTS[key][language];
        expect(placeholders(text), key).toEqual(placeholders(BOT_TEXTS[key].en));
        expect(text, key).toMatch(/[.?!]$/);
        expect(text.length, key).toBeLessThanOrEqual(140);
        if (INFORMAL[language]) expect(text, key).not.toMatch(INFORMAL[language]!);
      }
      expect(botText("closed", language, { opensAtText: "{{opensAtText}}" })).toContain("{{opensAtText}}");
    },
  );

  it.each(LANGUAGES)("in %s: every text asks for a change, addressing the visitor formally", (language) => {
    for (const key of KEYS) {
      const text = MESSAGES[key][language];
      expect(text, key).toMatch(REQUEST[language]);
      if (INFORMAL[language]) expect(text, key).not.toMatch(INFORMAL[language]!);
      // German addresses a customer as "Sie" in every sentence that speaks to them.
      if (language === "de") expect(text, key).toMatch(/(?<!\p{L})Sie(?!\p{L})/u);
    }
  });
});

/**
 * What a visitor sees for a wrong answer, per language and message: the validators give the key
 * (and parameters), `visitorText` the text in the visitor's language.
 */
const SEEN: Array<[string, () => VisitorMessage | undefined, Record<Language, string>]> = [
  [
    "an empty e-mail address",
    () => rejection(validateEmail("  ")),
    {
      en: "Please enter your e-mail address.",
      nl: "Vul uw e-mailadres in.",
      de: "Bitte geben Sie Ihre E-Mail-Adresse ein.",
      fr: "Veuillez saisir votre adresse e-mail.",
      es: "Por favor, escriba su dirección de correo electrónico.",
    },
  ],
  [
    "an e-mail address over 254 characters",
    () => rejection(validateEmail(`${"a".repeat(250)}@x.com`)),
    {
      en: "That e-mail address is too long. Please check it and try again.",
      nl: "Dat e-mailadres is te lang. Controleer het en probeer het opnieuw.",
      de: "Diese E-Mail-Adresse ist zu lang. Bitte prüfen Sie sie und versuchen Sie es erneut.",
      fr: "Cette adresse e-mail est trop longue. Veuillez la vérifier et réessayer.",
      es: "Esa dirección de correo electrónico es demasiado larga. Revísela e inténtelo de nuevo.",
    },
  ],
  [
    "two e-mail addresses",
    () => rejection(validateEmail("a@b.com, c@d.com")),
    {
      en: "Please enter just one e-mail address.",
      nl: "Vul slechts één e-mailadres in.",
      de: "Bitte geben Sie nur eine E-Mail-Adresse ein.",
      fr: "Veuillez saisir une seule adresse e-mail.",
      es: "Por favor, escriba una sola dirección de correo electrónico.",
    },
  ],
  [
    "something that is no e-mail address",
    () => rejection(validateEmail("jane..doe@example.com")),
    {
      en: "That doesn't look like an e-mail address. Please check it and try again.",
      nl: "Dat lijkt geen e-mailadres. Controleer het en probeer het opnieuw.",
      de: "Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie sie und versuchen Sie es erneut.",
      fr: "Cela ne ressemble pas à une adresse e-mail. Veuillez la vérifier et réessayer.",
      es: "Eso no parece una dirección de correo electrónico. Revísela e inténtelo de nuevo.",
    },
  ],
  [
    "an empty name",
    () => rejection(validateName("")),
    {
      en: "Please enter your name.",
      nl: "Vul uw naam in.",
      de: "Bitte geben Sie Ihren Namen ein.",
      fr: "Veuillez indiquer votre nom.",
      es: "Por favor, escriba su nombre.",
    },
  ],
  [
    "a name over 100 characters",
    () => rejection(validateName("x".repeat(101))),
    {
      en: "That name is too long. Please use at most 100 characters.",
      nl: "Die naam is te lang. Gebruik maximaal 100 tekens.",
      de: "Dieser Name ist zu lang. Bitte verwenden Sie höchstens 100 Zeichen.",
      fr: "Ce nom est trop long. Veuillez utiliser 100 caractères au maximum.",
      es: "Ese nombre es demasiado largo. Utilice como máximo 100 caracteres.",
    },
  ],
  [
    "an e-mail address as the name",
    () => rejection(validateName("jane@example.com")),
    {
      en: "Please enter your name, not an e-mail address.",
      nl: "Vul uw naam in, geen e-mailadres.",
      de: "Bitte geben Sie Ihren Namen ein, keine E-Mail-Adresse.",
      fr: "Veuillez indiquer votre nom, pas une adresse e-mail.",
      es: "Por favor, escriba su nombre, no una dirección de correo electrónico.",
    },
  ],
  [
    "a web address as the name",
    () => rejection(validateName("www.example.com")),
    {
      en: "Please enter your name, not a web address.",
      nl: "Vul uw naam in, geen webadres.",
      de: "Bitte geben Sie Ihren Namen ein, keine Webadresse.",
      fr: "Veuillez indiquer votre nom, pas une adresse web.",
      es: "Por favor, escriba su nombre, no una dirección web.",
    },
  ],
  [
    "a name with other characters than letters",
    () => rejection(validateName("<script>")),
    {
      en: "Please enter your name using letters only.",
      nl: "Vul uw naam in met alleen letters.",
      de: "Bitte geben Sie Ihren Namen nur mit Buchstaben ein.",
      fr: "Veuillez indiquer votre nom en lettres uniquement.",
      es: "Por favor, escriba su nombre solo con letras.",
    },
  ],
];

function rejection(result: ReturnType<typeof validateEmail>): VisitorMessage | undefined {
  if (result.ok) return undefined;
  const { ok: _ok, ...message } = result;
  return message;
}

describe.each(LANGUAGES)("a visitor writing in %s", (language) => {
  it.each(SEEN)("who gives %s is told what to change in their language", (_case, reject, expected) => {
    const message = reject();
    expect(message).toBeDefined();
    expect(visitorText(message!, culture(language))).toBe(expected[language]);
  });

  it("sees numbers written the way their language writes them", () => {
    const message: VisitorMessage = { key: "message.too-long", params: { length: 2431, max: 2000 } };
    const expected: Record<Language, RegExp> = {
      en: /^Your question is 2,431 characters long\. .* 2,000\.$/,
      nl: /^Uw vraag is 2\.431 tekens lang\. .* 2\.000 tekens\.$/,
      de: /^Ihre Frage ist 2\.431 Zeichen lang\. .* 2\.000 Zeichen\.$/,
      fr: /^Votre question compte 2\s431 caractères\. .* 2\s000 caractères au maximum\.$/u,
      es: /^Su pregunta tiene 2431 caracteres\. .* 2000 caracteres como máximo\.$/,
    };
    expect(visitorText(message, culture(language))).toMatch(expected[language]);
  });
});

it("uses the locale's region for numbers, the language's catalogue for words", () => {
  const message: VisitorMessage = { key: "message.too-long", params: { length: 2431, max: 2000 } };
  expect(visitorText(message, culture("de", "de-CH"))).toMatch(/^Ihre Frage ist 2['’]431 Zeichen lang\./);
});

it("needs the values a text's placeholders ask for: a missing one fails to compile (npm run typecheck)", () => {
  const wrong = (): VisitorMessage[] => [
    // @ts-expect-error "name.too-long" says "at most {max} characters": leaving out max is a type error.
    { key: "name.too-long" },
    // @ts-expect-error a key outside the catalogue has no text in any language.
    { key: "name.unknown" },
  ];
  expect(wrong).toBeTypeOf("function");
  const right: VisitorMessage = { key: "name.too-long", params: { max: 100 } };
  expect(visitorText(right, culture("en"))).toBe("That name is too long. Please use at most 100 characters.");
});
