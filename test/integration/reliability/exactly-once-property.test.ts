import type { ChatRecord } from "@caic-handover/core/chat";
import { type Fault, ROUTING_FAULTS } from "@caic-handover/local/cm-simulator";
import { DynamoDbProxy } from "@caic-handover/local/dynamodb-proxy";
import fc from "fast-check";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { type Answer, newChatId } from "../../support/harness";
import { person, type Reliability, startReliability } from "../../support/reliability-harness";

/**
 * Issue 20's property (fixed seed, test/support/seed.ts): random interleavings of every call a chat
 * gets, with random faults from the simulated CM and the DynamoDB proxy. Invariants: at most one
 * hand-over (and one hand-back) CM applied per run, no chat stuck past its lease, every answer one
 * the dialog can branch on, and erasure sticks until a new run.
 */
let r: Reliability;
let proxy: DynamoDbProxy;
beforeAll(async () => {
  proxy = await new DynamoDbProxy(inject("ddbEndpoint")).start();
  r = await startReliability(import.meta.filename, { DYNAMODB_ENDPOINT: proxy.endpoint });
});
afterAll(async () => {
  await r.finish({ checkDuplicates: false });
  await proxy.stop();
});

const OPS = [
  "caic-events",
  "availability",
  "intake",
  "handover",
  "handover-burst",
  "handback",
  "notification",
  "session-end",
  "erase",
] as const;
type Op = (typeof OPS)[number];

const CM_FAULTS: (Fault | undefined)[] = [
  undefined,
  { status: 400 },
  { ...ROUTING_FAULTS["fail-500"] },
  { ...ROUTING_FAULTS["apply-500"] },
  { ...ROUTING_FAULTS["apply-reset"] },
  { ...ROUTING_FAULTS["apply-late"] },
];
const DDB_FAULTS = ["none", "settle-fails", "claim-dropped", "claim-slow"] as const;

const step = fc.record({
  op: fc.constantFrom(...OPS),
  cm: fc.nat({ max: CM_FAULTS.length - 1 }),
  ddb: fc.constantFrom(...DDB_FAULTS),
});

function injectDdb(fault: (typeof DDB_FAULTS)[number]) {
  if (fault === "settle-fails") proxy.throttle(5, /UpdateItem.*REMOVE #claimExpiresAt/);
  if (fault === "claim-dropped") proxy.fault("drop-after", { match: /UpdateItem.*#claimExpiresAt = :v/ });
  if (fault === "claim-slow") proxy.fault("hold-after", { match: /UpdateItem.*#claimExpiresAt = :v/, delayMs: 2_000 });
}

let people = 0;
const SUPPLIED = ["email", "name", "message", "referrer", "keywords"] as const;

it("random interleavings with random faults: one request per run, nothing stuck, every answer branchable, erasure sticks", async () => {
  let mostPerRun = 0;
  let stuck = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 6, maxLength: 12 }), async (steps) => {
      const chatId = newChatId();
      const { name, email } = person(`prop-${people++}`);
      r.logs.personal(name, email);
      const handovers = () =>
        r.h.cm.appliedMutations.filter((c) => c.chatId === chatId && c.kind === "handover").length;
      const handbacks = () =>
        r.h.cm.appliedMutations.filter((c) => c.chatId === chatId && c.kind === "handback").length;
      await r.call("POST", "/caic/events", { body: { chatId } });
      let run = { handovers: 0, handbacks: 0 };
      /** Set by an erase or a session end; cleared by a new run. */
      let closed: ChatRecord | undefined;
      for (const { op, cm, ddb } of steps) {
        proxy.clear();
        r.h.cm.routing.behaviour.reset();
        const fault = CM_FAULTS[cm];
        if (fault) r.h.cm.routing.behaviour.next(fault);
        injectDdb(ddb);
        r.figures.faults += fault || ddb !== "none" ? 1 : 0;
        const [beforeOver, beforeBack] = [handovers(), handbacks()];
        const answers = await perform(op, chatId, name, email);
        for (const answer of answers) {
          expect(answer.status, op).toBe(200);
          const json = answer.json as { handover?: string; handback?: string; reason?: string };
          if (op.startsWith("handover") || op === "handback") {
            expect(["requested", "failed"], op).toContain(json.handover ?? json.handback);
            expect(json.reason, op).not.toBe("in-progress");
          }
        }
        if (op === "caic-events" && answers[0]!.json.status === "started") {
          run = { handovers: 0, handbacks: 0 };
          closed = undefined;
        }
        run.handovers += handovers() - beforeOver;
        run.handbacks += handbacks() - beforeBack;
        mostPerRun = Math.max(mostPerRun, run.handovers, run.handbacks);
        expect(run.handovers, "hand-overs CM applied in one run").toBeLessThanOrEqual(1);
        expect(run.handbacks, "hand-backs CM applied in one run").toBeLessThanOrEqual(1);

        const item = await r.h.item(chatId);
        if ((op === "erase" || op === "session-end") && closed === undefined && item) closed = item;
        if (closed && item) {
          for (const field of SUPPLIED) expect(item[field], `${field} after ${op} (erasure sticks)`).toBeUndefined();
          expect(item.expiresAt, `expiry after ${op}`).toBeLessThanOrEqual(closed.expiresAt);
        }
      }
      const item = await r.h.item(chatId);
      const lapsed =
        item !== undefined &&
        (item.status === "requesting" || item.status === "handing_back") &&
        (item.claimExpiresAt ?? 0) < Date.now() / 1000;
      if (lapsed) stuck += 1;
      expect(lapsed, "stuck past its lease").toBe(false);
    }),
    { numRuns: 8 },
  );
  r.figures.byFault ??= {};
  r.figures.byFault.property = { mostAppliedPerRun: mostPerRun, stuck };
}, 300_000);

async function perform(op: Op, chatId: string, name: string, email: string): Promise<Answer[]> {
  switch (op) {
    case "caic-events":
      return [await r.call("POST", "/caic/events", { body: { chatId } })];
    case "availability":
      return [await r.call("POST", "/availability", { body: { chatId, url: "https://shop.example/p" } })];
    case "intake":
      return [
        await r.call("POST", "/intake/email", { body: { chatId, value: email } }),
        await r.call("POST", "/intake/name", { body: { chatId, value: name } }),
      ];
    case "handover":
      return [await r.call("POST", "/handover", { body: { chatId } })];
    case "handover-burst":
      return Promise.all([
        r.call("POST", "/handover", { body: { chatId } }),
        r.call("POST", "/handover", { body: { chatId } }),
        r.call("POST", `/chats/${chatId}/handback`),
      ]);
    case "handback":
      return [await r.call("POST", `/chats/${chatId}/handback`)];
    case "notification":
      return [await r.call("POST", "/router/handover", { body: { chatId } })];
    case "session-end":
      return [
        await r.call("POST", "/router/events", {
          body: { chat: { id: chatId }, conversationEvents: [{ $type: "RouterSessionEnded" }] },
        }),
      ];
    case "erase":
      return [await r.call("DELETE", `/chats/${chatId}`)];
  }
}
