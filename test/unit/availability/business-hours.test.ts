import { checkAvailability } from "@caic-handover/core/availability/availability";
import { BusinessHoursSchedule, BusinessHoursText } from "@caic-handover/core/availability/business-hours";
import { ConfigError, loadConfig } from "@caic-handover/core/config/config";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

const OFFICE = {
  mon: [["09:00", "17:30"]],
  tue: [["09:00", "17:30"]],
  wed: [["09:00", "17:30"]],
  thu: [["09:00", "17:30"]],
  fri: [["09:00", "17:30"]],
};

const schedule = (hours: object) => new BusinessHoursSchedule(BusinessHoursText.parse(JSON.stringify(hours)));
/** `closedUntil` at an instant given as ISO text. */
const ask = (hours: BusinessHoursSchedule, iso: string) => hours.closedUntil(new Date(iso));
const instant = (iso: string) => new Date(iso).toISOString();
const NL = { language: "nl", locale: "nl-NL" } as const;

describe("open or closed", () => {
  const amsterdam = schedule({
    timeZone: "Europe/Amsterdam",
    weekly: {
      ...OFFICE,
      fri: [
        ["09:00", "12:00"],
        ["13:00", "17:00"],
      ],
    },
  });

  it("is open inside an interval, from its opening minute up to but not including its closing minute", () => {
    expect(ask(amsterdam, "2026-03-23T09:00:00+01:00")).toBeUndefined();
    expect(ask(amsterdam, "2026-03-23T17:29:59+01:00")).toBeUndefined();
    expect(ask(amsterdam, "2026-03-23T17:30:00+01:00")).toEqual({ opensAt: "2026-03-24T09:00:00+01:00" });
    expect(ask(amsterdam, "2026-03-23T08:59:59+01:00")).toEqual({ opensAt: "2026-03-23T09:00:00+01:00" });
  });

  it("reopens after a break between two intervals on the same day", () => {
    expect(ask(amsterdam, "2026-03-20T12:30:00+01:00")).toEqual({ opensAt: "2026-03-20T13:00:00+01:00" });
    expect(ask(amsterdam, "2026-03-20T13:00:00+01:00")).toBeUndefined();
  });

  it("finds the next opening across a weekend", () => {
    expect(ask(amsterdam, "2026-03-20T17:00:00+01:00")).toEqual({ opensAt: "2026-03-23T09:00:00+01:00" });
    expect(ask(amsterdam, "2026-03-22T23:59:00+01:00")).toEqual({ opensAt: "2026-03-23T09:00:00+01:00" });
  });

  it("finds the next opening across a weekend followed by a holiday", () => {
    const easter = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE, holidays: ["2026-04-06"] });
    expect(ask(easter, "2026-04-03T18:00:00+02:00")).toEqual({ opensAt: "2026-04-07T09:00:00+02:00" });
  });

  it("is closed all day on a holiday", () => {
    const hours = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE, holidays: ["2026-04-27"] });
    expect(ask(hours, "2026-04-27T10:00:00+02:00")).toEqual({ opensAt: "2026-04-28T09:00:00+02:00" });
    expect(ask(hours, "2026-04-28T10:00:00+02:00")).toBeUndefined();
  });

  it("lets a special date replace the weekly hours, then skips a holiday and a weekend", () => {
    const christmas = schedule({
      timeZone: "Europe/Amsterdam",
      weekly: OFFICE,
      holidays: ["2026-12-25"],
      special: { "2026-12-24": [["09:00", "13:00"]], "2026-12-27": [["10:00", "14:00"]] },
    });
    expect(ask(christmas, "2026-12-24T12:59:00+01:00")).toBeUndefined();
    expect(ask(christmas, "2026-12-24T13:00:00+01:00")).toEqual({ opensAt: "2026-12-27T10:00:00+01:00" });
    expect(ask(christmas, "2026-12-27T14:00:00+01:00")).toEqual({ opensAt: "2026-12-28T09:00:00+01:00" });
  });

  it("closes a whole day with an empty special date", () => {
    const hours = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE, special: { "2026-03-23": [] } });
    expect(ask(hours, "2026-03-23T10:00:00+01:00")).toEqual({ opensAt: "2026-03-24T09:00:00+01:00" });
  });

  it("treats 24:00 as the end of the day, so whole days join up", () => {
    const weekend = schedule({ timeZone: "UTC", weekly: { sat: [["00:00", "24:00"]], sun: [["00:00", "24:00"]] } });
    expect(ask(weekend, "2026-03-21T23:59:59Z")).toBeUndefined();
    expect(ask(weekend, "2026-03-22T00:00:00Z")).toBeUndefined();
    expect(ask(weekend, "2026-03-23T00:00:00Z")).toEqual({ opensAt: "2026-03-28T00:00:00+00:00" });
  });

  it("answers closed with no opening when nothing opens within the look-ahead", () => {
    expect(ask(schedule({ timeZone: "UTC", weekly: {} }), "2026-03-23T10:00:00Z")).toEqual({ opensAt: undefined });
  });
});

