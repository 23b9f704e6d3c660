import type { IntakeField } from "../config/config";
import { DIRECTION_CONTROLS, type InvisibleMode, MVS, removeFormatCharacters, ZWJ, ZWNJ } from "../language/invisible";
import type { VisitorMessage } from "../language/messages";
import { lazyRegExp } from "../shared/lazy-regexp";
import { checkDomain } from "./email-domain";
import type { Validation } from "./field-validator";
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from "./intake-limits";
import { validateMessage } from "./intake-message";

/** The messages that need no parameters. */
type PlainKey = Exclude<VisitorMessage, { params: unknown }>["key"];

const valid = (value: string): Validation => ({ ok: true, value });
const invalid = (key: PlainKey): Validation => ({ ok: false, key }) as Validation;

// Shared by every field: what keyboards, input methods and copying add to what a person meant.

/**
 * Compatibility forms input methods and copying produce, folded: full- and half-width forms (CJK
 * keyboards), Latin and Arabic presentation forms and ligatures (text copied from PDFs), Roman numerals.
 */
const COMPATIBILITY_FORMS = /[\u2160-\u2188\ufb00-\ufb06\ufb13-\ufb17\ufb50-\ufdff\ufe70-\ufefc\uff01-\uffee]/gu;

function foldCompatibilityForms(text: string): string {
  return text.replace(COMPATIBILITY_FORMS, (char) => char.normalize("NFKC"));
}

/** Typographic apostrophes: smart punctuation (as an iPhone types `'`), and primes. */
const APOSTROPHES = /[\u2018\u2019\u201b\u2032]/g;
/** In a name, an acute or grave accent typed alone stands for an apostrophe too (in an address `` ` `` is a valid character). */
const NAME_APOSTROPHES = /[\u00b4`]/g;
const QUOTATION_MARKS = /[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033\u301d\u301e]/g;
const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63]/g;

function typedText(raw: string, invisible: InvisibleMode): string {
  return foldCompatibilityForms(removeFormatCharacters(raw, invisible)).normalize("NFC").replace(APOSTROPHES, "'");
}

// Names.

/** Punctuation real names use: apostrophe, quotes around a nickname, hyphen, initials, "Smith, Jr.", "(née …)", middle dots (Catalan, CJK transliterations), Hebrew geresh and maqaf, Armenian apostrophe, Tibetan tsheg. */
const NAME_PUNCTUATION = "'\".,()\\-\u00b7\u2027\u30fb\u05f3\u05f4\u05be\u055a\u0f0b\u0f0c";
const NAME_CHARACTERS = lazyRegExp(`^[\\p{L}\\p{M}${ZWNJ}${ZWJ}${MVS}\\u180b-\\u180d\\u180f ${NAME_PUNCTUATION}]+$`);
/** A letter other than a modifier letter. */
const NAME_LETTER = lazyRegExp(String.raw`(?!\p{Lm})\p{L}`);
/** A part of a local part starting with a combining mark, which draws on whatever precedes it. */
const MARK_FIRST = lazyRegExp(String.raw`^\p{M}`);
/** More combining marks on one letter than any script spells with ("Zalgo" text). */
const STACKED_MARKS = lazyRegExp(String.raw`\p{M}{7,}`);
const EMAIL_LIKE = /[^\s@]+@[^\s@]+/;
const URL_LIKE = /[a-z][a-z0-9+.-]*:\/\/|(^|\s)www\.|^mailto:/i;
/** A host with a path after it (`spam.example/offer`, `example.nl/`): a name has no `/`. */
const HOST_WITH_PATH = lazyRegExp(String.raw`(^|\s)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+\/\S*`);
/**
 * The generic top-level domains nobody's name ends in. Country codes are not among them: `a.ng`,
 * `j.li`, `K.de`, `Ly.ly` are initials and a surname (docs/intake.md §1).
 */
const WEB_ONLY_ENDINGS = lazyRegExp(
  String.raw`(?:^|\s)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|net|org|info|biz)(?=\s|$)`,
  "iu",
);
/** A combining mark that sits on no letter: at the start, after a space or punctuation. */
const LONE_MARK = lazyRegExp(String.raw`(^|[^\p{L}\p{M}\u200c\u200d])\p{M}`);
/** A digit of any script. */
const DIGIT = lazyRegExp(String.raw`\p{N}`);

/**
 * A web address typed as the name: a scheme, `www.`, a host with a path, or any word of the answer a
 * host under `.com`, `.net`, `.org`, `.info` or `.biz` (`Jan spam.com`). Anything else with dots can be initials
 * joined to a name (`Th.Jansen`, `Wei.lu`, `Anne-Marie.de`).
 */
function looksLikeWebAddress(value: string): boolean {
  return URL_LIKE.test(value) || HOST_WITH_PATH().test(value) || WEB_ONLY_ENDINGS().test(value);
}

/** The name as the visitor meant it, before it is checked: NFC, one space between words, `'` for `’`. */
export function normaliseName(raw: string): string {
  return typedText(raw, "script")
    .replace(NAME_APOSTROPHES, "'")
    .replace(QUOTATION_MARKS, '"')
    .replace(DASHES, "-")
    .replace(/\s+/gu, " ")
    .trim();
}

