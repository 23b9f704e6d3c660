import { ConfigError, loadConfig } from "@caic-handover/core/config/config";
import {
  type Culture,
  CultureRequestSchema,
  LANGUAGES,
  requestedCulture,
  resolveCulture,
} from "@caic-handover/core/language/culture";
import { BadRequestError } from "@caic-handover/core/shared/errors";
import { parseInput } from "@caic-handover/core/shared/input";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const EN: Culture = { language: "en", locale: "en" };
const NL: Culture = { language: "nl", locale: "nl-NL" };
/** A call's fields (query, JSON or form) as the handlers read them. */
const fromCall = (fields: Record<string, unknown>, fallback: Culture = EN) =>
  requestedCulture(parseInput(CultureRequestSchema, fields), fallback);

describe("the culture of a call", () => {
  it.each([
    ["nl-NL", "nl", "nl-NL"],
    ["nl", "nl", "nl"],
    ["en-GB", "en", "en-GB"],
    ["de-DE", "de", "de-DE"],
    ["fr-FR", "fr", "fr-FR"],
    ["es-ES", "es", "es-ES"],
    ["NL-nl", "nl", "nl-NL"],
    ["en-gb", "en", "en-GB"],
    ["DE", "de", "de"],
    ["fr_BE", "fr", "fr-BE"],
    [" es-MX ", "es", "es-MX"],
    ["nl-NL-u-hc-h12", "nl", "nl-NL"],
  ])("%j is CAIC's way of writing a culture: %s texts, %s dates", (culture, language, locale) => {
    expect(fromCall({ culture })).toEqual({ language, locale });
  });

  it("keeps a region it has no texts for: its language's texts, the region's dates", () => {
    expect(fromCall({ culture: "nl-BE" })).toEqual({ language: "nl", locale: "nl-BE" });
    expect(fromCall({ culture: "de-AT" })).toEqual({ language: "de", locale: "de-AT" });
    expect(fromCall({ culture: "fr-CA" })).toEqual({ language: "fr", locale: "fr-CA" });
  });

  it("falls back to the default for a language without texts", () => {
    expect(fromCall({ culture: "pt-BR" })).toEqual(EN);
    expect(fromCall({ culture: "fy-NL" }, NL)).toEqual(NL);
    expect(fromCall({ culture: "zz" }, NL)).toEqual(NL);
  });

  it("counts an unset variable (empty, null, an unreplaced placeholder) or text that is no culture as absent", () => {
    const unset = ["", "   ", null, "null", "NULL", "undefined", "{{culture}}", "%culture%", "$culture", "nl NL", "12"];
    for (const culture of unset) expect(fromCall({ culture }, NL), JSON.stringify(culture)).toEqual(NL);
    expect(fromCall({}, NL)).toEqual(NL);
  });

  it("takes locale when culture is absent or unset, and culture when both are given", () => {
    expect(fromCall({ locale: "de-DE" })).toEqual({ language: "de", locale: "de-DE" });
    expect(fromCall({ culture: "", locale: "fr-FR" })).toEqual({ language: "fr", locale: "fr-FR" });
    expect(fromCall({ culture: "{{culture}}", locale: "fr-FR" })).toEqual({ language: "fr", locale: "fr-FR" });
    expect(fromCall({ culture: "es-ES", locale: "de-DE" })).toEqual({ language: "es", locale: "es-ES" });
  });

  it.each([
    [{ culture: 31 }, "culture must be a string"],
    [{ locale: ["nl"] }, "locale must be a string"],
    [{ culture: `nl-${"x".repeat(70)}` }, "culture must be at most 64 characters"],
  ])("%j is a malformed request: a 400 naming the field", (fields, problem) => {
    const call = () => fromCall(fields);
    expect(call).toThrow(BadRequestError);
    expect(call).toThrow(problem);
  });

  it("gives any text either a culture with texts or a 400, never anything else", () => {
    const tag = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc
        .tuple(
          fc.constantFrom(...LANGUAGES, "pt", "fy", "zh", "xx"),
          fc.constantFrom("", "-", "_"),
          fc.constantFrom("", "NL", "be", "Gb", "419", "Latn"),
        )
        .map(([language, separator, region]) => `${language}${region ? separator : ""}${region}`),
    );
    fc.assert(
      fc.property(tag, (culture) => {
        try {
          const result = fromCall({ culture }, NL);
          expect(LANGUAGES).toContain(result.language);
          expect(() => new Intl.DateTimeFormat(result.locale)).not.toThrow();
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestError);
        }
      }),
    );
  });

  it("resolves a supported language with any region and case to that language", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LANGUAGES),
        fc.constantFrom("NL", "BE", "DE", "AT", "CH", "FR", "CA", "ES", "MX", "GB", "US", "XX"),
        fc.boolean(),
        (language, region, upper) => {
          const tag = `${language}-${region}`;
          const resolved = resolveCulture(upper ? tag.toUpperCase() : tag.toLowerCase(), EN);
          expect(resolved).toEqual({ language, locale: `${language}-${region}` });
        },
      ),
    );
  });
});

describe("DEFAULT_CULTURE", () => {
  const required = {
    CM_TECHNICAL_LINK_ID: "tl",
    ROUTER_CLIENT_ADAPTER_ID: "a",
    ROUTER_BOT_ADAPTER_ID: "b",
    ROUTER_AGENT_ADAPTER_ID: "c",
  };

  it("is English when not set", () => {
    expect(loadConfig(required).DEFAULT_CULTURE).toEqual({ language: "en", locale: "en" });
    expect(loadConfig({ ...required, DEFAULT_CULTURE: "" }).DEFAULT_CULTURE).toEqual({ language: "en", locale: "en" });
  });

  it("takes a culture as CAIC writes it", () => {
    expect(loadConfig({ ...required, DEFAULT_CULTURE: "nl-nl" }).DEFAULT_CULTURE).toEqual({
      language: "nl",
      locale: "nl-NL",
    });
    expect(loadConfig({ ...required, DEFAULT_CULTURE: "en-GB" }).DEFAULT_CULTURE).toEqual({
      language: "en",
      locale: "en-GB",
    });
  });

  it.each(["pt-BR", "{{culture}}"])("refuses %j at start, naming the setting and the languages it may be", (value) => {
    const start = () => loadConfig({ ...required, DEFAULT_CULTURE: value });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(
      /DEFAULT_CULTURE is invalid \(.*not a culture of a language with texts \(nl, en, de, fr, es\)/,
    );
  });
});