describe("overnight intervals", () => {
  const nights = { timeZone: "Europe/Amsterdam", weekly: { thu: [["22:00", "02:00"]], fri: [["22:00", "02:00"]] } };

  it("run past midnight into the next day", () => {
    const hours = schedule(nights);
    expect(ask(hours, "2026-03-19T21:59:00+01:00")).toEqual({ opensAt: "2026-03-19T22:00:00+01:00" });
    expect(ask(hours, "2026-03-19T23:30:00+01:00")).toBeUndefined();
    expect(ask(hours, "2026-03-20T01:59:00+01:00")).toBeUndefined();
    expect(ask(hours, "2026-03-20T02:00:00+01:00")).toEqual({ opensAt: "2026-03-20T22:00:00+01:00" });
  });

  it("stop at midnight when the next day is a holiday, and do not start on the holiday itself", () => {
    const hours = schedule({ ...nights, holidays: ["2027-01-01"] });
    expect(ask(hours, "2026-12-31T23:30:00+01:00")).toBeUndefined();
    expect(ask(hours, "2027-01-01T00:00:00+01:00")).toEqual({ opensAt: "2027-01-07T22:00:00+01:00" });
    expect(ask(hours, "2027-01-01T22:30:00+01:00")).toEqual({ opensAt: "2027-01-07T22:00:00+01:00" });
    expect(ask(hours, "2027-01-02T00:30:00+01:00")).toEqual({ opensAt: "2027-01-07T22:00:00+01:00" });
    expect(ask(schedule(nights), "2027-01-01T00:30:00+01:00")).toBeUndefined();
  });

  it("run from a special date into the next day", () => {
    const hours = schedule({
      timeZone: "Europe/Amsterdam",
      weekly: {},
      special: { "2026-12-31": [["20:00", "03:00"]] },
    });
    expect(ask(hours, "2027-01-01T02:30:00+01:00")).toBeUndefined();
    expect(ask(hours, "2027-01-01T03:00:00+01:00")).toEqual({ opensAt: undefined });
  });
});