/**
 * A person's name in any script: letters, combining marks, the joiners a script needs and the
 * punctuation names use; no e-mail or web address, digits or control characters.
 */
export function validateName(raw: string): Validation {
  const value = normaliseName(raw);
  if (value === "") return invalid("name.empty");
  if (Array.from(value).length > MAX_NAME_LENGTH)
    return { ok: false, key: "name.too-long", params: { max: MAX_NAME_LENGTH } };
  if (EMAIL_LIKE.test(value)) return invalid("name.email-address");
  if (looksLikeWebAddress(value)) return invalid("name.web-address");
  if (DIGIT().test(value)) return invalid("name.digits");
  if (
    DIRECTION_CONTROLS.test(raw) ||
    !NAME_CHARACTERS().test(value) ||
    // A letter other than a modifier letter (`ʹʺ` alone are marks of stress, not a name).
    !NAME_LETTER().test(value) ||
    STACKED_MARKS().test(value) ||
    LONE_MARK().test(value)
  ) {
    return invalid("name.invalid-characters");
  }
  return valid(value);
}

// E-mail addresses.

/** What one character of an address's local part may be: RFC 5322 atext, and letters/digits/marks of any script (RFC 6531), and the joiners a script spells with. */
const LOCAL_ATOM = lazyRegExp("^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\p{L}\\p{M}\\p{N}-]|\\u200c|\\u200d)+$");
const MAX_LOCAL_OCTETS = 64;
/** Pairs people copy around an address: `<…>`, `(…)`, `[…]` and quotation marks. */
const WRAPPING_PAIRS: ReadonlyArray<[string, string]> = [
  ["<", ">"],
  ["(", ")"],
  ["[", "]"],
  ['"', '"'],
  ["'", "'"],
  ["\u201c", "\u201d"],
  ["\u201e", "\u201c"],
  ["\u201e", "\u201d"],
  ["\u201a", "'"],
  ["\u00ab", "\u00bb"],
  ["\u00bb", "\u00ab"],
];

/**
 * Sentence punctuation of any script after an address (`.` `,` `!` `…` `،` `、` `—` `’`): no domain ends
 * in it. A closing quote whose opening half starts the text is left to the pairs above; `@` and closing
 * brackets (a Markdown link) are never taken off, nor what continues a link or a domain (`/` `\\` `#` `%` `&` `*` `-`): such a
 * tail makes the address refused, not cut off.
 */
const TRAILING_PUNCTUATION = lazyRegExp(String.raw`^(.*?)(?:(?![@/\\#%&*-])[\p{Po}\p{Pd}\p{Pf}])+$`, "su");

function trailingPunctuation(text: string): string | undefined {
  if (WRAPPING_PAIRS.some(([open, close]) => text.startsWith(open) && text.endsWith(close))) return undefined;
  const match = TRAILING_PUNCTUATION().exec(text);
  return match ? match[1]!.trim() : undefined;
}

type Unwrapped = { address: string } | { problem: PlainKey };

/**
 * One unwrapping step; undefined when nothing more can be taken off. Each removes only what cannot
 * be part of an address: a `mailto:` link, angle brackets after a display name, a Markdown or
 * Slack link, surrounding brackets or quotes, and a full stop or comma after it.
 */
