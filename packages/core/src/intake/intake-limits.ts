/** Longest name a visitor may give, in characters (code points, after NFC). */
export const MAX_NAME_LENGTH = 100;
/** Longest e-mail address (RFC 5321 path limit less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;