describe("daylight saving time", () => {
  describe("Europe/Amsterdam (29 March and 25 October 2026)", () => {
    const office = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE });

    it("spring forward: the next opening after the weekend is 09:00 summer time", () => {
      const closed = ask(office, "2026-03-27T18:00:00+01:00");
      expect(closed).toEqual({ opensAt: "2026-03-30T09:00:00+02:00" });
      expect(instant(closed!.opensAt!)).toBe("2026-03-30T07:00:00.000Z");
    });

    it("fall back: the next opening after the weekend is 09:00 winter time", () => {
      const closed = ask(office, "2026-10-23T18:00:00+02:00");
      expect(closed).toEqual({ opensAt: "2026-10-26T09:00:00+01:00" });
      expect(instant(closed!.opensAt!)).toBe("2026-10-26T08:00:00.000Z");
    });

    it("spring forward: an overnight interval ending at the skipped 02:00 ends at 03:00 summer time, one hour earlier in UTC", () => {
      const saturdayNight = schedule({ timeZone: "Europe/Amsterdam", weekly: { sat: [["22:00", "02:00"]] } });
      expect(ask(saturdayNight, "2026-03-29T00:59:00Z")).toBeUndefined();
      expect(ask(saturdayNight, "2026-03-29T01:00:00Z")).toEqual({ opensAt: "2026-04-04T22:00:00+02:00" });
    });

    it("spring forward: an opening at the skipped 02:30 happens at 03:30 summer time", () => {
      const hours = schedule({
        timeZone: "Europe/Amsterdam",
        weekly: {},
        special: { "2026-03-29": [["02:30", "05:00"]] },
      });
      expect(ask(hours, "2026-03-29T00:00:00Z")).toEqual({ opensAt: "2026-03-29T03:30:00+02:00" });
      expect(ask(hours, "2026-03-29T01:29:00Z")).toEqual({ opensAt: "2026-03-29T03:30:00+02:00" });
      expect(ask(hours, "2026-03-29T01:30:00Z")).toBeUndefined();
    });

    it("fall back: a repeated 02:30 counts at its first occurrence, and the interval lasts an hour longer", () => {
      const hours = schedule({
        timeZone: "Europe/Amsterdam",
        weekly: {},
        special: { "2026-10-25": [["02:30", "05:00"]] },
      });
      expect(ask(hours, "2026-10-25T00:00:00Z")).toEqual({ opensAt: "2026-10-25T02:30:00+02:00" });
      expect(ask(hours, "2026-10-25T00:30:00Z")).toBeUndefined();
      expect(ask(hours, "2026-10-25T03:59:00Z")).toBeUndefined();
      expect(ask(hours, "2026-10-25T04:00:00Z")).toEqual({ opensAt: undefined });
    });
  });

  describe("America/New_York (8 March and 1 November 2026)", () => {
    const office = schedule({ timeZone: "America/New_York", weekly: OFFICE });

    it("spring forward: the next opening after the weekend is 09:00 EDT", () => {
      const closed = ask(office, "2026-03-06T18:00:00-05:00");
      expect(closed).toEqual({ opensAt: "2026-03-09T09:00:00-04:00" });
      expect(instant(closed!.opensAt!)).toBe("2026-03-09T13:00:00.000Z");
    });

    it("fall back: the next opening after the weekend is 09:00 EST", () => {
      const closed = ask(office, "2026-10-30T18:00:00-04:00");
      expect(closed).toEqual({ opensAt: "2026-11-02T09:00:00-05:00" });
      expect(instant(closed!.opensAt!)).toBe("2026-11-02T14:00:00.000Z");
    });

    it("spring forward: an overnight interval to the skipped 02:30 runs until 03:30 EDT", () => {
      const saturdayNight = schedule({ timeZone: "America/New_York", weekly: { sat: [["22:00", "02:30"]] } });
      expect(ask(saturdayNight, "2026-03-08T07:29:00Z")).toBeUndefined();
      expect(ask(saturdayNight, "2026-03-08T07:30:00Z")).toEqual({ opensAt: "2026-03-14T22:00:00-04:00" });
    });

    it("fall back: an opening at the repeated 01:30 is the EDT one", () => {
      const hours = schedule({
        timeZone: "America/New_York",
        weekly: {},
        special: { "2026-11-01": [["01:30", "03:00"]] },
      });
      expect(ask(hours, "2026-11-01T05:00:00Z")).toEqual({ opensAt: "2026-11-01T01:30:00-04:00" });
      expect(ask(hours, "2026-11-01T05:30:00Z")).toBeUndefined();
      expect(ask(hours, "2026-11-01T06:45:00Z")).toBeUndefined();
      expect(ask(hours, "2026-11-01T08:00:00Z")).toEqual({ opensAt: undefined });
    });
  });
});

