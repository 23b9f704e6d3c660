import type { ChatRecord } from "@caic-handover/core/chat/chat";
import type { MutationRequest, RoutingResult } from "@caic-handover/core/router/routing";
import type { Log, MetricName, Metrics } from "@caic-handover/core/shared/metrics";
import { vi } from "vitest";

/**
 * What the claim protocol's unit tests script and observe instead of DynamoDB and CM: a clock that
 * only moves when the code sleeps (or a scripted write takes time), a chat record, the routing
 * client's answers, and the metrics and logs counted.
 */

/** A fixed instant: the tests never read today's date. */
export const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);

/** Freezes `Date` at T0; `sleep` and `advance` move it. Call in `beforeEach`, undo with `vi.useRealTimers()`. */
export function frozenClock() {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  const slept: number[] = [];
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
  return {
    slept,
    advance,
    now: () => new Date(),
    sleep: async (ms: number) => {
      slept.push(ms);
      advance(ms);
    },
  };
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

/** A chat record of `status` at the frozen clock, with whatever else the test needs. */
export function chat(status: ChatRecord["status"], extra: Partial<ChatRecord> = {}): ChatRecord {
  const at = new Date(Date.now()).toISOString();
  return {
    chatId: "chat-1",
    status,
    history: [],
    createdAt: at,
    updatedAt: at,
    expiresAt: seconds(Date.now()) + 86_400,
    ...extra,
  };
}

/** A claim whose lease ends `inSeconds` from now (negative: lapsed). */
export function claimedBy(claimId: string, inSeconds: number): Partial<ChatRecord> {
  return { claimId, claimExpiresAt: seconds(Date.now()) + inSeconds };
}

/** The routing client: answers in order (the last one repeats), every request and budget kept. */
export function scriptedRouting(...answers: RoutingResult[]) {
  const sent: { request: MutationRequest; budgetMs: number | undefined }[] = [];
  return {
    sent,
    requestMutation: async (request: MutationRequest, options?: { budgetMs?: number }) => {
      sent.push({ request, budgetMs: options?.budgetMs });
      return answers[Math.min(sent.length, answers.length) - 1] ?? { ok: true as const, status: 200, attempts: 1 };
    },
  };
}

export const ACCEPTED: RoutingResult = { ok: true, status: 200, attempts: 1 };

/** Metrics and logs as the tests read them: `counted` as `Metric` or `Metric:dimension`. */
export function observed() {
  const counted: string[] = [];
  const logged: { level: keyof Log; message: string; attributes: Record<string, unknown> }[] = [];
  const metrics: Metrics = {
    count: (metric: MetricName, dimension?: string) => counted.push(dimension ? `${metric}:${dimension}` : metric),
  };
  const at =
    (level: keyof Log) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      logged.push({ level, message, attributes: Object.assign({}, ...attributes) });
  const log: Log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { counted, logged, metrics, log };
}

/** Answers read in order: each call takes the next one, the last one repeats. */
export function sequence<T>(...values: T[]): () => T {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)]!;
}

export const ADAPTERS = { client: "wc", bot: "caic", agent: "msc" };
