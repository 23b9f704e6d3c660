import { domainToASCII } from "node:url";
import { validateMessage } from "@caic-handover/core/intake/intake-message";
import { validateEmail, validateName } from "@caic-handover/core/intake/intake-validation";
import { MESSAGES } from "@caic-handover/core/language/messages";
import { allFakers, fakerEN, fakerZH_CN } from "@faker-js/faker";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SEED } from "../../support/seed";

/**
 * One fixed-seed property per kind of failure issue 26 names, beside the faker corpus of
 * intake-real-world.test.ts: what is stored is what the visitor typed, less only what
 * docs/intake.md lists, or the answer is refused with a message the bot can show.
 */

const RUNS = 300;
const latinLabel = fc.stringMatching(/^[a-z][a-z0-9]{1,12}[a-z]$/);
const local = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,15}[A-Za-z0-9]$/).filter((l) => !l.includes(".."));
const tld = fc.constantFrom("com", "nl", "de", "org", "museum", "co.uk", "example");
const address = fc.tuple(local, latinLabel, tld).map(([l, d, t]) => ({ local: l, domain: `${d}.${t}` }));

describe("kind 1: an accepted address is the typed one, less a documented wrapper", () => {
  it("a tail after the domain (path, query, fragment, backslash) refuses the address instead of being cut off", () => {
    const tail = fc.oneof(
      fc.stringMatching(/^\/[a-z0-9/._-]{0,10}$/),
      fc.stringMatching(/^\?[a-z]=[a-z0-9]{0,5}$/),
      fc.stringMatching(/^#[a-z0-9]{0,8}$/),
      fc.constantFrom("\\", "/", "\\x", "%20", "&x=1", "*"),
    );
    fc.assert(
      fc.property(address, tail, ({ local, domain }, after) => {
        expect(validateEmail(`${local}@${domain}${after}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
  });

  it("a percent-escape in the domain is refused, never decoded into another domain", () => {
    fc.assert(
      fc.property(address, fc.nat(), ({ local, domain }, at) => {
        const i = at % domain.length;
        if (domain[i] === ".") return;
        const escaped = `${domain.slice(0, i)}%${domain.charCodeAt(i).toString(16).toUpperCase()}${domain.slice(i + 1)}`;
        expect(validateEmail(`${local}@${escaped}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
  });

  it("an xn-- label is accepted only as the A-label of a valid Unicode label, and stored as typed", () => {
    fc.assert(
      fc.property(local, fc.stringMatching(/^xn--[a-z0-9-]{1,12}$/), (l, label) => {
        const answer = validateEmail(`${l}@${label}.com`);
        if (answer.ok) {
          expect(answer.value).toBe(`${l}@${label}.com`);
          expect(new URL(`http://${label}.com`).hostname).toBe(`${label}.com`);
        } else expect(answer.key).toBe("email.domain");
      }),
      { numRuns: RUNS },
    );
  });

  it("whatever is accepted is the typed address with the domain lower-cased: no character added, removed or replaced", () => {
    const noise = fc.constantFrom("/", "\\", "%", "#", "?", ":", "[", "]", "!", "$", "'", "_", "~", "..", "-", "@");
    fc.assert(
      fc.property(address, noise, fc.nat(), ({ local, domain }, inserted, at) => {
        const typed = `${local}@${domain}`;
        const i = 1 + (at % (typed.length - 1));
        const changed = `${typed.slice(0, i)}${inserted}${typed.slice(i)}`;
        const answer = validateEmail(changed);
        if (!answer.ok) return;
        const [typedLocal, ...rest] = changed.split("@");
        expect(answer.value).toBe(`${typedLocal}@${rest.join("@").toLowerCase()}`);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Latin look-alikes from other scripts, and dashes that look like a hyphen. */
const LOOKALIKES: Record<string, string[]> = {
  a: ["\u0430", "\u03b1"],
  c: ["\u0441", "\u03f2"],
  e: ["\u0435"],
  i: ["\u0456", "\u03b9"],
  o: ["\u043e", "\u03bf", "\u0585"],
  p: ["\u0440", "\u03c1"],
  x: ["\u0445", "\u03c7"],
  y: ["\u0443"],
};
const DASHES = ["\u2014", "\u2013", "\u2010", "\u2212", "\u2011", "\ufe63"];

/** Real internationalised domains (IANA's IDN test domains and registries' own) and generated one-script labels. */
const REAL_IDNS = [
  "例え.テスト",
  "пример.испытание",
  "παράδειγμα.δοκιμή",
  "مثال.إختبار",
  "उदाहरण.परीक्षा",
  "실례.테스트",
  "בײַשפּיל.טעסט",
  "உதாரணம்.பரிட்சை",
  "яндекс.рф",
  "bücher.de",
  "straße.de",
  "müller.example",
  "例子.广告",
  "ドメイン名例.jp",
  "日本語.jp",
  "col·legi.cat",
  "abcひらがな.jp",
  "ไทย.ไทย",
  "中国互联网络信息中心.中国",
  "ευρωπαϊκή.ευ",
  "привет-мир.рф",
];
const SCRIPTS: Array<[string, number, number, string]> = [
  ["Cyrillic", 0x0430, 0x044f, "рф"],
  ["Greek", 0x03b1, 0x03c9, "ελ"],
  ["Arabic", 0x0628, 0x063a, "com"],
  ["Hebrew", 0x05d0, 0x05ea, "com"],
  ["Devanagari", 0x0915, 0x0939, "भारत"],
  ["Thai", 0x0e01, 0x0e2e, "ไทย"],
  ["Hangul", 0xac00, 0xd7a3, "한국"],
  ["Han", 0x4e00, 0x9fa5, "中国"],
  ["Georgian", 0x10d0, 0x10f0, "გე"],
  ["Armenian", 0x0561, 0x0586, "հայ"],
];

describe("kind 2: look-alike domains are refused, every real internationalised domain is accepted", () => {
  it("one letter of a Latin label swapped for a look-alike of another script is refused", () => {
    fc.assert(
      fc.property(address, fc.nat(), fc.nat(), ({ local, domain }, at, which) => {
        const [label, ...rest] = domain.split(".");
        const positions = [...label!].flatMap((char, i) => (LOOKALIKES[char] ? [i] : []));
        if (positions.length === 0) return;
        const i = positions[at % positions.length]!;
        const options = LOOKALIKES[label![i]!]!;
        const spoofed = `${label!.slice(0, i)}${options[which % options.length]}${label!.slice(i + 1)}`;
        expect(validateEmail(`${local}@${[spoofed, ...rest].join(".")}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
  });

  it("a label of look-alikes only (whole-script confusable) under a Latin top-level domain is refused", () => {
    const spoof = fc
      .array(fc.constantFrom(..."acepoxy"), { minLength: 2, maxLength: 8 })
      .map((chars) => chars.map((c) => LOOKALIKES[c]![0]).join(""));
    fc.assert(
      fc.property(local, spoof, (l, label) => {
        expect(validateEmail(`${l}@${label}.com`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: 100 },
    );
  });

  it("a dash look-alike inside a label, or a non-letter in the top-level label, is refused", () => {
    fc.assert(
      fc.property(
        address,
        fc.constantFrom(...DASHES),
        fc.stringMatching(/^[a-z]{0,3}[0-9_-][a-z]{0,3}$/),
        (a, dash, t) => {
          const [label, ...rest] = a.domain.split(".");
          const dashed = `${label!.slice(0, 2)}${dash}${label!.slice(2)}`;
          expect(validateEmail(`${a.local}@${[dashed, ...rest].join(".")}`)).toEqual({
            ok: false,
            key: "email.domain",
          });
          expect(validateEmail(`${a.local}@${label}.${t}`)).toEqual({ ok: false, key: "email.domain" });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it.each(REAL_IDNS)("the real internationalised domain %s is accepted as typed", (domain) => {
    expect(validateEmail(`info@${domain}`)).toEqual({ ok: true, value: `info@${domain}` });
    // Upper case is folded back (`ß` has no upper case of its own: `SS` is another domain).
    if (domain.toUpperCase().toLowerCase() === domain) {
      expect(validateEmail(`info@${domain.toUpperCase()}`)).toEqual({ ok: true, value: `info@${domain}` });
    }
  });

  it.each(SCRIPTS)(
    "any label of %s letters under its own top-level domain is accepted as typed",
    (_, first, last, top) => {
      const label = fc
        .array(fc.integer({ min: first, max: last }), { minLength: 1, maxLength: 8 })
        .map((points) => String.fromCodePoint(...points).normalize("NFC"))
        .filter((text) => /^\p{L}/u.test(text) && text === text.normalize("NFKC"));
      fc.assert(
        fc.property(local, label, (l, name) => {
          expect(validateEmail(`${l}@${name}.${top}`)).toEqual({ ok: true, value: `${l}@${name}.${top}` });
        }),
        { numRuns: 100 },
      );
    },
  );
});

/** Invisible characters a copy, a keyboard or an attacker puts in: removed, and nothing else changes. */
const INVISIBLE = ["\u200b", "\u2060", "\u00ad", "\ufeff", "\u3164", "\u115f", "\u1160", "\uffa0", "\u034f", "\u200e"];
const DIRECTION = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"];
const BLANK_OR_MARK = ["\u2800", "\u3164", "\u0301", "\u0308", " ", "\u3000", "\u200b", "\u115f", "\u20dd"];

function sample(seed: number): string[] {
  const names: string[] = [];
  for (const [i, faker] of [fakerEN, fakerZH_CN, allFakers.fa, allFakers.ru, allFakers.vi].entries()) {
    faker.seed(seed + i);
    for (let n = 0; n < 30; n++) names.push(faker.person.fullName());
  }
  return names.filter((name) => !/\p{N}/u.test(name));
}
const NAMES = sample(SEED);
const insertAt = (text: string, at: number, inserted: string) => {
  const chars = Array.from(text);
  const i = at % (chars.length + 1);
  return [...chars.slice(0, i), inserted, ...chars.slice(i)].join("");
};

describe("kind 3: invisible and direction-changing text in names and questions", () => {
  it("invisible characters anywhere in a name or a question are removed and change nothing else", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.array(fc.tuple(fc.constantFrom(...INVISIBLE), fc.nat()), { minLength: 1, maxLength: 4 }),
        (name, insertions) => {
          const typed = insertions.reduce((text, [char, at]) => insertAt(text, at, char), name);
          expect(validateName(typed)).toEqual(validateName(name));
          expect(validateMessage(`Question from ${typed}?`)).toEqual(validateMessage(`Question from ${name}?`));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("a direction override, embedding or isolate anywhere refuses the name or the question", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.constantFrom(...DIRECTION), fc.nat(), (name, control, at) => {
        expect(validateName(insertAt(name, at, control))).toEqual({ ok: false, key: "name.invalid-characters" });
        expect(validateMessage(insertAt(`Where is my order, ${name}?`, at, control))).toEqual({
          ok: false,
          key: "message.direction-characters",
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("text of only blanks and marks is no name and no question", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...BLANK_OR_MARK), { minLength: 1, maxLength: 6 }), (chars) => {
        const text = chars.join("");
        expect(validateName(text).ok).toBe(false);
        expect(validateMessage(text)).toEqual({ ok: false, key: "message.empty" });
      }),
      { numRuns: RUNS },
    );
  });

  it("a combining mark on no letter (at the start, after a space) refuses the name", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.constantFrom("\u0301", "\u0308", "\u0327", "\u20dd"), (name, mark) => {
        expect(validateName(`${mark}${name}`)).toEqual({ ok: false, key: "name.invalid-characters" });
        expect(validateName(`${name} ${mark}`)).toEqual({ ok: false, key: "name.invalid-characters" });
      }),
      { numRuns: 100 },
    );
  });

  it("emoji sequences and a script's joiners in a question are kept", () => {
    for (const question of [
      "Family 👨\u200d👩\u200d👧 ticket",
      "Love it ❤\ufe0f",
      "Flag 🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}",
      "علی\u200cرضا",
    ]) {
      expect(validateMessage(question)).toEqual({ ok: true, value: question });
    }
  });
});

describe("kind 4: initials joined by a dot are names", () => {
  const initial = fc.stringMatching(/^[A-Za-z]{1,3}$/);
  const word = fc.stringMatching(/^[A-Za-z][a-z]{1,5}(-[A-Z][a-z]{1,5})?$/);
  it("a given name or initials, a dot, and any short surname or particle are accepted as typed", () => {
    fc.assert(
      fc.property(fc.oneof(initial, word), fc.oneof(fc.stringMatching(/^[A-Za-z][a-z]$/), word), (before, after) => {
        if (/^(com|net|org|info|biz)$/i.test(after)) return;
        expect(validateName(`${before}.${after}`)).toEqual({ ok: true, value: `${before}.${after}` });
      }),
      { numRuns: RUNS },
    );
  });

  it.each(["a.ng", "j.li", "K.de", "Wei.lu", "Anne-Marie.de", "Ly.ly"])("%s is a name", (name) => {
    expect(validateName(name)).toEqual({ ok: true, value: name });
  });

  it("a scheme, www., a path, an @ or a .com-like ending is a web or e-mail address", () => {
    fc.assert(
      fc.property(word, fc.stringMatching(/^[a-z]{2,3}$/), (host, top) => {
        for (const typed of [`https://${host}.${top}`, `www.${host}.${top}`, `${host}.${top}/x`, `${host}.com`]) {
          expect(validateName(typed), typed).toEqual({ ok: false, key: "name.web-address" });
        }
        expect(validateName(`${host}@${host}.${top}`)).toEqual({ ok: false, key: "name.email-address" });
      }),
      { numRuns: 100 },
    );
  });
});

// The second review's kinds (issue 26, round 2): each a fixed-seed property over generated input.

const TAGS = fc.integer({ min: 0xe0020, max: 0xe007f }).map((point) => String.fromCodePoint(point));
const TAG_CHAR = /[\u{e0000}-\u{e007f}]/u;
const FLAG_SEQUENCE = /\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu;

describe("review kind 1: tag characters survive only as an emoji tag sequence", () => {
  it("runs of tag characters anywhere in a question or a name are removed, however many and wherever", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.array(fc.tuple(fc.array(TAGS, { minLength: 1, maxLength: 8 }), fc.nat()), { minLength: 1, maxLength: 3 }),
        (name, runs) => {
          const question = `Ignore this ${name}, where is my order?`;
          const typed = runs.reduce((text, [tags, at]) => insertAt(text, at, tags.join("")), question);
          const answer = validateMessage(typed);
          expect(answer).toEqual(validateMessage(question));
          const typedName = runs.reduce((text, [tags, at]) => insertAt(text, at, tags.join("")), name);
          expect(validateName(typedName)).toEqual(validateName(name));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("a subdivision flag keeps its tags; tags after a flag without CANCEL TAG, or around it, go", () => {
    const flag = fc
      .array(fc.integer({ min: 0xe0061, max: 0xe007a }), { minLength: 2, maxLength: 6 })
      .map((points) => `\u{1f3f4}${String.fromCodePoint(...points)}\u{e007f}`);
    fc.assert(
      fc.property(flag, fc.array(TAGS, { minLength: 1, maxLength: 5 }), (sequence, stray) => {
        const loose = stray.filter((tag) => tag !== "\u{e007f}").join("");
        expect(validateMessage(`Flag ${sequence} ok`)).toEqual({ ok: true, value: `Flag ${sequence} ok` });
        const answer = validateMessage(`${stray.join("")}Flag ${sequence}${stray.join("")} and \u{1f3f4}${loose} ok`);
        expect(answer.ok).toBe(true);
        if (answer.ok) expect(TAG_CHAR.test(answer.value.replace(FLAG_SEQUENCE, ""))).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Labels of scripts that spell with joiners, and where a joiner goes in them. */
const JOINER_LABELS = fc.oneof(
  fc.constantFrom("نامه\u200cنگار", "می\u200cخواهم", "ශ්\u200dරී", "ක්\u200dෂ", "क्\u200dष", "ന്\u200d", "کتاب\u200cها"),
  fc
    .array(fc.constantFrom(..."بپتثجچحخدذرزسشصضطظعغفقکگلمنوهی"), { minLength: 2, maxLength: 6 })
    .map((chars) => chars.join("")),
  fc.array(fc.constantFrom("क", "ष", "र", "्", "ि", "ा"), { minLength: 2, maxLength: 6 }).map((chars) => chars.join("")),
  fc.array(fc.constantFrom("ශ", "ර", "ක", "්", "ී"), { minLength: 2, maxLength: 6 }).map((chars) => chars.join("")),
  latinLabel,
);

describe("review kind 2: an accepted address maps by IDNA to the domain typed (joiners are never dropped)", () => {
  it("for every accepted address, domainToASCII(stored domain) equals domainToASCII(typed domain)", () => {
    let withJoiner = 0;
    fc.assert(
      fc.property(
        local,
        JOINER_LABELS,
        fc.array(fc.tuple(fc.constantFrom("\u200c", "\u200d"), fc.nat()), { maxLength: 2 }),
        fc.constantFrom("ir", "lk", "in", "com", "ایران"),
        (l, label, joiners, top) => {
          const typedDomain = `${joiners.reduce((text, [joiner, at]) => insertAt(text, at, joiner), label)}.${top}`;
          const answer = validateEmail(`${l}@${typedDomain}`);
          if (!answer.ok) return;
          const stored = answer.value.slice(answer.value.indexOf("@") + 1);
          const typedAscii = domainToASCII(typedDomain.toLowerCase().normalize("NFC"));
          expect(typedAscii).not.toBe("");
          expect(domainToASCII(stored)).toBe(typedAscii);
          if (/[\u200c\u200d]/u.test(typedDomain)) withJoiner++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(withJoiner).toBeGreaterThan(10);
  });

  it.each([
    ["a@نامه\u200cنگار.ir", "a@نامه\u200cنگار.ir"],
    ["a@ශ්\u200dරී.lk", "a@ශ්\u200dරී.lk"],
  ])("%s is stored with its joiner", (typed, stored) => {
    expect(validateEmail(typed)).toEqual({ ok: true, value: stored });
  });

  it("a joiner in a Latin label (no joining context, RFC 5892 CONTEXTJ) refuses the address", () => {
    fc.assert(
      fc.property(address, fc.constantFrom("\u200c", "\u200d"), fc.nat(), ({ local, domain }, joiner, at) => {
        const [label, ...rest] = domain.split(".");
        const joined = [insertAt(label!, at, joiner), ...rest].join(".");
        expect(validateEmail(`${local}@${joined}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
  });
});

/** Invisible characters only a script or an emoji spells with: joiners, variation selectors, Mongolian selectors. */
const SCRIPT_INVISIBLES = fc.constantFrom(
  "\u200c",
  "\u200d",
  "\ufe00",
  "\ufe0e",
  "\ufe0f",
  "\u{e0101}",
  "\u180b",
  "\u180c",
  "\u180e",
  "\u180f",
);
const LATIN_NAMES = NAMES.filter((name) => /^[\p{sc=Latin}\p{sc=Cyrillic}\p{M} .'-]+$/u.test(name));

describe("review kind 3: joiners and selectors stay only where a script needs them", () => {
  it("in a Latin or Cyrillic name or question, every joiner and selector is removed, and nothing else changes", () => {
    expect(LATIN_NAMES.length).toBeGreaterThan(50);
    fc.assert(
      fc.property(
        fc.constantFrom(...LATIN_NAMES),
        fc.array(fc.tuple(SCRIPT_INVISIBLES, fc.nat()), { minLength: 1, maxLength: 4 }),
        (name, insertions) => {
          const typed = insertions.reduce((text, [char, at]) => insertAt(text, at, char), name);
          const answer = validateName(typed);
          expect(answer).toEqual(validateName(name));
          if (answer.ok) expect(answer.value).not.toMatch(/[\p{Cf}\p{DI}]/u);
          expect(validateMessage(`Hi, ${typed} here`)).toEqual(validateMessage(`Hi, ${name} here`));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("where the script spells with them they are kept: Persian and Indic joiners, Mongolian selectors, emoji, Han variants", () => {
    for (const text of ["علی\u200cرضا", "ශ්\u200dරී", "क्\u200dष", "ᠮᠣᠩ\u180bᠭ"]) {
      expect(validateName(text)).toEqual({ ok: true, value: text });
    }
    for (const text of ["Family 👨\u200d👩\u200d👧", "Love it ❤\ufe0f", "Press 1\ufe0f\u20e3", "葛\u{e0100}城"]) {
      expect(validateMessage(text)).toEqual({ ok: true, value: text });
    }
  });
});

/** Letters UTS #39 does not allow in an identifier that copy Latin ones; `ı` outside Turkish and Azerbaijani. */
const NOT_ALLOWED_LOOKALIKES: Record<string, string[]> = {
  a: ["\u0251", "\u1d00"],
  g: ["\u0261", "\u0262"],
  i: ["\u0131", "\u026a", "\u0269"],
  o: ["\u1d0f"],
  h: ["\u02b0"],
  r: ["\u0280", "\u027e"],
  e: ["\u0259"],
};

describe("review kind 4: same-script look-alikes and non-ASCII letters in a Latin top-level label are refused", () => {
  it("a letter of a Latin label swapped for an IPA, modifier or small-capital look-alike (or `ı`) is refused", () => {
    let tried = 0;
    fc.assert(
      fc.property(address, fc.nat(), fc.nat(), ({ local, domain }, at, which) => {
        const [label, ...rest] = domain.split(".");
        const positions = [...label!].flatMap((char, i) => (NOT_ALLOWED_LOOKALIKES[char] ? [i] : []));
        if (positions.length === 0) return;
        tried++;
        const i = positions[at % positions.length]!;
        const options = NOT_ALLOWED_LOOKALIKES[label![i]!]!;
        const spoofed = `${label!.slice(0, i)}${options[which % options.length]}${label!.slice(i + 1)}`;
        expect(validateEmail(`${local}@${[spoofed, ...rest].join(".")}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
    expect(tried).toBeGreaterThan(50);
  });

  it("an accented letter, a combining mark or a modifier letter in a Latin top-level label is refused", () => {
    const top = fc.tuple(
      fc.stringMatching(/^[a-z]{2,4}$/),
      fc.nat(),
      fc.constantFrom("\u0301", "\u0308", "é", "ı", "ʼ", "ʹ", "\u0327"),
    );
    fc.assert(
      fc.property(address, top, ({ local, domain }, [tld, at, inserted]) => {
        const label = domain.split(".")[0];
        const i = 1 + (at % (tld.length - 1));
        const spoofed = `${tld.slice(0, i)}${inserted}${tld.slice(i)}`;
        expect(validateEmail(`${local}@${label}.${spoofed}`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: RUNS },
    );
  });

  it("`ʼ` or `’` after the domain is sentence punctuation, never part of the top-level label", () => {
    fc.assert(
      fc.property(address, fc.constantFrom("\u02bc", "\u2019"), ({ local, domain }, apostrophe) => {
        expect(validateEmail(`${local}@${domain}${apostrophe}`)).toEqual({ ok: true, value: `${local}@${domain}` });
        expect(validateEmail(`${local}@${domain}${apostrophe}s`)).toEqual({ ok: false, key: "email.domain" });
      }),
      { numRuns: 100 },
    );
  });

  it.each(["ısparta.com.tr", "gölcük.com", "ağrı.com", "bücher.de", "yandex.ru"])("%s is accepted", (domain) => {
    expect(validateEmail(`info@${domain}`)).toEqual({ ok: true, value: `info@${domain}` });
  });
});

describe("review kind 5: shown text naming another address than the link's target is two addresses", () => {
  it("a Markdown link, a Slack link or a display name whose text is another address is refused; the same address is taken", () => {
    fc.assert(
      fc.property(address, address, (a, b) => {
        const shown = `${a.local}@${a.domain}`;
        const target = `${b.local}@${b.domain}`;
        const forms = [
          `[${shown}](mailto:${target})`,
          `"${shown}" <${target}>`,
          `<mailto:${target}|${shown}>`,
          `${shown} <${target}>`,
        ];
        for (const form of forms) {
          if (shown.toLowerCase() === target.toLowerCase()) continue;
          expect(validateEmail(form), form).toEqual({ ok: false, key: "email.several" });
        }
        for (const form of [
          `[${target}](mailto:${target})`,
          `"${target}" <${target}>`,
          `<mailto:${target}|${target}>`,
        ]) {
          expect(validateEmail(form), form).toEqual({ ok: true, value: target });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("review kind 6: inside mailto:, the address meets the rules of a bare address", () => {
  it("mailto: before any typed address changes nothing but the wrapper: the same verdict, the same stored value", () => {
    const percent = fc.constantFrom("%20", "%3Fx", "%41", "%2e", "%3F", "%25", "%2F", "");
    fc.assert(
      fc.property(address, percent, fc.nat(), fc.boolean(), ({ local, domain }, escaped, at, inDomain) => {
        const typed = `${local}@${domain}`;
        const i = inDomain ? local.length + 1 + (at % (domain.length + 1)) : at % (local.length + 1);
        const bare = `${typed.slice(0, i)}${escaped}${typed.slice(i)}`;
        expect(validateEmail(`mailto:${bare}`), bare).toEqual(validateEmail(bare));
        if (inDomain && escaped !== "") expect(validateEmail(`mailto:${bare}`).ok, bare).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("only an encoded `@` is a link's encoding, and a literal `?` after the domain starts its headers", () => {
    expect(validateEmail("mailto:jane%40example.com")).toEqual({ ok: true, value: "jane@example.com" });
    expect(validateEmail("mailto:jane@example.com?subject=Hi")).toEqual({ ok: true, value: "jane@example.com" });
    expect(validateEmail("mailto:jane@example.com%3Fsubject=Hi")).toEqual({ ok: false, key: "email.domain" });
  });
});

describe("review kind 7: a web address anywhere in a name; a name needs a letter that is not a modifier", () => {
  const word = fc.stringMatching(/^[A-Z][a-z]{1,8}$/);
  it("any word of the name that is a host under .com, .net, .org, .info or .biz refuses it", () => {
    fc.assert(
      fc.property(
        word,
        word,
        fc.constantFrom("com", "net", "org", "info", "biz", "COM"),
        fc.boolean(),
        (given, host, top, first) => {
          const typed = first ? `${host}.${top} ${given}` : `${given} ${host}.${top}`;
          expect(validateName(typed)).toEqual({ ok: false, key: "name.web-address" });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("a name of modifier letters and marks only is refused; a modifier letter in a name is kept", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("\u02b9", "\u02ba", "\u02bb", "\u02bc", "\u02c8", "\u0301"), {
          minLength: 1,
          maxLength: 5,
        }),
        (chars) => {
          expect(validateName(chars.join("")).ok).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
    expect(validateName("ʻIolani")).toEqual({ ok: true, value: "ʻIolani" });
  });
});

describe("review kind 9: marks in a local part; private-use and unassigned characters in a question", () => {
  it("a local part starting with a combining mark, or a letter with more than six marks, is refused", () => {
    fc.assert(
      fc.property(
        address,
        fc.constantFrom("\u0301", "\u0308", "\u0327", "\u20dd"),
        fc.integer({ min: 7, max: 12 }),
        ({ local, domain }, mark, stack) => {
          expect(validateEmail(`${mark}${local}@${domain}`)).toEqual({ ok: false, key: "email.invalid" });
          expect(validateEmail(`${local}.${mark}x@${domain}`)).toEqual({ ok: false, key: "email.invalid" });
          expect(validateEmail(`${local}q${mark.repeat(stack)}@${domain}`)).toEqual({
            ok: false,
            key: "email.invalid",
          });
          expect(validateEmail(`${local}e\u0301@${domain}`).ok).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a private-use or unassigned code point refuses a question, as it refuses a name", () => {
    const odd = fc.oneof(
      fc.integer({ min: 0xe000, max: 0xf8ff }),
      fc.constantFrom(0x0378, 0x0379, 0x0380, 0x2fffe, 0x10fffd, 0xf0000),
    );
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), odd, fc.nat(), (name, point, at) => {
        const typed = insertAt(`Where is my order, ${name}?`, at, String.fromCodePoint(point));
        expect(validateMessage(typed)).toEqual({ ok: false, key: "message.control-characters" });
        expect(validateName(insertAt(name, at, String.fromCodePoint(point)))).toEqual({
          ok: false,
          key: "name.invalid-characters",
        });
      }),
      { numRuns: RUNS },
    );
  });
});

it("every refusal these kinds add has its text in every culture", () => {
  for (const key of [
    "email.domain",
    "email.invalid",
    "name.invalid-characters",
    "name.web-address",
    "message.empty",
    "message.direction-characters",
    "message.control-characters",
    "email.several",
  ] as const) {
    expect(Object.keys(MESSAGES[key]).sort()).toEqual(["de", "en", "es", "fr", "nl"]);
  }
});