describe("validation", () => {
  const problem = (text: string) => {
    const parsed = BusinessHoursText.safeParse(text);
    expect(parsed.success).toBe(false);
    return parsed.error!.issues.map((issue) => issue.message).join("; ");
  };
  const json = (hours: object) => problem(JSON.stringify(hours));

  it("accepts the documented example and fills in absent holidays and special dates", () => {
    const example = {
      timeZone: "Europe/Amsterdam",
      weekly: {
        mon: [["09:00", "17:30"]],
        fri: [
          ["09:00", "12:00"],
          ["13:00", "17:00"],
        ],
        sat: [["22:00", "02:00"]],
      },
      holidays: ["2026-12-25"],
      special: { "2026-12-24": [["09:00", "13:00"]] },
    };
    expect(BusinessHoursText.parse(JSON.stringify(example))).toEqual(example);
    expect(BusinessHoursText.parse('{"timeZone":"UTC","weekly":{}}')).toEqual({
      timeZone: "UTC",
      weekly: {},
      holidays: [],
      special: {},
    });
  });

  it("names each bad entry and its value", () => {
    expect(json({ timeZone: "Europe/Amsterdm", weekly: {} })).toBe(
      'timeZone: "Europe/Amsterdm" is not an IANA time zone such as "Europe/Amsterdam"',
    );
    expect(json({ timeZone: "UTC", weekly: { monday: [] } })).toBe(
      'weekly: unknown weekday "monday" (use sun, mon, tue, wed, thu, fri, sat)',
    );
    expect(json({ timeZone: "UTC", weekly: { mon: [["9:00", "17:00"]] } })).toBe(
      'weekly.mon[0][0]: "9:00" is not a time "HH:MM" from "00:00" to "24:00"',
    );
    expect(
      json({
        timeZone: "UTC",
        weekly: {
          fri: [
            ["09:00", "12:00"],
            ["13:00", "13:00"],
          ],
        },
      }),
    ).toMatch(/^weekly\.fri\[1\]: \["13:00","13:00"\] is not an interval/);
    expect(json({ timeZone: "UTC", weekly: { sat: [["24:00", "02:00"]] } })).toMatch(
      /^weekly\.sat\[0\]: \["24:00","02:00"\] is not an interval/,
    );
    expect(json({ timeZone: "UTC", weekly: { tue: [["09:00"]] } })).toBe(
      'weekly.tue[0]: ["09:00"] is not an interval ["HH:MM","HH:MM"]',
    );
    expect(json({ timeZone: "UTC", weekly: { wed: "09:00-17:00" } })).toMatch(
      /^weekly\.wed: "09:00-17:00" is not a list of intervals/,
    );
    expect(json({ timeZone: "UTC", weekly: {}, holidays: ["2026-12-25", "2026-02-30"] })).toBe(
      'holidays[1]: "2026-02-30" is not a date "YYYY-MM-DD"',
    );
    expect(json({ timeZone: "UTC", weekly: {}, special: { "24-12-2026": [] } })).toBe(
      'special.24-12-2026: "24-12-2026" is not a date "YYYY-MM-DD"',
    );
    expect(json({ timeZone: "UTC", weekly: {}, holidays: ["2026-12-25"], special: { "2026-12-25": [] } })).toBe(
      "special.2026-12-25: is also listed as a holiday",
    );
    expect(json({ timeZone: "UTC", weekly: {}, closed: [] })).toBe(
      'unknown key "closed" (use timeZone, weekly, holidays, special)',
    );
    expect(json({ weekly: {} })).toBe("timeZone: is missing");
    expect(problem("mon-fri 9-17")).toBe("is not JSON");
  });

  it("names an impossible date instead of failing on it, for any digits in the date's shape", () => {
    expect(json({ timeZone: "UTC", weekly: {}, holidays: ["2026-13-01"] })).toBe(
      'holidays[0]: "2026-13-01" is not a date "YYYY-MM-DD"',
    );
    expect(json({ timeZone: "UTC", weekly: {}, special: { "2026-00-10": [] } })).toBe(
      'special.2026-00-10: "2026-00-10" is not a date "YYYY-MM-DD"',
    );
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
    fc.assert(
      fc.property(fc.tuple(digits(4), digits(2), digits(2)), ([year, month, day]) => {
        const date = `${year}-${month}-${day}`;
        const parsed = BusinessHoursText.safeParse(JSON.stringify({ timeZone: "UTC", weekly: {}, holidays: [date] }));
        const real =
          !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).getUTCDate() === Number(day);
        expect(parsed.success).toBe(real);
      }),
    );
  });

  it("lists every bad entry at once", () => {
    expect(json({ timeZone: "UTC", weekly: { mon: [["09:00", "25:00"]] }, holidays: ["tomorrow"] })).toBe(
      'weekly.mon[0][1]: "25:00" is not a time "HH:MM" from "00:00" to "24:00"; holidays[0]: "tomorrow" is not a date "YYYY-MM-DD"',
    );
  });

  describe("through the config", () => {
    const required = {
      CM_TECHNICAL_LINK_ID: "link",
      ROUTER_CLIENT_ADAPTER_ID: "wc",
      ROUTER_BOT_ADAPTER_ID: "bot",
      ROUTER_AGENT_ADAPTER_ID: "msc",
    };

    it("is absent unless set: always open", () => {
      expect(loadConfig(required).BUSINESS_HOURS).toBeUndefined();
    });

    it("is parsed once at start", () => {
      const config = loadConfig({
        ...required,
        BUSINESS_HOURS: '{"timeZone":"Europe/Amsterdam","weekly":{"mon":[["09:00","17:30"]]}}',
      });
      expect(config.BUSINESS_HOURS).toEqual({
        timeZone: "Europe/Amsterdam",
        weekly: { mon: [["09:00", "17:30"]] },
        holidays: [],
        special: {},
      });
    });

    it("fails fast, naming the setting and the bad entry", () => {
      const start = () =>
        loadConfig({ ...required, BUSINESS_HOURS: '{"timeZone":"UTC","weekly":{"fri":[["13:00","13:00"]]}}' });
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(/BUSINESS_HOURS is invalid \(weekly\.fri\[0\]: \["13:00","13:00"\] is not an interval/);
    });
  });
});

