import type { IntakeField } from "@caic-handover/core/config/config";
import { VALIDATORS } from "@caic-handover/core/intake/intake-validation";
import { isPlaceholder, isUnset } from "@caic-handover/core/shared/input";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, type Harness, newChatId, startHarness } from "../support/harness";
import { onlyWrapperRemoved } from "../support/intake-rules";
import { captureLogs, type LogCapture } from "../support/log-capture";
import { NAUGHTY_STRINGS } from "../support/naughty-strings";

/**
 * The Big List of Naughty Strings through every field of every route, against DynamoDB Local and
 * the simulated CM: never a 5xx; every answer of its documented shape; an answer stored only when
 * the answer says valid, and then equal to what was typed under the rules of docs/intake.md;
 * nothing a caller typed in the logs.
 */

process.env.POWERTOOLS_LOG_LEVEL = "INFO";

let h: Harness;
let capture: LogCapture;
beforeAll(async () => {
  h = await startHarness({ PRESENCE_CACHE_SECONDS: "0" });
  capture = captureLogs();
});
afterAll(async () => {
  capture.stop();
  await h.close();
});

const FIELDS: IntakeField[] = ["email", "name", "message"];
const TIMEOUT = 600_000;

/** What docs/intake.md lets differ between typed and stored: invisible characters, compatibility forms, case (of a domain), typographic punctuation. */
const fold = (text: string) =>
  text
    .replace(/[\p{Cf}\p{DI}]/gu, "")
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u201b\u2032\u00b4`]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033\u301d\u301e]/g, '"')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63]/g, "-")
    .replace(/\u3002/g, ".")
    .toLowerCase();

/** The stored value is the typed one under the documented rules: nothing added, nothing but a wrapper (e-mail) or white space (name) taken away. */
function storedAsTyped(field: IntakeField, typed: string, stored: string): boolean {
  const [t, s] = [fold(typed), fold(stored)];
  if (field === "email") return onlyWrapperRemoved(typed.normalize("NFKC"), stored);
  if (field === "name") return t.replace(/\s+/gu, "") === s.replace(/\s+/gu, "");
  return t.replace(/\r\n?/g, "\n").trim() === s.trim();
}

/** A 4xx names its problem; a 2xx is JSON (or the documented plain-text variant). */
function wellFormed(answer: Answer, label: string) {
  expect(answer.status, label).toBeLessThan(500);
  if (answer.status >= 400) expect(typeof answer.json?.message, label).toBe("string");
  else if (answer.status !== 204) expect(answer.json, label).toBeTypeOf("object");
}

async function forEachString(run: (typed: string, index: number) => Promise<void>) {
  const queue = NAUGHTY_STRINGS.map((typed, index) => [typed, index] as const);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await run(...next);
    }),
  );
}

describe("every naughty string as every intake answer", () => {
  it(
    "is a 200 of the documented shape; stored only when valid, and then as typed",
    async () => {
      await forEachString(async (typed, index) => {
        for (const field of FIELDS) {
          const forms = [
            { query: { chatId: newChatId() }, body: typed, headers: { "content-type": "text/plain; charset=utf-8" } },
            { body: { chatId: newChatId(), value: typed } },
            {
              body: new URLSearchParams({ chatId: newChatId(), [field]: typed }).toString(),
              headers: { "content-type": "application/x-www-form-urlencoded" },
            },
          ];
          for (const [form, options] of forms.entries()) {
            const label = `#${index} ${field} form ${form} ${JSON.stringify(typed)}`;
            const answer = await h.call("POST", `/intake/${field}`, options);
            expect(answer.status, label).toBe(200);
            const chatId =
              options.query?.chatId ??
              (typeof options.body === "object" ? options.body.chatId : undefined) ??
              new URLSearchParams(options.body as string).get("chatId")!;
            const item = await h.item(chatId);
            // A dialog's unset variable (`null`, `undefined`, `{{name}}`) is no answer (docs/intake.md §3).
            const unset = ["null", "undefined"].includes(typed.trim()) || isPlaceholder(typed);
            const expected = VALIDATORS[field](unset ? "" : typed);
            expect(answer.json.valid, label).toBe(expected.ok);
            expect(answer.json.field, label).toBe(field);
            if (answer.json.valid) {
              expect(Object.keys(answer.json).sort(), label).toEqual([
                "complete",
                "field",
                "missing",
                "valid",
                "value",
              ]);
              expect(item?.[field], label).toBe(answer.json.value);
              expect(storedAsTyped(field, typed, answer.json.value), `${label} stored ${answer.json.value}`).toBe(true);
            } else {
              expect(Object.keys(answer.json).sort(), label).toEqual([
                "attempts",
                "exhausted",
                "field",
                "message",
                "valid",
              ]);
              expect(answer.json.message, label).toMatch(/\S/);
              expect(item?.[field], label).toBeUndefined();
            }
          }
        }
      });
    },
    TIMEOUT,
  );

  it(
    "as a value the bot already knows: stored only when valid, as typed",
    async () => {
      await forEachString(async (typed, index) => {
        const chatId = newChatId();
        const answer = await h.call("POST", "/caic/events", {
          body: { chatId, email: typed, name: typed, message: typed },
        });
        const label = `#${index} ${JSON.stringify(typed)}`;
        wellFormed(answer, label);
        expect(answer.status, label).toBe(200);
        const item = await h.item(chatId);
        for (const field of FIELDS) {
          const expected = VALIDATORS[field](typed);
          if (expected.ok && !isUnset(typed)) {
            expect(item?.[field], `${label} ${field}`).toBe(expected.value);
            expect(storedAsTyped(field, typed, expected.value), `${label} ${field}`).toBe(true);
          } else expect(item?.[field], `${label} ${field}`).toBeUndefined();
        }
      });
    },
    TIMEOUT,
  );
});

