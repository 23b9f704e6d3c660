import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { SIMULATED_CM } from "@caic-handover/local/local-defaults";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the simulated CM's rate limits", () => {
  it("accept 3 in any second, count only accepted requests, and say how long until the next is accepted", () => {
    const { limiter } = new CmSimulator(SIMULATED_CM).presence;
    const t0 = 1_000_000;
    expect([0, 10, 20].map((dt) => limiter.take(t0 + dt))).toEqual([0, 0, 0]);
    expect(limiter.take(t0 + 30)).toBe(970);
    expect(limiter.take(t0 + 999)).toBe(1);
    expect(limiter.take(t0 + 1000)).toBe(0);
    expect(limiter.take(t0 + 1005)).toBe(5);
    expect(limiter.take(t0 + 1010)).toBe(0);
  });
});

describe("a rate-limited simulated presence", () => {
  const cm = new CmSimulator({ ...SIMULATED_CM, rateLimited: true });
  beforeAll(() => cm.start());
  afterAll(() => cm.stop());

  it("answers 429 with Retry-After in whole seconds over the limit, and records it", async () => {
    const url = `${cm.presenceUrl}?apikey=${SIMULATED_CM.presenceApiKey}&Channel=WebChat`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await fetch(url));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.headers.get("retry-after")).toBe("1");
    expect(cm.presence.calls.map((call) => call.status)).toEqual([200, 200, 200, 429]);
  });
});
