import { BusinessHoursSchedule, BusinessHoursText, opensAtText } from "@caic-handover/core/availability/business-hours";
import type { Culture } from "@caic-handover/core/language/culture";
import { describe, expect, it } from "vitest";

// ICU's wording between date and time ("om", "at", ",") differs between Node versions; what a
// visitor relies on is asserted exactly: weekday, day, month, year or none, and the desk's time.

const NL: Culture = { language: "nl", locale: "nl-NL" };
const EN_GB: Culture = { language: "en", locale: "en-GB" };
const OFFICE = Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((day) => [day, [["09:00", "17:30"]]]));

const schedule = (hours: object) => new BusinessHoursSchedule(BusinessHoursText.parse(JSON.stringify(hours)));

/** What a closed availability answer says at an instant: `opensAt` and its text in a culture. */
function closedAnswer(hours: BusinessHoursSchedule, nowIso: string, culture: Culture) {
  const now = new Date(nowIso);
  const { opensAt } = hours.closedUntil(now) ?? {};
  if (opensAt === undefined) throw new Error(`open or never opening at ${nowIso}`);
  return { opensAt, text: opensAtText(opensAt, hours.timeZone, culture, now) };
}

describe("across a daylight saving change (Europe/Amsterdam, 29 March and 25 October 2026)", () => {
  const amsterdam = schedule({
    timeZone: "Europe/Amsterdam",
    weekly: OFFICE,
    special: { "2026-03-29": [["02:30", "04:00"]] },
  });

  it("spring forward: Monday's 09:00 is told as 09:00 summer time, not 08:00 or 07:00", () => {
    const nl = closedAnswer(amsterdam, "2026-03-29T12:00:00+02:00", NL);
    expect(nl.opensAt).toBe("2026-03-30T09:00:00+02:00");
    expect(nl.text).toMatch(/^maandag 30 maart\b.* 09:00$/);
    const en = closedAnswer(amsterdam, "2026-03-29T12:00:00+02:00", EN_GB);
    expect(en.text).toMatch(/^Monday,? 30 March\b.* 09:00$/);
  });

  it("spring forward: an opening at the skipped 02:30 is told as 03:30, the time the clock shows", () => {
    expect(closedAnswer(amsterdam, "2026-03-28T20:00:00+01:00", NL).text).toMatch(/^zondag 29 maart\b.* 03:30$/);
    expect(closedAnswer(amsterdam, "2026-03-28T20:00:00+01:00", EN_GB).text).toMatch(/^Sunday,? 29 March\b.* 03:30$/);
  });

  it("fall back: Monday's 09:00 is told as 09:00 winter time, not 10:00", () => {
    const nl = closedAnswer(amsterdam, "2026-10-24T12:00:00+02:00", NL);
    expect(nl.opensAt).toBe("2026-10-26T09:00:00+01:00");
    expect(nl.text).toMatch(/^maandag 26 oktober\b.* 09:00$/);
    expect(closedAnswer(amsterdam, "2026-10-24T12:00:00+02:00", EN_GB).text).toMatch(/^Monday,? 26 October\b.* 09:00$/);
  });
});

