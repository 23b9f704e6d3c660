import * as z from "zod/mini";
import type { Culture } from "../language/culture";
import { lazy } from "../shared/lazy";

/** Decides, before presence is asked, whether the desk is closed (business hours). */
export interface BusinessHours {
  /** The desk's IANA time zone, in which opening times are told. */
  readonly timeZone: string;
  closedUntil(now: Date): { opensAt: string | undefined } | undefined;
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** How far ahead `opensAt` is looked for; beyond it the desk counts as closed with no known opening. */
const LOOKAHEAD_DAYS = 400;
const CACHED_DAYS = 32;
/** An opening this far ahead is told with its year; a nearer one is unambiguous without. */
const YEAR_TOLD_FROM_DAYS = 180;
const CACHED_TEXT_FORMATS = 64;

const show = (value: unknown) => JSON.stringify(value) ?? String(value);
/** Every message names the offending value, so a bad entry is found at a glance. */
const says = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? "is missing" : `${show(issue.input)} is not ${what}`,
});

const isTimeZone = (timeZone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
};
/** A real calendar date: an impossible one (`2026-13-01`, `2026-02-30`) is refused, never thrown on. */
const isDate = (date: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const day = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(date);
};

/**
 * `BUSINESS_HOURS`, in the desk's own time zone. An interval whose closing time is earlier than
 * its opening time runs overnight into the next day. A special date replaces that day's weekly hours;
 * a holiday is closed all day, which also cuts short an overnight interval running into it.
 * Built on first use: most deployments set no BUSINESS_HOURS, and building it costs cold-start time (docs/performance.md).
 */