describe("every naughty string in every other field of every route", () => {
  it(
    "is never a 5xx, and a 4xx names its problem",
    async () => {
      await forEachString(async (typed, index) => {
        const label = `#${index} ${JSON.stringify(typed)}`;
        const path = encodeURIComponent(typed);
        const calls: Array<[string, string, Parameters<Harness["call"]>[2]]> = [
          ["POST", "/caic/events", { body: { chatId: typed } }],
          ["POST", "/caic/events", { body: { chatId: newChatId(), culture: typed } }],
          ["GET", "/availability", { query: { chatId: typed } }],
          ["GET", "/availability", { query: { chatId: newChatId(), channel: typed, referrer: typed, culture: typed } }],
          ["POST", "/availability", { body: { chatId: newChatId(), channel: typed, referrer: typed, locale: typed } }],
          [
            "POST",
            "/intake/name",
            { query: { chatId: typed }, body: "Jane", headers: { "content-type": "text/plain" } },
          ],
          ["POST", "/intake/email", { body: { chatId: typed, value: "jane@example.com" } }],
          ["POST", "/intake/message", { query: { chatId: newChatId(), culture: typed }, body: { value: "Hi" } }],
          ["POST", "/handover", { body: { chatId: typed } }],
          ["POST", "/router/handover", { body: { chatId: typed } }],
          ["POST", "/router/events", { body: { chat: { id: typed }, conversationEvents: [{ $type: typed }] } }],
          ["GET", `/chats/${path}`, {}],
          ["DELETE", `/chats/${path}`, {}],
          ["POST", `/chats/${path}/handback`, { body: {} }],
        ];
        for (const [method, route, options] of calls) {
          wellFormed(await h.call(method, route, options), `${label} ${method} ${route}`);
        }

        // A handover with the string as referrer and keywords, from a chat ready to hand over.
        const chatId = newChatId();
        await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
        await h.call("POST", "/intake/name", { body: { chatId, value: "Jane" } });
        const handover = await h.call("POST", "/handover", { body: { chatId, referrer: typed, keywords: typed } });
        wellFormed(handover, `${label} POST /handover referrer`);
      });
    },
    TIMEOUT,
  );
});

it("writes nothing a caller typed to the logs", () => {
  const logs = capture.lines.join("\n");
  expect(logs.length).toBeGreaterThan(0);
  // Strings a log line holds anyway (a tolerated chat id, a word such as "undefined") are not evidence.
  const personal = NAUGHTY_STRINGS.filter(
    (typed) => typed.trim().length >= 10 && (typed.match(/\p{L}/gu)?.length ?? 0) >= 3 && !/^[\w-]+$/.test(typed),
  );
  expect(personal.length).toBeGreaterThan(100);
  const leaked = personal.filter((typed) => logs.includes(typed) || logs.includes(JSON.stringify(typed).slice(1, -1)));
  expect(leaked).toEqual([]);
});
