import * as z from "zod/mini";

/** The languages every visitor-facing text exists in (the catalogue: `messages.ts`). */
export const LANGUAGES = ["nl", "en", "de", "fr", "es"] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The visitor's culture as this product uses it: the catalogue language its texts are in, and
 * the locale dates are formatted with (`nl-BE` keeps its region; extensions such as `-u-hc-h12` are dropped).
 */
export interface Culture {
  language: Language;
  locale: string;
}

/** A culture longer than this is not one CAIC sends; the request is malformed. */
const MAX_CULTURE_LENGTH = 64;

const isLanguage = (language: string): language is Language => (LANGUAGES as readonly string[]).includes(language);

type Tag = { locale: string; language: string };
/** A bot sends the same few cultures on every call; reading one with Intl is the costly part. */
const tags = new Map<string, Tag | null>();
const CACHED_TAGS = 256;

/** A language tag as CAIC writes it (`nl-NL`, `nl`, `en-GB`; any case; `_` read as `-`), or undefined if it is none. */
function readTag(text: string): Tag | undefined {
  let tag = tags.get(text);
  if (tag === undefined) {
    tag = parseTag(text);
    if (tags.size >= CACHED_TAGS) tags.clear();
    tags.set(text, tag);
  }
  return tag ?? undefined;
}

function parseTag(text: string): Tag | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(text.trim().replaceAll("_", "-"));
    if (canonical === undefined) return null;
    const locale = new Intl.Locale(canonical);
    return { locale: locale.baseName, language: locale.language };
  } catch {
    return null;
  }
}

/**
 * The culture to answer in: a requested culture whose language has texts keeps its region for
 * dates (`nl-BE`, `de-AT`); its language serves an unknown region (`nl-XX`); any other language
 * (`pt-BR`) gets the default.
 */
export function resolveCulture(requested: string | undefined, fallback: Culture): Culture {
  if (requested === undefined) return fallback;
  const tag = readTag(requested);
  return tag !== undefined && isLanguage(tag.language) ? { language: tag.language, locale: tag.locale } : fallback;
}

const CULTURE_SETTING_ACCEPTS = `a culture of a language with texts (${LANGUAGES.join(", ")}), such as "nl-NL" or "en"`;

/** `DEFAULT_CULTURE`: a culture of a language the catalogue has, checked at start. */
export const CultureSetting = z.pipe(
  z.string(),
  z.transform((text, ctx): Culture => {
    const tag = readTag(text);
    if (tag === undefined || !isLanguage(tag.language)) {
      ctx.issues.push({
        code: "custom",
        input: text,
        message: `"${text}" is not ${CULTURE_SETTING_ACCEPTS}`,
      });
      return z.NEVER;
    }
    return { language: tag.language, locale: tag.locale };
  }),
);
z.globalRegistry.add(CultureSetting, { description: CULTURE_SETTING_ACCEPTS });

const cultureText = z.optional(z.nullable(z.string().check(z.maxLength(MAX_CULTURE_LENGTH))));

/** The visitor's culture in a call: `culture` (CAIC's word) or `locale`, in the query, a JSON or a form body. */
export const CultureRequestSchema = z.object({ culture: cultureText, locale: cultureText });
export type CultureRequest = z.infer<typeof CultureRequestSchema>;

/**
 * The culture a call asks for: the first of `culture` and `locale` that holds a language tag. Text
 * that is none (empty, `null`, an unreplaced `{{culture}}`) counts as absent, like any unset dialog
 * variable: the visitor still gets an answer, in the default language.
 */
export function requestedCulture(request: CultureRequest, fallback: Culture): Culture {
  const given = [request.culture, request.locale].find((text) => text && readTag(text) !== undefined);
  return resolveCulture(given ?? undefined, fallback);
}

/** The visitor's culture as a language tag (`nl-NL`, `pt-BR`) for CM's routing, whatever texts exist for it; undefined when none is given. */
export function cultureTag(request: CultureRequest): string | undefined {
  for (const text of [request.culture, request.locale]) {
    const tag = text ? readTag(text) : undefined;
    if (tag !== undefined) return tag.locale;
  }
  return undefined;
}
