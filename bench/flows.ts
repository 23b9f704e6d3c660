import { createHmac, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { PresenceStore } from "@caic-handover/core/availability/presence-store";
import type { ChatStore } from "@caic-handover/core/chat/chat-store";
import { CLAIM_LEASE_SECONDS } from "@caic-handover/core/handover/claim";
import { handoverMutation } from "@caic-handover/core/router/routing";
import { ADAPTERS, PRESENCE_KEY, PRODUCT_TOKEN, TECHNICAL_LINK } from "@caic-handover/local/constants";

/** The steps of one conversation, in order; through the gateway (gateway-driver.ts) each is one HTTP request. */
export const STEPS = ["event", "availability", "email", "name", "handover", "notification"] as const;
export type Step = (typeof STEPS)[number];

export interface FlowTiming {
  ms: number;
  steps: Record<Step, number>;
}

/** Runs conversation number `n` to the end, or throws saying which step went wrong. */
export type Flow = (n: number) => Promise<FlowTiming>;

export class FlowError extends Error {
  override name = "FlowError";
}

const EMAIL = "jane.doe@example.com";
const NAME = "Jane Doe";
/** A referrer per conversation, as shoppers come from different pages: each availability call asks presence once. */
const referrerFor = (n: number) => `https://shop.example/p/${n}`;
const notificationBody = (chatId: string) =>
  `{"chatId":"${chatId}","sessionId":"s-1","accountId":"${TECHNICAL_LINK}","channel":"CXWebConversations","conversationHostId":"h","conversationClientId":"c","context":}`;

/** Times each step of a conversation. */
async function timed(run: (step: (name: Step, call: () => Promise<void>) => Promise<void>) => Promise<void>) {
  const steps = {} as Record<Step, number>;
  const start = performance.now();
  await run(async (name, call) => {
    const t0 = performance.now();
    await call();
    steps[name] = performance.now() - t0;
  });
  return { ms: performance.now() - start, steps };
}

export interface FloorTargets {
  store: ChatStore;
  presence: PresenceStore;
  presenceUrl: string;
  /** The routing client's base URL (`ROUTING_API_URL`). */
  routingUrl: string;
  webConversationsUrl: string;
}

/**
 * (2) The floor: the same DynamoDB calls (the product's own DynamoDB adapters) and the same upstream
 * HTTP calls, issued directly: no HTTP in front, no event, no handler, no validation, no logs.
 * Availability makes the calls of a (channel, referrer) nobody asked about (claim, presence, store,
 * record) or, with `shop` given, of one whose answer the process holds (record only).
 */
export function floorFlow(targets: FloorTargets, options: { shop?: string } = {}): Flow {
  const { store } = targets;
  const upstream = async (url: string, init: RequestInit) => {
    const response = await fetch(url, init);
    await response.arrayBuffer();
    if (response.status !== 200) throw new FlowError(`${url}: ${response.status}`);
  };
  return (n) => {
    const chatId = randomUUID();
    const referrer = options.shop ?? referrerFor(n);
    return timed(async (step) => {
      await step("event", async () => {
        await store.startIntake(chatId, new Date());
      });
      await step("availability", async () => {
        if (options.shop === undefined) {
          const key = `WebChat#${createHmac("sha256", PRESENCE_KEY).update(referrer).digest("base64url")}`;
          const claim = await targets.presence.claim(key, {
            now: Date.now(),
            freshMs: 10_000,
            leaseMs: 3000,
            keepMs: 120_000,
          });
          if (!claim.claimed) throw new FlowError("availability: presence lease not taken");
          const url = new URL(targets.presenceUrl);
          url.searchParams.set("apikey", PRESENCE_KEY);
          url.searchParams.set("Channel", "WebChat");
          url.searchParams.set("referrer", referrer);
          await upstream(url.href, { headers: { accept: "text/plain" } });
          await targets.presence.storeAnswer(key, true, Date.now(), 120_000);
        }
        const now = new Date();
        await store.recordPresence(
          chatId,
          { agentStatus: "online", reason: "presence", at: now.toISOString() },
          referrer,
          now,
        );
      });
      await step("email", async () => {
        await store.recordValue(chatId, "email", EMAIL, new Date());
      });
      await step("name", async () => {
        await store.recordValue(chatId, "name", NAME, new Date());
      });
      await step("handover", async () => {
        const claimId = randomUUID();
        const claim = await store.claimHandover(
          chatId,
          { claimId, leaseSeconds: CLAIM_LEASE_SECONDS, required: ["email", "name"] },
          new Date(),
        );
        if (claim.outcome !== "claimed") throw new FlowError(`handover: claim ${claim.outcome}`);
        const mutation = handoverMutation(chatId, ADAPTERS, { name: NAME, email: EMAIL, referrer });
        await upstream(
          `${targets.routingUrl}/conversational/control/v1/accounts/${TECHNICAL_LINK}/chats/${chatId}/routing/mutationrequests`,
          {
            method: "POST",
            headers: { "X-CM-PRODUCTTOKEN": PRODUCT_TOKEN, "Content-Type": "application/json" },
            body: JSON.stringify(mutation),
          },
        );
        await store.settleHandover(chatId, claimId, { ok: true }, new Date());
      });
      await step("notification", async () => {
        await store.confirmHandover(chatId, new Date());
        await upstream(targets.webConversationsUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: notificationBody(chatId),
        });
      });
    });
  };
}

export interface Round {
  flows: FlowTiming[];
  errors: string[];
  elapsedMs: number;
  /** CPU time (user + system) of the whole bench process over the round: every thread, not DynamoDB Local's JVM. */
  cpuMs: number;
}

/**
 * Closed loop: `concurrency` conversations at a time, each followed at once by the next, until
 * `durationMs` has passed (or `maxFlows` started); flows under way are finished, never cut.
 */
export async function runRound(
  flow: Flow,
  options: { concurrency: number; durationMs: number; maxFlows?: number; first: number },
): Promise<Round> {
  const flows: FlowTiming[] = [];
  const errors: string[] = [];
  let next = options.first;
  const last = options.first + (options.maxFlows ?? Number.POSITIVE_INFINITY);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && next < last) {
      const n = next++;
      try {
        flows.push(await flow(n));
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { flows, errors, elapsedMs, cpuMs: (used.user + used.system) / 1000 };
}
