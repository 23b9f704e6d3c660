import { performance } from "node:perf_hooks";
import { redactEmails } from "@caic-handover/functions/telemetry";
import { median } from "./stats";

/** The inputs that cost a backtracking pattern most: a run with no `@`, and `@`s without a domain. */
const shapes = (bytes: number) => ["a".repeat(bytes), "a@b".repeat(Math.ceil(bytes / 3)).slice(0, bytes)];

/** Median time of redacting each shape at this size, repeated until each sample takes a few milliseconds. */
function timeAt(bytes: number, samples: number): number {
  const texts = shapes(bytes);
  const repeat = Math.max(1, Math.round((64 * 1024) / bytes));
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const t0 = performance.now();
    for (let i = 0; i < repeat; i++) for (const text of texts) redactEmails(text);
    times.push((performance.now() - t0) / repeat);
  }
  return median(times);
}

/**
 * How redaction time grows from a 1 KB to a 16 KB log value: 16× is linear, 256× quadratic. Both sizes
 * are measured alternately in one process, so the machine's load hits them alike.
 */
export function redactionGrowth(samples: number): { smallMs: number; largeMs: number; ratio: number } {
  timeAt(1024, 3);
  timeAt(16 * 1024, 3);
  const small: number[] = [];
  const large: number[] = [];
  for (let round = 0; round < samples; round++) {
    small.push(timeAt(1024, 5));
    large.push(timeAt(16 * 1024, 5));
  }
  const smallMs = median(small);
  const largeMs = median(large);
  return { smallMs, largeMs, ratio: largeMs / smallMs };
}
