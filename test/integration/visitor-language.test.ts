import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, newChatId, startHarness } from "../support/harness";

const DAY_MS = 86_400_000;
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const ALL_WEEK = Object.fromEntries(
  ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].map((day) => [day, [["00:00", "24:00"]]]),
);
const WEEKDAYS = {
  nl: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
  en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
};
const MONTHS = {
  nl: "januari februari maart april mei juni juli augustus september oktober november december".split(" "),
  en: "January February March April May June July August September October November December".split(" "),
};

const NOT_AN_ADDRESS = "jane..doe@example.com";
const SAYS_NOT_AN_ADDRESS = {
  en: "That doesn't look like an e-mail address. Please check it and try again.",
  nl: "Dat lijkt geen e-mailadres. Controleer het en probeer het opnieuw.",
  de: "Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie sie und versuchen Sie es erneut.",
  fr: "Cela ne ressemble pas à une adresse e-mail. Veuillez la vérifier et réessayer.",
  es: "Eso no parece una dirección de correo electrónico. Revísela e inténtelo de nuevo.",
};

// Each block cold-starts the handlers with its own settings, as a new deployment would.
describe("with the default DEFAULT_CULTURE (en) and the desk closed today", () => {
  const today = Math.floor(Date.now() / DAY_MS);
  // Closed two days either side of today's UTC date, so Amsterdam's date is closed too at any hour;
  // the desk opens at 00:00 Amsterdam time on the third day.
  const opensOn = today + 3;
  let h: Harness;
  beforeAll(async () => {
    vi.resetModules();
    delete process.env.DEFAULT_CULTURE;
    const holidays = [-2, -1, 0, 1, 2].map((offset) => dateOf(today + offset));
    h = await startHarness({
      BUSINESS_HOURS: JSON.stringify({ timeZone: "Europe/Amsterdam", weekly: ALL_WEEK, holidays }),
    });
  });
  afterAll(() => h.close());

  it("answers a wrong e-mail address in the culture the call gives: query, JSON, form, or locale", async () => {
    const chatId = newChatId();
    const asked = [
      await h.call("POST", "/intake/email", { query: { chatId, culture: "nl-NL" }, body: { value: NOT_AN_ADDRESS } }),
      await h.call("POST", "/intake/email", { body: { chatId, value: NOT_AN_ADDRESS, culture: "DE-de" } }),
      await h.call("POST", "/intake/email", {
        body: new URLSearchParams({ chatId, value: NOT_AN_ADDRESS, culture: "fr-FR" }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    ];
    expect(asked.map((answer) => [answer.status, answer.json.message])).toEqual([
      [200, SAYS_NOT_AN_ADDRESS.nl],
      [200, SAYS_NOT_AN_ADDRESS.de],
      [200, SAYS_NOT_AN_ADDRESS.fr],
    ]);
    const spanish = await h.call("POST", "/intake/email", { body: { chatId, value: NOT_AN_ADDRESS, locale: "es_ES" } });
    expect(spanish.json).toEqual({
      valid: false,
      field: "email",
      message: SAYS_NOT_AN_ADDRESS.es,
      attempts: 4,
      exhausted: true,
    });
  });

  it("answers in English without a culture, with an empty one, or with one it has no texts for", async () => {
    for (const culture of [undefined, "", "null", "pt-BR"]) {
      const body = { chatId: newChatId(), value: NOT_AN_ADDRESS, ...(culture === undefined ? {} : { culture }) };
      const answer = await h.call("POST", "/intake/email", { body });
      expect(answer.json.message, JSON.stringify(culture)).toBe(SAYS_NOT_AN_ADDRESS.en);
    }
  });

  it("fills in a message's numbers for the visitor's language, and leaves a valid answer as it was", async () => {
    const chatId = newChatId();
    const long = await h.call("POST", "/intake/name", { body: { chatId, value: "x".repeat(101), culture: "nl" } });
    expect(long.json.message).toBe("Die naam is te lang. Gebruik maximaal 100 tekens.");
    const valid = await h.call("POST", "/intake/name", { body: { chatId, value: "Jan de Vries", culture: "nl" } });
    expect(valid.json).toEqual({
      valid: true,
      field: "name",
      value: "Jan de Vries",
      complete: false,
      missing: ["email"],
    });
  });

  it("answers in English when the culture variable was not set (an unreplaced placeholder)", async () => {
    const chatId = newChatId();
    const intake = await h.call("POST", "/intake/email", {
      query: { chatId, culture: "{{culture}}" },
      body: { value: NOT_AN_ADDRESS },
    });
    expect(intake.json).toMatchObject({ valid: false, message: SAYS_NOT_AN_ADDRESS.en, attempts: 1 });
  });

  it("refuses a culture that is not text with a 400 naming it, and records nothing", async () => {
    const chatId = newChatId();
    const intake = await h.call("POST", "/intake/email", { body: { chatId, value: NOT_AN_ADDRESS, culture: 31 } });
    expect(intake).toMatchObject({ status: 400, json: { error: "bad_request", message: "culture must be a string" } });
    const availability = await h.call("POST", "/availability", { body: { chatId, locale: { lang: "nl" } } });
    expect(availability).toMatchObject({ status: 400, json: { message: "locale must be a string" } });
    expect(await h.item(chatId)).toBeUndefined();
  });

  it("tells a closed desk's next opening in the visitor's culture and the desk's time zone", async () => {
    const opens = new Date(opensOn * DAY_MS);
    const told = (language: "nl" | "en") =>
      `${WEEKDAYS[language][opens.getUTCDay()]} ${opens.getUTCDate()} ${MONTHS[language][opens.getUTCMonth()]}`;

    const dutch = await h.call("GET", "/availability", { query: { chatId: newChatId(), culture: "nl-NL" } });
    expect(dutch.json).toMatchObject({ agentStatus: "offline", reason: "closed" });
    expect(dutch.json.opensAt).toMatch(new RegExp(`^${dateOf(opensOn)}T00:00:00\\+0[12]:00$`));
    expect(dutch.json.opensAtText).toMatch(new RegExp(`^${told("nl")}\\b.* 00:00$`));

    const webhook = await h.call("POST", "/availability", { body: { url: "https://shop.example", culture: "en-GB" } });
    expect(webhook.json.opensAtText).toMatch(new RegExp(`^${told("en")}\\b.* 00:00$`));
    expect(webhook.json.opensAt).toBe(dutch.json.opensAt);

    const plain = await h.call("GET", "/availability", {
      query: { culture: "nl-NL" },
      headers: { accept: "text/plain" },
    });
    expect(plain.text).toBe("offline");
    expect(h.cm.presence.calls).toHaveLength(0);
  });
});

describe("with DEFAULT_CULTURE=nl-NL", () => {
  let h: Harness;
  beforeAll(async () => {
    vi.resetModules();
    delete process.env.BUSINESS_HOURS;
    h = await startHarness({ DEFAULT_CULTURE: "nl-NL" });
  });
  afterAll(() => {
    delete process.env.DEFAULT_CULTURE;
    return h.close();
  });

  it("answers in Dutch without a culture or with one it has no texts for, and in the culture a call gives", async () => {
    const answers = await Promise.all(
      [{}, { culture: "" }, { culture: "pt-BR" }, { culture: "en-GB" }, { locale: "de" }].map((culture) =>
        h.call("POST", "/intake/email", { body: { chatId: newChatId(), value: NOT_AN_ADDRESS, ...culture } }),
      ),
    );
    expect(answers.map((answer) => answer.json.message)).toEqual([
      SAYS_NOT_AN_ADDRESS.nl,
      SAYS_NOT_AN_ADDRESS.nl,
      SAYS_NOT_AN_ADDRESS.nl,
      SAYS_NOT_AN_ADDRESS.en,
      SAYS_NOT_AN_ADDRESS.de,
    ]);
  });
});
