import { describe, expect, it } from "vitest";
import { summarisePairs } from "../../../bench/bundles";

const pair = (baselineCpu: number, fnCpu: number) => ({
  baseline: { cpu: baselineCpu, wall: baselineCpu * 2 },
  fn: { cpu: fnCpu, wall: fnCpu * 2 },
});
const pairs = (list: ReturnType<typeof pair>[]) => ({
  baseline: list.map((p) => p.baseline),
  fn: list.map((p) => p.fn),
});

describe("the cold-import figure (bench/bundles.ts summarisePairs)", () => {
  it("is the function's cost over the baseline's, whatever the machine's speed was during each pair", () => {
    // The machine slows down and speeds up between pairs; within a pair both sides see the same speed.
    const speeds = [1, 1.4, 0.9, 2, 1.1, 1.3, 0.95];
    const summary = summarisePairs(pairs(speeds.map((speed) => pair(50 * speed, 60 * speed))));
    expect(summary.ratio).toBe(1.2);
    expect(summary.ratioP25).toBe(1.2);
    expect(summary.ratioP75).toBe(1.2);
    expect(summary.pairs).toBe(7);
  });

  it("is not moved by a few pairs that a burst of other work hit on one side only", () => {
    const steady = Array.from({ length: 9 }, (_, i) => pair(50, 50 * (1.15 + (i % 3) * 0.01)));
    const hit = [pair(50, 150), pair(150, 60), pair(50, 120)];
    const summary = summarisePairs(pairs([...steady, ...hit]));
    expect(summary.ratio).toBeGreaterThanOrEqual(1.15);
    expect(summary.ratio).toBeLessThanOrEqual(1.17);
    // The spread shows them: the interquartile range stays near the steady pairs.
    expect(summary.ratioP75 - summary.ratioP25).toBeLessThan(0.1);
    expect(summary.cpuMs).toBeCloseTo(58, 0);
  });
});
