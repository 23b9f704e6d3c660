/**
 * The stored address is in the typed text (domain case aside), and around it only what docs/intake.md
 * §2 takes off: `mailto:`, a display name and angle brackets, quotes or brackets, sentence
 * punctuation, white space and invisible characters. A cut-off tail (`/path`) is none of these.
 */
export function onlyWrapperRemoved(typed: string, stored: string): boolean {
  const text = typed.replace(/[\p{Cf}\p{DI}]/gu, "");
  const at = text.toLowerCase().indexOf(stored.toLowerCase());
  if (at < 0) return false;
  const before = text.slice(0, at);
  const after = text.slice(at + stored.length);
  return /^(?:mailto:|[^<>]*<|[\s"'([«„“])*$/iu.test(before) && /^[\s>"')\]»“”.,;:!?…]*$/u.test(after);
}
