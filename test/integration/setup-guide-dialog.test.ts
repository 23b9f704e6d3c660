import { randomUUID } from "node:crypto";
import type { Step } from "@caic-handover/local/setup-guide/document";
import { buildGuide } from "@caic-handover/local/setup-guide/guide";
import { deployedTarget } from "@caic-handover/local/setup-guide/targets";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, LOCAL_KEYS, startHarness } from "../support/harness";

/**
 * The CAIC dialog built exactly as `npm run setup-guide` describes it, run against the real handlers,
 * DynamoDB Local and the simulated CM: whatever the visitor types and whichever callout fails, it
 * ends in an Output node, and the only loop (a wrong answer asked again) is bounded by `exhausted`.
 */

const BASE = "https://caic-handover.test";
const guide = buildGuide(deployedTarget({ apiUrl: BASE, showKey: true }, LOCAL_KEYS));
const dialog = guide.sections.find((section) => section.id === "dialog")!.steps;
const knownSection = guide.sections.find((section) => section.id === "known-values")!.steps;
const stepId = (steps: readonly Step[], id: string) => steps.find((step) => step.id === id)!.number;
/**
 * The dialog with the known-values section wired in as it says: the availability step's branches to
 * the e-mail Capture Input lead to the first known-value callout, the e-mail check's to the name
 * Capture Input lead to "Name known?".
 */
