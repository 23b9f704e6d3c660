/**
 * The stored address is in the typed text (domain case aside), and around it only what docs/intake.md
 * §2 takes off: `mailto:`, a display name and angle brackets, quotes or brackets, sentence
 * punctuation, white space and invisible characters. A cut-off tail (`/path`) is none of these.
 */
export function onlyWrapperRemoved(typed: string, stored: string): boolean {
  // A domain keeps the joiners IDNA spells with; a local part drops those no script needs.
  return [/[\p{Cf}\p{DI}]/gu, /(?![\u200c\u200d])[\p{Cf}\p{DI}]/gu].some((invisible) => {
    const text = typed.replace(invisible, "");
    const at = text.toLowerCase().indexOf(stored.toLowerCase());
    if (at < 0) return false;
    const before = text.slice(0, at);
    const after = text.slice(at + stored.length);
    return /^(?:mailto:|[^<>]*<|[\s"'([«„“])*$/iu.test(before) && /^[\s>"')\]»“”’ʼ.,;:!?…]*$/u.test(after);
  });
}
