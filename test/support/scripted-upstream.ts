/**
 * What a unit test gives a client of an upstream API (CM's routing and history clients) in place of
 * the network and the clock: a logger that writes nothing, a virtual clock whose sleeps advance it at
 * once, and a `fetch` that answers each call with the next scripted answer and keeps what it was sent.
 */

/** A logger that writes nothing. */
export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/** One scripted answer: a response, or a throw for a network failure. */
export type ScriptedAnswer = () => Response | Promise<Response>;

/** A clock at 0 whose `sleep` advances it by the time asked, without waiting; `sleeps` lists each. */
export function virtualClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    /** Moves the clock on by `ms`, as time passing between calls. */
    advance: (ms: number) => (now += ms),
  };
}

/** A `fetch` answering call by call from `answers` (throwing when they run out); `seen` lists what it was sent. */
export function scriptedFetch(answers: ScriptedAnswer[]) {
  const seen: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    const answer = answers.shift();
    if (!answer) throw new Error("no scripted answer");
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}
