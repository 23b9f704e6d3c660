import { randomUUID } from "node:crypto";
import type { FunctionName } from "@caic-handover/functions/routes";
import { dispatch, type Handlers } from "@caic-handover/local/dispatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Harness, KEY, newChatId, startHarness } from "../support/harness";

/**
 * The availability function scaled out: each instance is a separate import of the handler module
 * (its own config, DynamoDB client, presence client and cache), as separate Lambda instances are;
 * they share only DynamoDB Local and the simulated CM, which can enforce CM's rate limits.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.cm.reset();
  h.cm.presence.rateLimited = false;
});

type Instance = (query: Record<string, string>) => Promise<{ status: number; json: any }>;

/** `count` fresh instances of the availability function, built with these settings. */
async function instances(count: number, env: Record<string, string> = {}): Promise<Instance[]> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const loaded: Instance[] = [];
    for (let i = 0; i < count; i++) {
      vi.resetModules();
      const { handler } = await import("@caic-handover/functions/availability");
      const handlers: Handlers = new Map<FunctionName, typeof handler>([["availability", handler]]);
      loaded.push(async (query) => {
        const result = await dispatch(handlers, {
          method: "GET",
          url: `/availability?${new URLSearchParams(query)}`,
          headers: { "x-handover-key": KEY },
        });
        return { status: result.statusCode ?? 200, json: JSON.parse(result.body ?? "null") };
      });
    }
    return loaded;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const shop = () => `https://shop.example/${randomUUID()}`;
const callsFor = (referrer: string) => h.cm.presence.calls.filter((call) => call.referrer === referrer);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("one presence answer for the whole fleet", () => {
  it("twelve cold instances in a burst and again 1 s later, CM limiting presence: one call, nobody told offline", async () => {
    h.cm.presence.rateLimited = true;
    const fleet = await instances(12, { POWERTOOLS_LOG_LEVEL: "ERROR" });
    const referrer = shop();
    const first = await Promise.all(fleet.map((instance) => instance({ chatId: newChatId(), referrer })));
    await pause(1_000);
    const second = await Promise.all(fleet.map((instance) => instance({ chatId: newChatId(), referrer })));
    for (const answer of [...first, ...second]) {
      expect(answer).toEqual({
        status: 200,
        json: { agentStatus: "online", agentAvailable: true, reason: "presence" },
      });
    }
    expect(callsFor(referrer)).toHaveLength(1);
    expect(callsFor(referrer).filter((call) => call.status === 429)).toEqual([]);
  });

  it("with no cache at all and CM's limits on, instances asking back to back never turn online into offline", async () => {
    h.cm.presence.rateLimited = true;
    const fleet = await instances(6, { PRESENCE_CACHE_SECONDS: "0" });
    const referrer = shop();
    const answers: { json: { agentStatus: string; reason: string } }[] = [];
    const refused = () => callsFor(referrer).filter((call) => call.status === 429).length;
    // Each instance asks every 20 ms until CM refuses a call; then every instance once more, inside its Retry-After.
    await Promise.all(
      fleet.map(async (instance) => {
        for (let i = 0; i < 250 && refused() === 0; i++) {
          answers.push(await instance({ referrer }));
          await pause(20);
        }
      }),
    );
    expect(refused(), "CM's limit was reached").toBeGreaterThanOrEqual(1);
    answers.push(...(await Promise.all(fleet.map((instance) => instance({ referrer })))));
    expect(answers.filter((answer) => answer.json.agentStatus !== "online")).toEqual([]);
    expect(new Set(answers.map((answer) => answer.json.reason))).toContain("presence-stale");
  });

  it.each([
    ["a 503", { status: 503, body: "Service Unavailable" }, "presence-error"],
    ["no answer in time", { delayMs: 3_000 }, "presence-timeout"],
    ["garbage", { status: 200, body: "<html>maintenance</html>" }, "presence-error"],
    ["a 429", { status: 429, body: "Too Many Requests" }, "presence-error"],
  ])(
    "on %s another instance serves the last real answer, recorded on the chat; without one, offline",
    async (_label, fault, reason) => {
      const [first, second] = await instances(2, { PRESENCE_CACHE_SECONDS: "0" });
      const referrer = shop();
      expect((await first!({ referrer })).json.reason).toBe("presence");
      h.cm.presence.behaviour.next(fault);
      const chatId = newChatId();
      expect((await second!({ chatId, referrer })).json).toEqual({
        agentStatus: "online",
        agentAvailable: true,
        reason: "presence-stale",
      });
      expect((await h.item(chatId))?.presence).toMatchObject({ agentStatus: "online", reason: "presence-stale" });

      h.cm.presence.behaviour.next(fault);
      const unknown = newChatId();
      expect((await second!({ chatId: unknown, referrer: shop() })).json).toEqual({
        agentStatus: "offline",
        agentAvailable: false,
        reason,
      });
      expect(await h.item(unknown)).toMatchObject({ status: "unavailable", presence: { reason } });
    },
  );

  it("Retry-After holds off every instance; afterwards one asks again", async () => {
    const fleet = await instances(5, { PRESENCE_CACHE_SECONDS: "0" });
    const referrer = shop();
    await fleet[0]!({ referrer });
    h.cm.presence.behaviour.next({ status: 429, headers: { "retry-after": "2" }, body: "Too Many Requests" });
    expect((await fleet[1]!({ referrer })).json.reason).toBe("presence-stale");
    const meanwhile = await Promise.all(fleet.map((instance) => instance({ referrer })));
    expect(meanwhile.map((answer) => answer.json.reason)).toEqual(Array(5).fill("presence-stale"));
    expect(callsFor(referrer), "nobody asked before Retry-After").toHaveLength(2);
    await pause(2_100);
    expect((await fleet[2]!({ referrer })).json).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(callsFor(referrer)).toHaveLength(3);
  });

  it("one instance still fans 100 concurrent requests into at most one presence call", async () => {
    const [instance] = await instances(1);
    const referrer = shop();
    const answers = await Promise.all(Array.from({ length: 100 }, () => instance!({ referrer })));
    expect(new Set(answers.map((answer) => answer.json.reason))).toEqual(new Set(["presence"]));
    expect(callsFor(referrer)).toHaveLength(1);
  });
});
