import { parseRoutingFaults, ROUTING_FAULTS } from "@caic-handover/local/cm-simulator";
import { describe, expect, it } from "vitest";

describe("the simulated CM's routing fault modes as a setting (SIMULATE_CM_ROUTING_FAULTS)", () => {
  it("reads one mode per request, in order", () => {
    expect(parseRoutingFaults("apply-late, apply-reset,hang")).toEqual([
      { apply: true, delayMs: 3100 },
      { apply: true, reset: true },
      { hang: true },
    ]);
  });

  it("acts before the late answer: the delay is past the routing client's 3 s abort", () => {
    expect(ROUTING_FAULTS["apply-late"].delayMs).toBeGreaterThan(3000);
    expect(ROUTING_FAULTS["fail-500"]).not.toHaveProperty("apply");
  });

  it("names the modes when it does not know one", () => {
    expect(() => parseRoutingFaults("apply-late,slow")).toThrow(/unknown routing fault "slow"; one of apply-late, /);
  });
});
