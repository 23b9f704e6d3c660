/**
 * What keyboards, input methods and copying add that nobody sees: removed before any field is
 * checked (docs/intake.md §1, §2, §7), except what changes what is shown, which is refused.
 */

import { lazyRegExp } from "../shared/lazy-regexp";

export const ZWNJ = "\u200c";
export const ZWJ = "\u200d";
/** Mongolian vowel separator: a format character Mongolian spelling needs, like the joiners. */
export const MVS = "\u180e";
/**
 * Invisible characters: format characters (Unicode Cf: zero-width space, word joiner, soft hyphen,
 * BOM, direction marks, tags) and the other default-ignorable ones (Hangul fillers, combining
 * grapheme joiner, variation selectors, Mongolian free variation selectors).
 */
const INVISIBLE = lazyRegExp(String.raw`[\p{Cf}\p{DI}]`);
const JOINERS = /^[\u200c\u200d]$/u;
const MONGOLIAN_SELECTORS = /^[\u180b-\u180f]$/u;
const EMOJI_SELECTORS = /^[\ufe0e\ufe0f]$/u;
/** Variation selectors 1–14 and the ideographic ones: standardised and ideographic variation sequences. */
const GLYPH_SELECTORS = /^[\ufe00-\ufe0d\u{e0100}-\u{e01ef}]$/u;
const BLACK_FLAG = "\u{1f3f4}";
const TAG_SPEC = /^[\u{e0020}-\u{e007e}]$/u;
const CANCEL_TAG = "\u{e007f}";
/**
 * Scripts whose spelling uses the zero-width (non-)joiner: the cursive ones (Arabic, Syriac, N'Ko,
 * Mongolian and their kin: RFC 5892's joining context) and the Brahmic ones with a virama (the
 * Indic scripts, Sinhala, Myanmar, Khmer, Tibetan, Balinese, Javanese).
 */
const JOINING_SCRIPT = lazyRegExp(
  String.raw`[\p{scx=Arab}\p{scx=Syrc}\p{scx=Nkoo}\p{scx=Mand}\p{scx=Mani}\p{scx=Adlm}\p{scx=Rohg}\p{scx=Sogd}\p{scx=Phag}\p{scx=Mong}\p{scx=Deva}\p{scx=Beng}\p{scx=Guru}\p{scx=Gujr}\p{scx=Orya}\p{scx=Taml}\p{scx=Telu}\p{scx=Knda}\p{scx=Mlym}\p{scx=Sinh}\p{scx=Mymr}\p{scx=Khmr}\p{scx=Tibt}\p{scx=Bali}\p{scx=Java}\p{scx=Sund}\p{scx=Newa}\p{scx=Tirh}\p{scx=Gran}\p{scx=Brah}]`,
);
const MONGOLIAN = lazyRegExp(String.raw`\p{scx=Mong}`);
const LETTER_OR_MARK = lazyRegExp(String.raw`^[\p{L}\p{M}]$`);
/** A mark of no script of its own (an acute accent): the script is the letter's it sits on. */
const INHERITED_MARK = lazyRegExp(String.raw`^\p{sc=Zinh}$`);
/** What a zero-width joiner joins inside an emoji sequence (👨‍👩‍👧, 🏳️‍🌈). */
const EMOJI_BEFORE_JOINER = lazyRegExp(String.raw`^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\ufe0f|\u20e3)$`);
const PICTOGRAPH = lazyRegExp(String.raw`^\p{Extended_Pictographic}$`);
/** Characters with an emoji and a text form: U+FE0F / U+FE0E pick one (❤️, 1️⃣). */
const EMOJI_CAPABLE = lazyRegExp(String.raw`^\p{Emoji}$`);
/** Characters with standardised or ideographic variation sequences: Han, Myanmar, Phags-pa, Manichaean, math symbols. */
const GLYPH_VARIANT_BASE = lazyRegExp(String.raw`^[\p{Ideographic}\p{scx=Mymr}\p{scx=Phag}\p{scx=Mani}\p{Sm}]$`);

/**
 * Characters that reorder what is shown (embeddings, overrides, isolates): the agent would read
 * another text than the visitor sees, so an answer with one is refused, not cleaned.
 */
export const DIRECTION_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;

/**
 * What stays of the invisible characters:
 * - `none`: nothing (kept by nobody today; the address uses `joiners`);
 * - `joiners`: only U+200C and U+200D, so an e-mail domain keeps them for IDNA to judge (RFC 5892
 *   CONTEXTJ) instead of turning `نامه‌نگار.ir` into another domain;
 * - `script` (names, questions): only what a script or an emoji spells with (docs/intake.md §1 step 1).
 */
export type InvisibleMode = "none" | "joiners" | "script";

/**
 * Invisible characters go, except what `mode` keeps. In `script` mode, judged against what is kept
 * before it (a removed character never vouches for the next): a zero-width (non-)joiner after a
 * letter or mark of a script that spells with it; a joiner between two emoji; a Mongolian selector
 * or vowel separator after Mongolian; U+FE0E/U+FE0F after a character with an emoji form; another
 * variation selector after a Han ideograph or another character with registered variants; tag
 * characters only as a whole emoji tag sequence (🏴, tags, CANCEL TAG), never loose.
 */
export function removeFormatCharacters(text: string, mode: InvisibleMode): string {
  if (!INVISIBLE().test(text)) return text;
  const chars = Array.from(text);
  const kept: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (mode === "script" && char === BLACK_FLAG) {
      kept.push(char);
      let end = i + 1;
      while (end < chars.length && TAG_SPEC.test(chars[end]!)) end++;
      if (end > i + 1 && chars[end] === CANCEL_TAG) {
        kept.push(...chars.slice(i + 1, end + 1));
        i = end;
      }
      continue;
    }
    if (!INVISIBLE().test(char)) kept.push(char);
    else if (mode === "joiners" && JOINERS.test(char)) kept.push(char);
    else if (mode === "script" && spells(char, kept, chars[i + 1] ?? "")) kept.push(char);
  }
  return kept.join("");
}

/** Whether a script or an emoji needs the invisible `char` after what is kept so far. */
function spells(char: string, kept: string[], next: string): boolean {
  const before = kept.at(-1) ?? "";
  if (JOINERS.test(char)) {
    if (char === ZWJ && EMOJI_BEFORE_JOINER().test(before) && PICTOGRAPH().test(next)) return true;
    return LETTER_OR_MARK().test(before) && JOINING_SCRIPT().test(baseOf(kept));
  }
  if (MONGOLIAN_SELECTORS.test(char)) return LETTER_OR_MARK().test(before) && MONGOLIAN().test(baseOf(kept));
  if (EMOJI_SELECTORS.test(char)) return EMOJI_CAPABLE().test(before);
  if (GLYPH_SELECTORS.test(char)) return GLYPH_VARIANT_BASE().test(before);
  return false;
}

/** The last kept character that is not a mark of no script of its own. */
function baseOf(kept: string[]): string {
  for (let i = kept.length - 1; i >= 0; i--) if (!INHERITED_MARK().test(kept[i]!)) return kept[i]!;
  return "";
}

const BLANK = lazyRegExp(String.raw`^[\s\p{M}\p{Cf}\p{DI}\u2800]*$`);

/** Text that shows nothing: only white space, blanks (braille blank, Hangul fillers) and marks with no letter. */
export function isBlank(text: string): boolean {
  return BLANK().test(text);
}
