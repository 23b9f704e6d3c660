import { randomUUID } from "node:crypto";
import type { Step } from "@caic-handover/local/setup-guide/document";
import { buildGuide } from "@caic-handover/local/setup-guide/guide";
import { deployedTarget } from "@caic-handover/local/setup-guide/targets";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEY, startHarness } from "../support/harness";

/**
 * The CAIC dialog built exactly as `npm run setup-guide` describes it, run against the real handlers,
 * DynamoDB Local and the simulated CM: whatever the visitor types and whichever callout fails, it
 * ends in an Output node, and the only loop (a wrong answer asked again) is bounded by `exhausted`.
 */

const BASE = "https://caic-handover.test";
const guide = buildGuide(deployedTarget({ apiUrl: BASE, showKey: true }, { HANDOVER_WEBHOOK_KEY: KEY }));
const dialog = guide.sections.find((section) => section.id === "dialog")!.steps;
const value = (step: Step, label: string) =>
  step.settings.filter((s) => s.label === label).map((s) => (typeof s.value === "string" ? s.value : s.value.code));
const VISITS_LIMIT = 60;

interface Conversation {
  /** Every Output shown, in order; the last one ends the dialog. */
  outputs: string[];
  /** How often each Capture Input asked. */
  asked: Record<string, number>;
  visits: number;
}

/**
 * Runs the dialog as CAIC would: Capture Input stores the visitor's answer, an API Callout calls the
 * URL with the headers and body the guide gives and maps the response fields it names (a failed
 * callout maps nothing), a Logical Step takes the first branch whose condition holds.
 */
async function converse(
  h: Harness,
  chatId: string,
  visitor: (variable: string, attempt: number) => string,
  failing: ReadonlySet<string> = new Set(),
): Promise<Conversation> {
  const variables: Record<string, string> = { chatId };
  const fill = (template: string) => template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => variables[name] ?? "");
  const conversation: Conversation = { outputs: [], asked: {}, visits: 0 };
  let at = 0;
  for (;;) {
    const step = dialog[at]!;
    if (++conversation.visits > VISITS_LIMIT) throw new Error(`no end after ${VISITS_LIMIT} nodes`);
    const goTo = (number: string) => dialog.findIndex((candidate) => candidate.number === number);
    if (step.route) {
      if (!failing.has(step.route.output)) {
        const url = new URL(fill(value(step, "URL")[0]!));
        const headers = Object.fromEntries(
          value(step, "Header").map((header) => header.split(": ") as [string, string]),
        );
        const body = value(step, "Body")[0];
        const json = headers["Content-Type"]?.startsWith("application/json");
        const filled =
          body === undefined
            ? undefined
            : json
              ? JSON.stringify(
                  Object.fromEntries(Object.entries(JSON.parse(body)).map(([k, v]) => [k, fill(String(v))])),
                )
              : fill(body);
        const answer = await h.call(value(step, "Method")[0]!, `${url.pathname}${url.search}`, {
          headers,
          body: filled,
          key: null,
        });
        if (answer.status >= 200 && answer.status < 300) {
          for (const setting of step.settings) {
            const field = /^Response field (\w+) → dialog variable$/.exec(setting.label)?.[1];
            if (field && answer.json?.[field] !== undefined)
              variables[value(step, setting.label)[0]!] = String(answer.json[field]);
          }
        }
      }
      at++;
    } else if (step.branches) {
      const branch = step.settings.find((candidate) => {
        const condition = /^(\w+) equals (\S+)$/.exec(candidate.label);
        return condition ? variables[condition[1]!] === condition[2] : candidate.label.startsWith("Fallback");
      })!;
      const then = String(branch.value);
      const ended = /^Output: "(.*)" \(end\)$/.exec(then);
      const forward = /^continue to (\S+)$/.exec(then);
      const back = /^Output \{\{(\w+)\}\}, then back to (\S+) /.exec(then);
      if (ended) {
        conversation.outputs.push(fill(ended[1]!));
        return conversation;
      }
      if (forward) at = goTo(forward[1]!);
      else if (back) {
        conversation.outputs.push(variables[back[1]!] ?? "");
        at = goTo(back[2]!);
      } else throw new Error(`${step.number}: cannot follow "${then}"`);
    } else {
      const variable = value(step, "Store the answer in dialog variable")[0]!;
      conversation.asked[variable] = (conversation.asked[variable] ?? 0) + 1;
      variables[variable] = visitor(variable, conversation.asked[variable]);
      at++;
    }
  }
}

const GOOD = { email: "jane.doe@example.com", name: "Jane Doe" } as Record<string, string>;
const BAD = { email: "jane.doe.example.com", name: "http://spam.example" } as Record<string, string>;
const CALLOUTS = dialog.flatMap((step) => (step.route ? [step.route.output] : []));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const mutations = (chatId: string) => h.cm.routing.calls.filter((call) => call.chatId === chatId);

describe("the dialog the setup guide describes", () => {
  it("hands a visitor with good answers over, once", async () => {
    const chatId = randomUUID();
    const conversation = await converse(h, chatId, (variable) => GOOD[variable]!);
    expect(conversation.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
    expect(mutations(chatId)).toHaveLength(1);
  });

  it("asks a wrong e-mail address three times with the backend's message, then ends", async () => {
    const chatId = randomUUID();
    const conversation = await converse(h, chatId, (variable) => BAD[variable]!);
    expect(conversation.asked).toEqual({ email: 3 });
    expect(conversation.outputs).toHaveLength(3);
    expect(conversation.outputs[0]).toMatch(/e-mail address/);
    expect(conversation.outputs.at(-1)).toBe("Sorry, that did not work. Please try again later.");
    expect(mutations(chatId)).toEqual([]);
  });

  it.each(CALLOUTS)("ends in an Output, asking nothing again, when the %s callout fails", async (output) => {
    const chatId = randomUUID();
    const conversation = await converse(h, chatId, (variable) => GOOD[variable]!, new Set([output]));
    expect(conversation.outputs).toHaveLength(1);
    expect(conversation.outputs[0]).toMatch(/^Sorry|^No agent/);
    expect(Object.values(conversation.asked).every((count) => count <= 1)).toBe(true);
    expect(mutations(chatId)).toEqual([]);
  });

  it("ends for any visitor and any failing callouts; a handover it announces was requested exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.subarray(CALLOUTS),
        fc.constantFrom("Online", "Offline"),
        async (goodAnswers, failing, presence) => {
          h.cm.presence.answer = presence;
          const chatId = randomUUID();
          let turn = 0;
          const conversation = await converse(
            h,
            chatId,
            (variable) => (goodAnswers[turn++ % goodAnswers.length] ? GOOD : BAD)[variable] ?? "",
            new Set(failing),
          );
          expect(conversation.visits).toBeLessThanOrEqual(VISITS_LIMIT);
          for (const count of Object.values(conversation.asked)) expect(count).toBeLessThanOrEqual(3);
          const announced = conversation.outputs.at(-1) === "One moment, I am connecting you to a colleague.";
          expect(mutations(chatId)).toHaveLength(announced ? 1 : 0);
        },
      ),
      { numRuns: 25 },
    );
    h.cm.presence.answer = "Online";
  }, 120_000);
});
