/**
 * What keyboards, input methods and copying add that nobody sees: removed before any field is
 * checked (docs/intake.md §1, §2, §7), except what changes what is shown, which is refused.
 */

import { lazyRegExp } from "./lazy-regexp";

export const ZWNJ = "\u200c";
export const ZWJ = "\u200d";
/** Mongolian vowel separator: a format character Mongolian spelling needs, like the joiners. */
export const MVS = "\u180e";
/**
 * Invisible characters: format characters (Unicode Cf: zero-width space, word joiner, soft hyphen,
 * BOM, direction marks) and the other default-ignorable ones (Hangul fillers, combining grapheme
 * joiner, variation selectors, Mongolian free variation selectors).
 */
const INVISIBLE = lazyRegExp(String.raw`[\p{Cf}\p{DI}]`);
/** Joiners a script spells with (after a letter or mark), and the joiner inside an emoji sequence. */
const SPELLING_JOINERS = /^(?:\u200c|\u200d|[\u180b-\u180f])$/u;
const LETTER_OR_MARK = lazyRegExp(String.raw`[\p{L}\p{M}]`);
const EMOJI = lazyRegExp(String.raw`\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u20e3|\ufe0f`);
/** Variation selectors pick a glyph (an emoji's colour form, a Han variant): kept after a visible character. */
const VARIATION_SELECTOR = /^[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;
/** Tag characters spell a subdivision flag (🏴 + tags): kept after the flag. */
const TAG = /^[\u{e0020}-\u{e007f}]$/u;
/**
 * Characters that reorder what is shown (embeddings, overrides, isolates): the agent would read
 * another text than the visitor sees, so an answer with one is refused, not cleaned.
 */
export const DIRECTION_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;

/**
 * Invisible characters go. With `keepJoiners` (names, questions), what a script or an emoji needs
 * stays: a zero-width (non-)joiner or a Mongolian separator after a letter or mark (Persian,
 * Kurdish, the Indic scripts), a joiner inside an emoji sequence, a variation selector after a
 * visible character, the tags of a flag.
 */
export function removeFormatCharacters(text: string, keepJoiners: boolean): string {
  if (!INVISIBLE().test(text)) return text;
  const chars = Array.from(text);
  return chars
    .filter((char, i) => {
      if (!INVISIBLE().test(char)) return true;
      if (!keepJoiners) return false;
      const before = chars[i - 1] ?? "";
      if (SPELLING_JOINERS.test(char)) return LETTER_OR_MARK().test(before) || (char === ZWJ && EMOJI().test(before));
      if (VARIATION_SELECTOR.test(char)) return before !== "" && !/\s/u.test(before) && !INVISIBLE().test(before);
      if (TAG.test(char)) return before === "\u{1f3f4}" || TAG.test(before);
      return false;
    })
    .join("");
}

const BLANK = lazyRegExp(String.raw`^[\s\p{M}\p{Cf}\p{DI}\u2800]*$`);

/** Text that shows nothing: only white space, blanks (braille blank, Hangul fillers) and marks with no letter. */
export function isBlank(text: string): boolean {
  return BLANK().test(text);
}
