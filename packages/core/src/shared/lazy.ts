/**
 * A value built on its first use and kept: for what a module would otherwise build at import (a
 * schema, a table, a large Unicode pattern, an `Intl` object) that not every cold request needs.
 * The pattern and what it saves: docs/performance.md#what-a-cold-start-evaluates.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