function buildSchema() {
  const CLOCK = 'a time "HH:MM" from "00:00" to "24:00"';
  const clock = z.string(says(CLOCK)).check(z.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, says(CLOCK)));
  const interval = z
    .tuple([clock, clock], says('an interval ["HH:MM","HH:MM"]'))
    .check(
      z.refine(
        ([opens, closes]) => opens !== closes && opens !== "24:00",
        says('an interval: the times must differ and the first be before "24:00" (a whole day is ["00:00","24:00"])'),
      ),
    );
  const intervals = z.array(interval, says('a list of intervals [["HH:MM","HH:MM"], …]'));
  const DATE = 'a date "YYYY-MM-DD"';
  const date = z.string(says(DATE)).check(z.refine(isDate, says(DATE)));

  return z.strictObject(
    {
      timeZone: z
        .string(says("a time zone"))
        .check(z.refine(isTimeZone, says('an IANA time zone such as "Europe/Amsterdam"'))),
      weekly: z.strictObject(
        {
          sun: z.optional(intervals),
          mon: z.optional(intervals),
          tue: z.optional(intervals),
          wed: z.optional(intervals),
          thu: z.optional(intervals),
          fri: z.optional(intervals),
          sat: z.optional(intervals),
        },
        {
          error: (issue) =>
            issue.code === "unrecognized_keys"
              ? `unknown weekday ${issue.keys.map(show).join(", ")} (use ${WEEKDAYS.join(", ")})`
              : says('an object of weekdays such as {"mon":[["09:00","17:30"]]}').error(issue),
        },
      ),
      holidays: z._default(z.array(date, says('a list of dates ["YYYY-MM-DD", …]')), []),
      special: z._default(
        z.record(date, intervals, says('an object of dates such as {"2026-12-24":[["09:00","13:00"]]}')),
        {},
      ),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown key ${issue.keys.map(show).join(", ")} (use timeZone, weekly, holidays, special)`
          : says("an object with timeZone and weekly").error(issue),
    },
  );
}
const businessHoursSchema = lazy(buildSchema);

export type BusinessHoursSetting = z.infer<ReturnType<typeof buildSchema>>;

const entry = (path: readonly PropertyKey[]) =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");

/** `BUSINESS_HOURS` as configured: JSON text, checked at start with every bad entry named. */
export const BusinessHoursText = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.issues.push({ code: "custom", input: text, message: "is not JSON" });
      return z.NEVER;
    }
    const parsed = businessHoursSchema().safeParse(json);
    const problems = parsed.success
      ? parsed.data.holidays
          .filter((day) => parsed.data.special[day] !== undefined)
          .map((day) => `special.${day}: is also listed as a holiday`)
      : parsed.error.issues.map((issue) => {
          // A record key's own message sits one level down.
          const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
          return issue.path.length > 0 ? `${entry(issue.path)}: ${message}` : message;
        });
    if (problems.length > 0 || !parsed.success) {
      ctx.issues.push({ code: "custom", input: text, message: problems.join("; ") });
      return z.NEVER;
    }
    return parsed.data;
  }),
);
z.globalRegistry.add(BusinessHoursText, {
  description: "opening hours as JSON with timeZone, weekly, holidays and special (docs/business-hours.md)",
});

interface Shift {
  opens: number;
  closes: number;
}

const minutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
/** Local calendar days are counted as whole days since 1970-01-01, so day arithmetic needs no time zone. */
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Business hours as the availability check asks them: closed now, and until when. */
export class BusinessHoursSchedule implements BusinessHours {
  readonly #hours: BusinessHoursSetting;
  readonly #holidays: ReadonlySet<string>;
  readonly #wallClock: Intl.DateTimeFormat;
  readonly #days = new Map<number, Shift[]>();
  readonly timeZone: string;

  constructor(hours: BusinessHoursSetting) {
    this.#hours = hours;
    this.timeZone = hours.timeZone;
    this.#holidays = new Set(hours.holidays);
    this.#wallClock = new Intl.DateTimeFormat("en-US", {
      timeZone: hours.timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  closedUntil(now: Date): { opensAt: string | undefined } | undefined {
    const at = now.getTime();
    const today = Math.floor((at + this.#offset(at)) / DAY_MS);
    const current = [...this.#shifts(today - 1), ...this.#shifts(today)];
    if (current.some((shift) => shift.opens <= at && at < shift.closes)) return undefined;
    for (let day = today; day <= today + LOOKAHEAD_DAYS; day += 1) {
      const opens = this.#shifts(day)
        .map((shift) => shift.opens)
        .filter((opens) => opens > at);
      if (opens.length > 0) return { opensAt: this.#isoLocal(Math.min(...opens)) };
    }
    return { opensAt: undefined };
  }

  /** A warm function asks about the same few days again and again; Intl is the costly part. */
  #shifts(day: number): Shift[] {
    let shifts = this.#days.get(day);
    if (shifts === undefined) {
      if (this.#days.size >= CACHED_DAYS) this.#days.clear();
      shifts = this.#shiftsOn(day);
      this.#days.set(day, shifts);
    }
    return shifts;
  }

  #shiftsOn(day: number): Shift[] {
    const date = dateOf(day);
    if (this.#holidays.has(date)) return [];
    const weekday = WEEKDAYS[new Date(day * DAY_MS).getUTCDay()]!;
    const intervals = this.#hours.special[date] ?? this.#hours.weekly[weekday] ?? [];
    return intervals.map(([from, to]) => {
      const opens = minutes(from);
      const overnight = minutes(to) < opens;
      const closes =
        overnight && this.#holidays.has(dateOf(day + 1)) ? 24 * 60 : minutes(to) + (overnight ? 24 * 60 : 0);
      return {
        opens: this.#instant(day * DAY_MS + opens * MINUTE_MS),
        closes: this.#instant(day * DAY_MS + closes * MINUTE_MS),
      };
    });
  }

  /**
   * The instant a local wall-clock time (as ms since 1970 in local reckoning) happens. Like
   * Temporal's "compatible": a repeated time (fall-back) is its first occurrence, a skipped time
   * (spring-forward) is read with the offset before the change, so 02:30 becomes 03:30.
   */
  #instant(wall: number): number {
    const before = this.#offset(wall - DAY_MS);
    const early = wall - before;
    if (this.#offset(early) === before) return early;
    const after = this.#offset(wall + DAY_MS);
    const late = wall - after;
    return this.#offset(late) === after ? late : early;
  }

  /** Local time minus UTC at an instant, in ms. */
  #offset(instant: number): number {
    const whole = Math.floor(instant / 1000) * 1000;
    const part: Record<string, number> = {};
    for (const { type, value } of this.#wallClock.formatToParts(whole)) part[type] = Number(value);
    return Date.UTC(part.year!, part.month! - 1, part.day, part.hour, part.minute, part.second) - whole;
  }

  /** ISO 8601 with the desk's own offset, so the wall-clock time a bot shows is the desk's. */
  #isoLocal(instant: number): string {
    const offset = this.#offset(instant);
    const local = new Date(instant + offset).toISOString().slice(0, 19);
    const total = Math.abs(offset) / MINUTE_MS;
    const hhmm = `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
    return `${local}${offset < 0 ? "-" : "+"}${hhmm}`;
  }
}

const textFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The next opening as a visitor reads it ("maandag 28 december om 09:00", "Monday, December 28 at
 * 9:00 AM"): weekday, day, month and time in the desk's time zone, in the visitor's culture.
 */
export function opensAtText(opensAt: string, timeZone: string, culture: Culture, now: Date): string {
  const at = new Date(opensAt);
  const withYear = at.getTime() - now.getTime() >= YEAR_TOLD_FROM_DAYS * DAY_MS;
  const key = `${culture.locale} ${timeZone} ${withYear}`;
  let format = textFormats.get(key);
  if (format === undefined) {
    if (textFormats.size >= CACHED_TEXT_FORMATS) textFormats.clear();
    // A 24-hour culture writes 09:00, a 12-hour one 9:00 AM.
    const twelveHour = new Intl.DateTimeFormat(culture.locale, { hour: "numeric" }).resolvedOptions().hour12;
    format = new Intl.DateTimeFormat(culture.locale, {
      timeZone,
      weekday: "long",
      day: "numeric",
      month: "long",
      ...(withYear ? { year: "numeric" } : {}),
      hour: twelveHour ? "numeric" : "2-digit",
      minute: "2-digit",
    });
    textFormats.set(key, format);
  }
  return format.format(at);
}