const withKnown = {
  steps: [...dialog, ...knownSection],
  redirect: {
    "agents-available": { [stepId(dialog, "capture-email")]: stepId(knownSection, "known-email") },
    "email-accepted": { [stepId(dialog, "capture-name")]: stepId(knownSection, "name-known") },
  } as Record<string, Record<string, string>>,
};
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
  flow: {
    steps: readonly Step[];
    redirect: Record<string, Record<string, string>>;
    known?: Record<string, string>;
    /** The tenant sends no plain-text body as typed: every such callout uses the alternative its note prints. */
    formAlternative?: boolean;
  } = {
    steps: dialog,
    redirect: {},
  },
): Promise<Conversation> {
  const variables: Record<string, string> = { chatId, ...flow.known };
  const fill = (template: string) => template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => variables[name] ?? "");
  const conversation: Conversation = { outputs: [], asked: {}, visits: 0 };
  let at = 0;
  for (;;) {
    const step = flow.steps[at]!;
    if (++conversation.visits > VISITS_LIMIT) throw new Error(`no end after ${VISITS_LIMIT} nodes`);
    const goTo = (number: string) => {
      const to = flow.redirect[step.id]?.[number] ?? number;
      return flow.steps.findIndex((candidate) => candidate.number === to);
    };
    if (step.route) {
      if (!failing.has(step.id)) {
        const url = new URL(fill(value(step, "URL")[0]!));
        const headers = Object.fromEntries(
          value(step, "Header").map((header) => header.split(": ") as [string, string]),
        );
        let body = value(step, "Body")[0];
        if (flow.formAlternative && headers["Content-Type"]?.startsWith("text/plain")) {
          // As the step's note says: this content type, the body this prefix and then the variable, unencoded.
          const alternative = /send `Content-Type: ([^`]+)` with the body `(\w+=)` followed by the variable/.exec(
            step.notes.join("\n"),
          );
          if (!alternative) throw new Error(`${step.number}: no alternative to a plain-text body`);
          headers["Content-Type"] = alternative[1]!;
          body = `${alternative[2]}${body}`;
        }
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
        if (candidate.label.startsWith("Fallback")) return true;
        // "a equals x and b equals y": every part must hold.
        return candidate.label.split(" and ").every((part) => {
          const condition = /^(\w+) equals (\S+)$/.exec(part);
          if (!condition) throw new Error(`${step.number}: cannot read condition "${part}"`);
          return variables[condition[1]!] === condition[2];
        });
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

describe("the known-values section of the guide, wired in", () => {
  const known = (email: string, name: string) => ({
    ...withKnown,
    known: { customerEmail: email, customerName: name },
  });

  it('hands a logged-in visitor named Johannes "Jan" Jansen over without asking anything', async () => {
    const chatId = randomUUID();
    const conversation = await converse(
      h,
      chatId,
      () => "never asked",
      new Set(),
      known("jan@example.com", 'Johannes "Jan" Jansen'),
    );
    expect(conversation.asked).toEqual({});
    expect(conversation.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
    expect(mutations(chatId)).toHaveLength(1);
    expect(h.cm.acceptedMutations.find((call) => call.chatId === chatId)!.body).toMatchObject({
      Context: { name: 'Johannes "Jan" Jansen', email: "jan@example.com" },
    });
  });

  it("works the same where plain text is not sent as typed: the form alternative the guide prints", async () => {
    const chatId = randomUUID();
    const conversation = await converse(h, chatId, () => "never asked", new Set(), {
      ...known("jan@example.com", 'Johannes "Jan" Jansen'),
      formAlternative: true,
    });
    expect(conversation.asked).toEqual({});
    expect(conversation.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
    expect(h.cm.acceptedMutations.find((call) => call.chatId === chatId)!.body).toMatchObject({
      Context: { name: 'Johannes "Jan" Jansen', email: "jan@example.com" },
    });

    // A known name that fails the checks is not known: the visitor is asked, and the answer goes as a form too.
    const asked = randomUUID();
    const second = await converse(h, asked, (variable) => GOOD[variable]!, new Set(), {
      ...known("jan@example.com", "http://spam.example"),
      formAlternative: true,
    });
    expect(second.asked).toEqual({ name: 1 });
    expect(second.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
    expect(h.cm.acceptedMutations.find((call) => call.chatId === asked)!.body).toMatchObject({
      Context: { name: "Jane Doe", email: "jan@example.com" },
    });
  });

  it("asks only for a name with a backslash (not a valid name), with all three attempts, and hands over", async () => {
    const chatId = randomUUID();
    const conversation = await converse(
      h,
      chatId,
      (variable) => GOOD[variable]!,
      new Set(),
      known("jan@example.com", 'Jan \\ "Jansen"'),
    );
    expect(conversation.asked).toEqual({ name: 1 });
    expect(conversation.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
    expect(mutations(chatId)).toHaveLength(1);
  });

  it.each(["known-email", "known-name"])("still reaches the Capture Inputs when the %s callout fails", async (id) => {
    const chatId = randomUUID();
    const conversation = await converse(
      h,
      chatId,
      (variable) => GOOD[variable]!,
      new Set([id]),
      known("jan@example.com", 'Jan "J" \\ Jansen'),
    );
    expect(conversation.asked.name).toBe(1);
    if (id === "known-email") expect(conversation.asked.email).toBe(1);
    expect(conversation.outputs).toEqual(["One moment, I am connecting you to a colleague."]);
  });

  it("ends for any known values with quotes and backslashes and any failing callouts; no handover twice", async () => {
    const nasty = fc.stringMatching(/^[A-Za-z "\\'{}]{0,20}$/);
    const ids = withKnown.steps.flatMap((step) => (step.route ? [step.id] : []));
    await fc.assert(
      fc.asyncProperty(
        nasty,
        fc.constantFrom("jan@example.com", "", 'ja"n@x', "{{customerEmail}}"),
        fc.subarray(ids),
        async (name, email, failing) => {
          const chatId = randomUUID();
          const conversation = await converse(
            h,
            chatId,
            (variable) => GOOD[variable]!,
            new Set(failing),
            known(email, name),
          );
          expect(conversation.visits).toBeLessThanOrEqual(VISITS_LIMIT);
          const announced = conversation.outputs.at(-1) === "One moment, I am connecting you to a colleague.";
          expect(mutations(chatId)).toHaveLength(announced ? 1 : 0);
          if (
            !failing.includes("CaicEventUrl") &&
            !failing.includes("AvailabilityUrl") &&
            !failing.includes("HandoverUrl") &&
            failing.every((id) => !id.startsWith("Intake"))
          ) {
            expect(announced).toBe(true);
          }
        },
      ),
      { numRuns: 25, seed: 23 },
    );
  }, 120_000);
});