describe("the availability check with business hours", () => {
  const office = schedule({ timeZone: "Europe/Amsterdam", weekly: OFFICE });
  const deps = (now: string) => ({
    presence: {
      check: vi.fn(async () => ({ agentStatus: "online" as const, agentAvailable: true, reason: "presence" as const })),
    },
    store: { recordPresence: vi.fn(async () => {}) },
    metrics: { count: vi.fn() },
    log: { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    defaultChannel: "WebChat",
    defaultReferrer: undefined,
    businessHours: office,
    now: () => new Date(now),
  });

  it("outside hours: closed with opensAt, counted as AgentsOffline/closed and recorded, presence not asked", async () => {
    const closed = deps("2026-03-21T10:00:00Z");
    expect(await checkAvailability(closed, "chat-1", {}, NL)).toEqual({
      agentStatus: "offline",
      agentAvailable: false,
      reason: "closed",
      opensAt: "2026-03-23T09:00:00+01:00",
      opensAtText: expect.stringMatching(/^maandag 23 maart\b.*\b09:00$/),
    });
    expect(closed.presence.check).not.toHaveBeenCalled();
    expect(closed.metrics.count).toHaveBeenCalledWith("AgentsOffline", "closed");
    expect(closed.store.recordPresence).toHaveBeenCalledWith(
      "chat-1",
      { agentStatus: "offline", reason: "closed", at: "2026-03-21T10:00:00.000Z" },
      undefined,
      new Date("2026-03-21T10:00:00Z"),
    );
  });

  it("inside hours: presence decides", async () => {
    const open = deps("2026-03-23T10:00:00Z");
    expect(await checkAvailability(open, undefined, {}, NL)).toMatchObject({
      agentStatus: "online",
      reason: "presence",
    });
    expect(open.presence.check).toHaveBeenCalledTimes(1);
    expect(open.metrics.count).toHaveBeenCalledWith("AgentsOnline");
  });
});
