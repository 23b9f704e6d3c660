import { domainToASCII, domainToUnicode } from "node:url";
import { lazyRegExp } from "../shared/lazy-regexp";

/**
 * The domain of an e-mail address, checked by our own rules before anything converts it, so a
 * domain is accepted exactly as typed (lower-cased, NFC) or refused, never repaired: no URL host
 * parser, which decodes `%41`, cuts off `/path` and turns a malformed `xn--` label into another
 * domain. The rules (IDNA 2008 for the characters, UTS #39 for mixed scripts) and their reasons are
 * in docs/intake.md §2; Node's `url.domainToASCII` is used only to convert a label already checked.
 *
 * Tables are built on first use of a non-ASCII label, so an ASCII domain costs two regular expressions.
 */

const MAX_DOMAIN_OCTETS = 253;
const MAX_LABEL_OCTETS = 63;
/** An ASCII label: letters, digits, hyphens; no hyphen first or last. */
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A label of letters, marks and digits of any script, and hyphens (IDNA 2008 PVALID, roughly); Catalan `l·l` and the katakana middle dot are checked apart. */
const UNICODE_LABEL = lazyRegExp(String.raw`^[\p{L}\p{M}\p{Nd}\u00b7\u30fb\u200c\u200d-]+$`);
/**
 * Letters UTS #39 does not mark Identifier_Status=Allowed and that copy ordinary Latin letters: IPA
 * Extensions (`ɡ`), spacing modifier letters (`ʼ` `ʹ` `ˋ`), phonetic extensions and small capitals
 * (`ᴀ`), modifier tone letters and Latin Extended-E (phonetic).
 */
const NOT_ALLOWED = /[\u0250-\u02ff\u1d00-\u1dbf\ua700-\ua721\uab30-\uab6f]/u;
/** Letters only Turkish and Azerbaijani spell with beside `ı`: a label with one of them (or under `.tr`, `.az`) may hold a dotless `ı`. */
const TURKIC = /[çğöşüə]/u;
/** A top-level label: ASCII letters, or letters and marks of a script other than Latin (an IDN TLD: `.рф`, `.भारत`), never an accented Latin one. */
const TOP_LEVEL_LABEL = lazyRegExp(
  String.raw`^(?:[a-z]{2,63}|(?!\p{scx=Latn})\p{L}(?:(?!\p{scx=Latn})[\p{L}\p{M}])+)$`,
);
const MARK_FIRST = lazyRegExp(String.raw`^\p{M}`);
const CATALAN_DOT = lazyRegExp(String.raw`^(?:[^\u00b7]|(?<=l)\u00b7(?=l))+$`);
const JAPANESE = lazyRegExp(String.raw`[\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Han}]`);
const LETTER_FIRST = lazyRegExp(String.raw`^\p{L}`);
const DIGIT = lazyRegExp(String.raw`^\p{Nd}$`);

/** The domain as stored, or undefined when it is not one a visitor's mailbox can have. */
export function checkDomain(typed: string): string | undefined {
  const domain = typed.toLowerCase().normalize("NFC");
  if (domain === "" || domain.startsWith(".") || domain.endsWith(".")) return undefined;
  const labels = domain.split(".");
  if (labels.length < 2) return undefined;
  const unicodeLabels: string[] = [];
  for (const label of labels) {
    const unicode = checkLabel(label);
    if (unicode === undefined) return undefined;
    unicodeLabels.push(unicode);
  }
  const topLevel = unicodeLabels.at(-1)!;
  const turkicTld = topLevel === "tr" || topLevel === "az";
  if (unicodeLabels.some((label) => label.includes("\u0131") && !turkicTld && !TURKIC.test(label))) return undefined;
  if (unicodeLabels.slice(0, -1).some((label) => wholeScriptConfusable(label, topLevel))) return undefined;
  // A top-level domain is two or more letters: no digit or hyphen (`example.c0m`, `example.co-m`).
  if (!TOP_LEVEL_LABEL().test(topLevel)) return undefined;
  // Conversion only now, of labels already checked: it must give back the same domain.
  const ascii = domainToASCII(domain);
  if (ascii === "" || ascii.length > MAX_DOMAIN_OCTETS) return undefined;
  if (ascii.split(".").some((label) => label.length > MAX_LABEL_OCTETS)) return undefined;
  if (domainToUnicode(ascii) !== unicodeLabels.join(".")) return undefined;
  return domain;
}

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** The label's Unicode form when it passes, else undefined. An `xn--` label is checked as what it decodes to. */
function checkLabel(label: string): string | undefined {
  if (isAscii(label)) {
    if (!ASCII_LABEL.test(label)) return undefined;
    if (label.slice(2, 4) !== "--") return label;
    // Hyphens in the third and fourth place are reserved for A-labels (IDNA 2008, RFC 5891 §4.2.3.1).
    if (!label.startsWith("xn--")) return undefined;
    const unicode = domainToUnicode(label);
    if (unicode === "" || unicode === label || domainToASCII(unicode) !== label) return undefined;
    return isAscii(unicode) ? undefined : checkUnicodeLabel(unicode);
  }
  return checkUnicodeLabel(label);
}

function checkUnicodeLabel(label: string): string | undefined {
  if (!UNICODE_LABEL().test(label) || label.startsWith("-") || label.endsWith("-")) return undefined;
  if (label.slice(2, 4) === "--") return undefined;
  // A mark needs a letter to sit on; compatibility characters (`ſ`, `ǆ`, `ª`) are not IDNA 2008.
  if (MARK_FIRST().test(label) || label.normalize("NFKC") !== label || NOT_ALLOWED.test(label)) return undefined;
  if (!contextRulesHold(label)) return undefined;
  if (!oneNumberSystem(label) || !bidiRuleHolds(label)) return undefined;
  return isHighlyRestrictive(label) ? label : undefined;
}