function unwrapOnce(text: string): Unwrapped | undefined {
  const markdown = /^\[([^\]]*)\]\(([^()]*)\)$/su.exec(text);
  if (markdown) return shownAndTarget(markdown[1]!, markdown[2]!);

  const mailto = /^mailto:(?:\/\/)?(.*)$/isu.exec(text);
  if (mailto) {
    // Only an encoded `@` is decoded: any other escape stays as typed and meets the rules of a bare address.
    const link = mailto[1]!.replace(/%40/gi, "@");
    const at = link.indexOf("@");
    // After the `@`, a literal `?` starts the link's headers and `|` a chat app's label: neither can be in a domain.
    const end = at < 0 ? -1 : link.slice(at).search(/[?|]/);
    const address = (end < 0 ? link : link.slice(0, at + end)).trim();
    if (address === "" || address.startsWith("?")) return { problem: "email.mailto-without-address" };
    const label = end >= 0 && link[at + end] === "|" ? link.slice(at + end + 1) : "";
    return shownAndTarget(label, address);
  }

  const trailing = trailingPunctuation(text);
  if (trailing !== undefined) return { address: trailing };

  const named = /^(.*?)<([^<>]*)>$/su.exec(text);
  if (named && named[1]!.trim() !== "") {
    if (/[<>]/.test(named[1]!.replace(/"(?:[^"\\]|\\.)*"/gu, ""))) return { problem: "email.several" };
    return shownAndTarget(named[1]!, named[2]!);
  }

  for (const [open, close] of WRAPPING_PAIRS) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) {
      return { address: text.slice(open.length, -close.length).trim() };
    }
  }
  return undefined;
}

/**
 * A link or a display name shows one text and points at another: the target is the address, unless
 * the shown text is itself an address and another one (`[jane@x.com](mailto:bob@evil.com)`,
 * `"jane@x.com" <bob@evil.com>`): which one the visitor means is a guess, as with two addresses.
 */
function shownAndTarget(shown: string, target: string): Unwrapped {
  const resolved = unwrapAddress(target.trim());
  if ("problem" in resolved || !shown.includes("@")) return resolved;
  const named = unwrapAddress(shown.trim());
  if ("problem" in named || named.address.toLowerCase() !== resolved.address.toLowerCase()) {
    return { problem: "email.several" };
  }
  return resolved;
}

/** The one address inside what a visitor pasted, or why there is not exactly one. */
function unwrapAddress(text: string): Unwrapped {
  let address = text;
  for (let step = 0; step < 8; step++) {
    const next = unwrapOnce(address);
    if (next === undefined) break;
    if ("problem" in next) return next;
    address = next.address;
  }
  return { address };
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** The address as the visitor meant it: invisible characters removed but the joiners (IDNA spells with them), compatibility forms folded, NFC, `ʼ` as `'`, trimmed. */
export function normaliseEmailInput(raw: string): string {
  return typedText(raw, "joiners")
    .replace(/\u3002/g, ".")
    .replace(/\u02bc/g, "'")
    .replace(/^[\s\u200c\u200d]+|[\s\u200c\u200d]+$/gu, "");
}

/**
 * One e-mail address: exactly what was typed, less the wrappers above and the normalisation of
 * `normaliseEmailInput`; the local part as typed (case kept), the domain lower-cased and checked by
 * `checkDomain` (never repaired). At most 254 characters.
 */
export function validateEmail(raw: string): Validation {
  if (DIRECTION_CONTROLS.test(raw)) return invalid("email.invalid");
  const text = normaliseEmailInput(raw);
  if (text === "") return invalid("email.empty");
  const unwrapped = unwrapAddress(text);
  if ("problem" in unwrapped) return invalid(unwrapped.problem);
  const address = unwrapped.address;
  if (address === "") return invalid("email.empty");

  const ats = address.split("@").length - 1;
  if (/[,;]/.test(address) && ats >= 1) return invalid("email.several");
  if (/\s/u.test(address)) return invalid(ats > 1 ? "email.several" : "email.spaces");
  if (ats > 1) return invalid("email.several");
  if (ats === 0) return invalid("email.no-at");
  if (Array.from(address).length > MAX_EMAIL_LENGTH) return invalid("email.too-long");

  const at = address.indexOf("@");
  // In the local part a joiner stays only where its script spells with it, as in a name; the domain keeps every one for IDNA to judge.
  const local = removeFormatCharacters(address.slice(0, at), "script");
  const domain = address.slice(at + 1);
  if (local === "" || utf8Length(local) > MAX_LOCAL_OCTETS) return invalid("email.invalid");
  if (!local.split(".").every((atom) => LOCAL_ATOM().test(atom) && !MARK_FIRST().test(atom))) {
    return invalid("email.invalid");
  }
  if (STACKED_MARKS().test(local)) return invalid("email.invalid");

  const storedDomain = checkDomain(domain);
  if (storedDomain === undefined) return invalid("email.domain");
  return valid(`${local}@${storedDomain}`);
}

export const VALIDATORS: Record<IntakeField, (raw: string) => Validation> = {
  email: validateEmail,
  name: validateName,
  message: validateMessage,
};