describe("across a year end", () => {
  const newYear = {
    weekly: OFFICE,
    holidays: ["2027-01-01"],
    special: { "2026-12-31": [["09:00", "13:00"]] },
  };
  const amsterdam = schedule({ timeZone: "Europe/Amsterdam", ...newYear });
  const newYork = schedule({ timeZone: "America/New_York", ...newYear });

  it("after closing on New Year's Eve: Monday 4 January, without a year", () => {
    const nl = closedAnswer(amsterdam, "2026-12-31T15:00:00+01:00", NL);
    expect(nl.opensAt).toBe("2027-01-04T09:00:00+01:00");
    expect(nl.text).toMatch(/^maandag 4 januari\b.* 09:00$/);
    const en = closedAnswer(amsterdam, "2026-12-31T15:00:00+01:00", EN_GB);
    expect(en.text).toMatch(/^Monday,? 4 January\b.* 09:00$/);
    expect(`${nl.text} ${en.text}`).not.toMatch(/2026|2027/);
  });

  it("in the desk's time zone, not the visitor's: a New York desk opens at 09:00 New York time", () => {
    // 09:00 in New York is 15:00 in Amsterdam; a Dutch visitor is told the desk's 09:00.
    const nl = closedAnswer(newYork, "2026-12-31T22:00:00+01:00", NL);
    expect(nl.opensAt).toBe("2027-01-04T09:00:00-05:00");
    expect(nl.text).toMatch(/^maandag 4 januari\b.* 09:00$/);
    expect(closedAnswer(newYork, "2026-12-31T22:00:00+01:00", EN_GB).text).toMatch(/^Monday,? 4 January\b.* 09:00$/);
  });

  it("on the desk's date: late on 31 December in New York is already 1 January in Amsterdam", () => {
    const lateDesk = schedule({ timeZone: "America/New_York", weekly: { thu: [["20:00", "22:00"]] } });
    // Thursday 31 December 2026, 20:00 in New York = Friday 1 January 2027, 02:00 in Amsterdam.
    const nl = closedAnswer(lateDesk, "2026-12-31T12:00:00-05:00", NL);
    expect(nl.opensAt).toBe("2026-12-31T20:00:00-05:00");
    expect(nl.text).toMatch(/^donderdag 31 december\b.* 20:00$/);
    expect(closedAnswer(lateDesk, "2026-12-31T12:00:00-05:00", EN_GB).text).toMatch(
      /^Thursday,? 31 December\b.* 20:00$/,
    );
  });
});

describe("the year", () => {
  // Closed from 1 June 2026 until the first Monday of 2027: more than half a year.
  const holidays = Array.from({ length: 217 }, (_, i) => new Date(Date.UTC(2026, 5, 1 + i)).toISOString().slice(0, 10));
  const longClosure = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE, holidays });

  it("is told when the opening is half a year or more away", () => {
    const nl = closedAnswer(longClosure, "2026-06-01T10:00:00+02:00", NL);
    expect(nl.opensAt).toBe("2027-01-04T09:00:00+01:00");
    expect(nl.text).toMatch(/^maandag 4 januari 2027\b.* 09:00$/);
    expect(closedAnswer(longClosure, "2026-06-01T10:00:00+02:00", EN_GB).text).toMatch(
      /^Monday,? 4 January 2027\b.* 09:00$/,
    );
  });

  it("is left out when the opening is nearer", () => {
    expect(closedAnswer(longClosure, "2026-12-20T10:00:00+01:00", NL).text).toMatch(/^maandag 4 januari\b.* 09:00$/);
  });
});

describe("in each language", () => {
  const amsterdam = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE, holidays: ["2027-01-01"] });
  const at = "2026-12-31T18:00:00+01:00";

  it.each([
    [{ language: "de", locale: "de-DE" }, /^Montag, 4\. Januar\b.* 09:00$/],
    [{ language: "fr", locale: "fr-FR" }, /^lundi 4 janvier\b.* 09:00$/],
    [{ language: "es", locale: "es-ES" }, /^lunes, 4 de enero\b.* 09:00$/],
    [{ language: "nl", locale: "nl-BE" }, /^maandag 4 januari\b.* 09:00$/],
    // 12-hour cultures write the hour without a leading zero and with AM/PM.
    [{ language: "en", locale: "en" }, /^Monday, January 4\b.* 9:00\sAM$/u],
    [{ language: "en", locale: "en-US" }, /^Monday, January 4\b.* 9:00\sAM$/u],
  ] as Array<[Culture, RegExp]>)("%j", (culture, text) => {
    expect(closedAnswer(amsterdam, at, culture).text).toMatch(text);
  });
});
