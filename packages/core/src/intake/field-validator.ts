import type { VisitorMessage } from "../language/messages";

/**
 * Each field's validator: the answer as a visitor typed or pasted it in, the value to store and
 * send out, or the key of the message that says what to change. Pure; the rules are in the
 * intake section of docs/intake.md.
 */
export type Validation = { ok: true; value: string } | ({ ok: false } & VisitorMessage);
