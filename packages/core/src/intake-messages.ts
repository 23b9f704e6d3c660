/** Longest name a visitor may give, in characters (code points, after NFC). */
export const MAX_NAME_LENGTH = 100;
/** Longest e-mail address (RFC 5321 path limit less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * Every message a visitor may be shown about an answer, by stable key: the one place texts live,
 * so translations can attach to the keys. English here.
 */
export const INTAKE_MESSAGES = {
  "email.empty": "Please enter your e-mail address.",
  "email.too-long": "That e-mail address is too long.",
  "email.several": "Please enter just one e-mail address.",
  "email.spaces": "An e-mail address has no spaces. Please check it and try again.",
  "email.no-at": "An e-mail address has an @ in it, like name@example.com. Please check it and try again.",
  "email.domain": "The part after the @ should be a domain such as example.com. Please check that part and try again.",
  "email.mailto-without-address": "Please enter just your e-mail address, like name@example.com.",
  "email.invalid": "That doesn't look like an e-mail address. Please check it and try again.",
  "name.empty": "Please enter your name.",
  "name.too-long": `That name is too long. Please use at most ${MAX_NAME_LENGTH} characters.`,
  "name.email-address": "Please enter your name, not an e-mail address.",
  "name.web-address": "Please enter your name, not a web address.",
  "name.digits": "Please enter your name without digits.",
  "name.invalid-characters": "Please enter your name using letters only.",
  "answer.unreadable":
    'Sorry, that answer could not be read. Please type it again without quotation marks (") or backslashes (\\).',
} as const;

export type IntakeMessageKey = keyof typeof INTAKE_MESSAGES;

export function intakeMessage(key: IntakeMessageKey): string {
  return INTAKE_MESSAGES[key];
}
