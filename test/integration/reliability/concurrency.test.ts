import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newChatId } from "../../support/harness";
import { person, type Reliability, startReliability } from "../../support/reliability-harness";
import { SEED } from "../../support/seed";

/**
 * 200 chats at once, each sending its steps in a random order, with duplicates, in waves of
 * concurrent calls and with concurrent repeats of the handover: every chat ends with the value it
 * was last sent for each field, exactly one accepted mutation request, and no answer is a 5xx.
 */
let r: Reliability;
beforeAll(async () => {
  r = await startReliability(import.meta.filename);
});
afterAll(() => r.finish());

const CHATS = Number(process.env.RELIABILITY_CHATS ?? 200);
/**
 * Requests in flight at once. In AWS each request has its own Lambda and DynamoDB scales; here every
 * "Lambda" shares one process and one DynamoDB Local on shared cores, so without a cap the test would
 * measure the local engine's throughput against the SDK's request deadline, not the product.
 */
const IN_FLIGHT = Number(process.env.RELIABILITY_IN_FLIGHT ?? 24);

type Step =
  | { kind: "event" | "availability" }
  | { kind: "email" | "name"; version: number }
  | { kind: "handover"; repeats: number };

/** One chat's script: every step at least once, some twice, shuffled, cut into waves run concurrently. */
const script = fc
  .record({
    events: fc.integer({ min: 1, max: 2 }),
    availability: fc.integer({ min: 1, max: 2 }),
    emails: fc.integer({ min: 1, max: 3 }),
    names: fc.integer({ min: 1, max: 3 }),
    handovers: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
  })
  .chain((counts) => {
    const steps: Step[] = [
      ...Array.from({ length: counts.events }, () => ({ kind: "event" }) as const),
      ...Array.from({ length: counts.availability }, () => ({ kind: "availability" }) as const),
      ...Array.from({ length: counts.emails }, (_, version) => ({ kind: "email", version }) as const),
      ...Array.from({ length: counts.names }, (_, version) => ({ kind: "name", version }) as const),
      ...counts.handovers.map((repeats) => ({ kind: "handover", repeats }) as const),
    ];
    return fc.tuple(
      fc.shuffledSubarray(steps, { minLength: steps.length }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
    );
  })
  .map(([steps, sizes]) => {
    const waves: Step[][] = [];
    for (let i = 0, w = 0; i < steps.length; w++) {
      const wave: Step[] = [];
      // At most one value per field in a wave, so "the latest" is well defined.
      while (
        i < steps.length &&
        wave.length < sizes[w]! &&
        !wave.some((s) => s.kind === steps[i]!.kind && (s.kind === "email" || s.kind === "name"))
      ) {
        wave.push(steps[i++]!);
      }
      waves.push(wave);
    }
    return waves;
  });

const valueFor = (chat: number, field: "email" | "name", version: number) => {
  const p = person(`chat-${chat}-v${version}`);
  return field === "email" ? p.email : p.name;
};
const stored = (field: "email" | "name", value: string) =>
  field === "email" ? value.replace(/@(.*)$/, (_, d: string) => `@${d.toLowerCase()}`) : value;

function limiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

describe(`${CHATS} chats in parallel`, () => {
  it(`every chat ends complete, handed over once, nothing lost (seed ${SEED})`, async () => {
    const scripts = fc.sample(script, { seed: SEED, numRuns: CHATS });
    const chats = scripts.map((waves, i) => ({
      i,
      chatId: newChatId(),
      waves,
      last: {} as Record<"email" | "name", string>,
    }));
    for (const chat of chats) {
      for (const version of [0, 1, 2])
        r.logs.personal(valueFor(chat.i, "email", version), valueFor(chat.i, "name", version));
    }

    const limit = limiter(IN_FLIGHT);
    const call = (...args: Parameters<Reliability["call"]>) => limit(() => r.call(...args));
    const answers = await Promise.all(
      chats.map(async (chat) => {
        const seen: { step: string; status: number; json: any }[] = [];
        for (const wave of chat.waves) {
          // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch is exhaustive, checked by tsc
          const calls = wave.flatMap((step): Promise<void>[] => {
            const record = (p: Promise<{ status: number; json: any }>) =>
              p.then((a) => {
                seen.push({ step: step.kind, status: a.status, json: a.json });
              });
            switch (step.kind) {
              case "event":
                return [record(call("POST", "/caic/events", { body: { chatId: chat.chatId } }))];
              case "availability":
                return [
                  record(
                    call("GET", "/availability", {
                      query: { chatId: chat.chatId, referrer: "https://shop.example/scale" },
                    }),
                  ),
                ];
              case "email":
              case "name": {
                const value = valueFor(chat.i, step.kind, step.version);
                chat.last[step.kind] = stored(step.kind, value);
                return [record(call("POST", `/intake/${step.kind}`, { body: { chatId: chat.chatId, value } }))];
              }
              case "handover":
                return Array.from({ length: step.repeats }, () =>
                  record(call("POST", "/handover", { body: { chatId: chat.chatId } })),
                );
            }
          });
          await Promise.all(calls);
        }
        const final = await call("POST", "/handover", { body: { chatId: chat.chatId } });
        seen.push({ step: "final handover", status: final.status, json: final.json });
        return seen;
      }),
    );

    const accepted = new Map<string, unknown[]>();
    for (const call of r.h.cm.acceptedMutations)
      accepted.set(call.chatId, [...(accepted.get(call.chatId) ?? []), call.body]);
    const problems: string[] = [];
    for (const [index, chat] of chats.entries()) {
      const item = await r.h.item(chat.chatId);
      const lost: string[] = [];
      if (item?.email !== chat.last.email) lost.push(`email ${item?.email} ≠ ${chat.last.email}`);
      if (item?.name !== chat.last.name) lost.push(`name ${item?.name} ≠ ${chat.last.name}`);
      if (item?.status !== "requested") lost.push(`status ${item?.status}`);
      const mutations = accepted.get(chat.chatId) ?? [];
      if (mutations.length === 0) lost.push("no mutation request");
      const context = (mutations[0] as { Context?: { email?: string; name?: string } } | undefined)?.Context;
      const sent = [0, 1, 2].map((v) => stored("email", valueFor(chat.i, "email", v)));
      if (mutations.length > 0 && !sent.includes(context?.email ?? ""))
        lost.push("mutation carried an e-mail never sent");
      const final = answers[index]!.at(-1)!;
      if (final.json?.handover !== "requested") lost.push(`final handover ${JSON.stringify(final.json)}`);
      const bad = answers[index]!.filter((a) => a.status !== 200);
      if (bad.length > 0) lost.push(`non-200 answers: ${JSON.stringify(bad.slice(0, 2))}`);
      if (lost.length > 0) {
        r.figures.lostWrites += 1;
        problems.push(`${chat.chatId}: ${lost.join("; ")}`);
      }
    }
    expect(problems.slice(0, 5), `${problems.length} chats broke a promise (seed ${SEED})`).toEqual([]);
    expect(accepted.size).toBe(CHATS);
    expect([...accepted.values()].filter((m) => m.length > 1)).toHaveLength(0);
  }, 150_000);
});