/** IDNA 2008 CONTEXTO: `·` only between two `l` (Catalan), `・` only beside Japanese script. */
function contextRulesHold(label: string): boolean {
  if (label.includes("\u00b7") && !CATALAN_DOT().test(label)) return false;
  if (label.includes("\u30fb") && !JAPANESE().test(label.replace(/\u30fb/g, ""))) return false;
  return true;
}

const RIGHT_TO_LEFT = lazyRegExp(
  String.raw`[\p{sc=Hebrew}\p{sc=Arabic}\p{sc=Syriac}\p{sc=Thaana}\p{sc=Nko}\p{sc=Adlam}\p{sc=Samaritan}\p{sc=Mandaic}\p{sc=Hanifi_Rohingya}\p{sc=Yezidi}]`,
);

/** RFC 5893 (Bidi), simplified: a right-to-left label starts with a right-to-left letter (`1שלום` shows as another order). */
function bidiRuleHolds(label: string): boolean {
  if (!RIGHT_TO_LEFT().test(label)) return true;
  return LETTER_FIRST().test(label) && RIGHT_TO_LEFT().test(Array.from(label)[0]!) && !/[a-z]/.test(label);
}

/** UTS #39: the decimal digits of a label come from one number system (no `1` beside an Arabic-Indic `٣`). */
function oneNumberSystem(label: string): boolean {
  let zero: number | undefined;
  for (const char of label) {
    if (!DIGIT().test(char)) continue;
    let first = char.codePointAt(0)!;
    while (first > 0 && DIGIT().test(String.fromCodePoint(first - 1))) first--;
    const own = char.codePointAt(0)! - ((char.codePointAt(0)! - first) % 10);
    if (zero !== undefined && own !== zero) return false;
    zero = own;
  }
  return true;
}

// Scripts (UTS #24 Script_Extensions), by ISO 15924 code; built on first use.

const SCRIPT_CODES =
  "Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Geor Glag Gong Gonm Goth Gran Grek Gujr Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sind Sinh Sogd Sogo Sora Soyo Sund Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Toto Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb";

let scriptTests: Array<[string, RegExp]> | undefined;

function scriptTable(): Array<[string, RegExp]> {
  scriptTests ??= SCRIPT_CODES.split(" ").flatMap((code): Array<[string, RegExp]> => {
    try {
      return [[code, new RegExp(`\\p{scx=${code}}`, "u")]];
    } catch {
      return []; // A script newer than this Node's Unicode: its letters match no script and are refused.
    }
  });
  return scriptTests;
}

const COMMON = lazyRegExp(String.raw`^[\p{scx=Zyyy}\p{scx=Zinh}]$`);

/** The scripts a character may belong to, augmented as UTS #39 §5.1 says (Han is also Japanese, Korean, Chinese with Bopomofo). */
function scriptsOf(char: string): Set<string> | undefined {
  if (COMMON().test(char)) return undefined;
  const scripts = new Set(
    scriptTable()
      .filter(([, test]) => test.test(char))
      .map(([code]) => code),
  );
  if (scripts.has("Hani")) for (const code of ["Hanb", "Jpan", "Kore"]) scripts.add(code);
  if (scripts.has("Hira") || scripts.has("Kana")) scripts.add("Jpan");
  if (scripts.has("Hang")) scripts.add("Kore");
  if (scripts.has("Bopo")) scripts.add("Hanb");
  return scripts;
}

function resolvedScripts(chars: string[]): Set<string> {
  let resolved: Set<string> | undefined;
  for (const char of chars) {
    const scripts = scriptsOf(char);
    if (scripts === undefined) continue;
    resolved = resolved === undefined ? scripts : new Set([...resolved].filter((code) => scripts.has(code)));
  }
  return resolved ?? new Set(["Zyyy"]);
}

/**
 * UTS #39 §5.2 "Highly Restrictive": the label is in one script, or Latin with Chinese (Han,
 * Bopomofo), Japanese (Han, Hiragana, Katakana) or Korean (Han, Hangul). A Cyrillic `а` among Latin
 * letters resolves to no script and is refused.
 */
function isHighlyRestrictive(label: string): boolean {
  const chars = Array.from(label);
  if (resolvedScripts(chars).size > 0) return true;
  const nonLatin = chars.filter((char) => !(scriptsOf(char)?.has("Latn") ?? true));
  const rest = resolvedScripts(nonLatin);
  return ["Hanb", "Jpan", "Kore"].some((code) => rest.has(code));
}

/**
 * UTS #39 §4 whole-script confusables with Latin, for the scripts whose lower-case letters copy
 * Latin ones: a Cyrillic or Greek label made only of such letters (`раура1`, `οκ`) under a
 * top-level domain of another script reads as a Latin domain. Under `.рф` or `.ελ` it is that
 * script's own word. The top-level domain itself is not judged.
 */
const LATIN_LOOKALIKES: Array<[() => RegExp, () => RegExp]> = [
  [lazyRegExp("^[асԁеһіјӏорԛѕԝхуъьҽпгѵѡк0-9-]+$"), lazyRegExp(String.raw`\p{sc=Cyrillic}`)],
  [lazyRegExp("^[αικνορυχ0-9-]+$"), lazyRegExp(String.raw`\p{sc=Greek}`)],
];

function wholeScriptConfusable(label: string, topLevel: string): boolean {
  return LATIN_LOOKALIKES.some(
    ([lookalikes, script]) => lookalikes().test(label) && script().test(label) && !script().test(topLevel),
  );
}
