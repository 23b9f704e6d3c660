/**
 * A regular expression compiled on first use. V8 checks every regular expression literal when it
 * parses the module, even inside a function never called, and one with Unicode property classes
 * (`\p{L}`, `\p{scx=Zyyy}`) costs a tenth of a millisecond or more of every cold start that way.
 */
export function lazyRegExp(source: string, flags = "u"): () => RegExp {
  let compiled: RegExp | undefined;
  return () => {
    compiled ??= new RegExp(source, flags);
    return compiled;
  };
}
