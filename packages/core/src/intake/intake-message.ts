import { DIRECTION_CONTROLS, isBlank, removeFormatCharacters } from "../language/invisible";
import { lazyRegExp } from "../shared/lazy-regexp";
import type { Validation } from "./field-validator";

/** The visitor's question: free text an agent answers later (SPEC §3 Intake, `message`). */
export const MAX_MESSAGE_LENGTH = 2000;
/** Control, private-use, unassigned and lone surrogate code points (compiled on first use: `\p{Cn}` is a large class). */
const UNSHOWABLE = lazyRegExp(String.raw`[\p{Cc}\p{Co}\p{Cn}\p{Cs}]`);

/**
 * Trimmed, 1–2000 characters (code points), line breaks kept (`\r\n` and `\r` become `\n`), any
 * other control character, private-use, unassigned or lone surrogate code point refused; invisible characters removed as in a name, direction controls
 * refused, and a question of only blanks and marks is no question (docs/intake.md §7).
 */
export function validateMessage(raw: string): Validation {
  // Line breaks and tabs may come with a pasted question; any other control character may not, nor
  // what shows as a box or differently per device: private-use, unassigned, a lone surrogate (as in a name).
  if (UNSHOWABLE().test(raw.replace(/[\t\n\r]/g, ""))) {
    return { ok: false, key: "message.control-characters" };
  }
  if (DIRECTION_CONTROLS.test(raw)) return { ok: false, key: "message.direction-characters" };
  const value = removeFormatCharacters(raw, "script").normalize("NFC").replace(/\r\n?/g, "\n").trim();
  if (isBlank(value)) return { ok: false, key: "message.empty" };
  const length = Array.from(value).length;
  if (length > MAX_MESSAGE_LENGTH) {
    return { ok: false, key: "message.too-long", params: { length, max: MAX_MESSAGE_LENGTH } };
  }
  return { ok: true, value };
}
