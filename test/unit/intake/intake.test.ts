import type { ChatRecord } from "@caic-handover/core/chat/chat";
import type { ChatStore, KnownFieldValues } from "@caic-handover/core/chat/chat-store";
import type { IntakeField } from "@caic-handover/core/config/config";
import type { HandoverDetails } from "@caic-handover/core/handover/handover-details";
import {
  type IntakeDeps,
  MAX_ATTEMPTS,
  recordIntake,
  recordKnownValue,
  recordUnreadableAnswer,
  startIntake,
} from "@caic-handover/core/intake/intake";
import { knownValues } from "@caic-handover/core/intake/known-values";
import type { Culture } from "@caic-handover/core/language/culture";
import type { Log, MetricName } from "@caic-handover/core/shared/metrics";
import { describe, expect, it } from "vitest";

/** The intake use cases against a scripted chat store: what is stored, counted and answered. */

const NOW = new Date(Date.UTC(2030, 0, 15, 9, 0, 0));
const EN: Culture = { language: "en", locale: "en" };
const NL: Culture = { language: "nl", locale: "nl-NL" };

function record(extra: Partial<ChatRecord> = {}): ChatRecord {
  return {
    chatId: "chat-1",
    status: "collecting",
    history: [],
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: 0,
    ...extra,
  };
}

/** Every port method fails unless the test scripts it: a use case calls only what it should. */
function unused(): ChatStore {
  const no = (method: string) => async () => {
    throw new Error(`${method} is not part of this use case`);
  };
  return {
    get: no("get"),
    startIntake: no("startIntake"),
    recordPresence: no("recordPresence"),
    recordValue: no("recordValue"),
    recordInvalidAttempt: no("recordInvalidAttempt"),
    claimHandover: no("claimHandover"),
    settleHandover: no("settleHandover"),
    confirmHandover: no("confirmHandover"),
    recordRouterSession: no("recordRouterSession"),
    claimHandback: no("claimHandback"),
    settleHandback: no("settleHandback"),
    endSession: no("endSession"),
    erase: no("erase"),
    recordCmHistory: no("recordCmHistory"),
  };
}

/** A chat store holding one chat: values and attempts land on it as the DynamoDB store's writes do. */
function intakeStore(initial: ChatRecord = record()) {
  let chat = initial;
  const writes: { method: string; field: IntakeField; value?: string; known?: KnownFieldValues }[] = [];
  const store: ChatStore = {
    ...unused(),
    recordValue: async (_chatId, field, value, _now, known) => {
      writes.push({ method: "recordValue", field, value, known });
      chat = { ...chat, ...known, [field]: value };
      return chat;
    },
    recordInvalidAttempt: async (_chatId, field, _now, known) => {
      writes.push({ method: "recordInvalidAttempt", field, known });
      chat = { ...chat, ...known, [`${field}Attempts`]: (chat[`${field}Attempts`] ?? 0) + 1 };
      return chat;
    },
  };
  return { store, writes, chat: () => chat };
}

function observed() {
  const counted: string[] = [];
  const logged: string[] = [];
  const log: Log = {
    debug: (message, ...attributes) => logged.push(JSON.stringify([message, ...attributes])),
    info: (message, ...attributes) => logged.push(JSON.stringify([message, ...attributes])),
    warn: (message, ...attributes) => logged.push(JSON.stringify([message, ...attributes])),
    error: (message, ...attributes) => logged.push(JSON.stringify([message, ...attributes])),
  };
  const metrics = {
    count: (metric: MetricName, dimension?: string) => counted.push(dimension ? `${metric}:${dimension}` : metric),
  };
  return { counted, logged, log, metrics };
}

function setUp(store: ChatStore, extra: Partial<IntakeDeps> = {}) {
  const seen = observed();
  const deps: IntakeDeps = {
    store,
    metrics: seen.metrics,
    log: seen.log,
    required: ["email", "name"],
    now: () => NOW,
    ...extra,
  };
  return { deps, ...seen };
}

const NO_AT = "An e-mail address has an @ in it, like name@example.com. Please check it and try again.";

describe("recordIntake: one Capture Input step", () => {
  it("stores a valid answer normalised, counts it, and says what is still missing; the value is never logged", async () => {
    const { store, writes } = intakeStore();
    const { deps, counted, logged } = setUp(store);
    const answer = await recordIntake(deps, "chat-1", "email", " Ann@Example.COM ", EN);
    expect(answer).toEqual({
      valid: true,
      field: "email",
      value: "Ann@example.com",
      complete: false,
      missing: ["name"],
    });
    expect(writes).toEqual([{ method: "recordValue", field: "email", value: "Ann@example.com", known: {} }]);
    expect(counted).toEqual(["IntakeValid:email"]);
    expect(logged.join()).not.toMatch(/ann@/i);
  });

  it("the last required answer completes the intake", async () => {
    const { store } = intakeStore(record({ email: "ann@example.com" }));
    const { deps } = setUp(store);
    expect(await recordIntake(deps, "chat-1", "name", "  Ann   Example ", EN)).toEqual({
      valid: true,
      field: "name",
      value: "Ann Example",
      complete: true,
      missing: [],
    });
  });

  it("values the bot already knew ride along in the same write and are counted, logged by field only", async () => {
    const { store, writes, chat } = intakeStore();
    const { deps, counted, logged } = setUp(store);
    const known = knownValues({ name: "Ann Example", message: 42 }, "email");
    const answer = await recordIntake(deps, "chat-1", "email", "ann@example.com", EN, known);
    expect(answer).toMatchObject({ valid: true, complete: true, missing: [] });
    expect(writes).toHaveLength(1);
    expect(writes[0]!.known).toEqual({ name: "Ann Example" });
    expect(chat()).toMatchObject({ email: "ann@example.com", name: "Ann Example" });
    expect(counted).toEqual(["IntakeValid:email", "IntakeKnown:name"]);
    expect(logged.find((line) => line.includes("known values"))).toBe(
      JSON.stringify(["known values", { stored: ["name"], invalid: ["message"] }]),
    );
    expect(logged.join()).not.toContain("Ann");
  });

  it("an invalid answer is only counted, answered in the visitor's language with the attempts so far", async () => {
    const { store, writes } = intakeStore();
    const { deps, counted } = setUp(store);
    const answer = await recordIntake(deps, "chat-1", "email", "ann", EN);
    expect(answer).toEqual({ valid: false, field: "email", message: NO_AT, attempts: 1, exhausted: false });
    expect(writes.map((write) => write.method)).toEqual(["recordInvalidAttempt"]);
    expect(counted).toEqual(["IntakeInvalid:email"]);
  });

  it("the last allowed invalid answer (MAX_ATTEMPTS) exhausts the field", async () => {
    const { store } = intakeStore(record({ emailAttempts: MAX_ATTEMPTS - 1 }));
    const { deps } = setUp(store);
    expect(await recordIntake(deps, "chat-1", "email", "ann", NL)).toEqual({
      valid: false,
      field: "email",
      message: "Een e-mailadres bevat een @, zoals naam@example.com. Controleer het en probeer het opnieuw.",
      attempts: MAX_ATTEMPTS,
      exhausted: true,
    });
  });

  it("a store answer without an attempt count counts as the first attempt", async () => {
    const { deps } = setUp({ ...unused(), recordInvalidAttempt: async () => record() });
    expect(await recordIntake(deps, "chat-1", "email", "ann", EN)).toMatchObject({ attempts: 1, exhausted: false });
  });

  it("known values ride along with an invalid answer too", async () => {
    const { store, writes } = intakeStore();
    const { deps, counted } = setUp(store);
    await recordIntake(deps, "chat-1", "email", "ann", EN, knownValues({ name: "Ann Example" }, "email"));
    expect(writes).toEqual([{ method: "recordInvalidAttempt", field: "email", known: { name: "Ann Example" } }]);
    expect(counted).toEqual(["IntakeInvalid:email", "IntakeKnown:name"]);
  });

  it.each(["null", " undefined ", "{{email}}", ""])(
    "a dialog's unset variable (%j) is no answer: asked again as an empty one",
    async (raw) => {
      const { store, writes } = intakeStore();
      const { deps } = setUp(store);
      expect(await recordIntake(deps, "chat-1", "email", raw, EN)).toMatchObject({
        valid: false,
        message: "Please enter your e-mail address.",
        attempts: 1,
      });
      expect(writes.map((write) => write.method)).toEqual(["recordInvalidAttempt"]);
    },
  );

  it("an unreadable step body is an invalid answer like any other", async () => {
    const { store } = intakeStore();
    const { deps, counted } = setUp(store);
    expect(await recordUnreadableAnswer(deps, "chat-1", "name", EN)).toEqual({
      valid: false,
      field: "name",
      message:
        'Sorry, that answer could not be read. Please type it again without quotation marks (") or backslashes (\\).',
      attempts: 1,
      exhausted: false,
    });
    expect(counted).toEqual(["IntakeInvalid:name"]);
  });

  it("a known value sent alone is stored when valid and never counts as an attempt; an unusable one is simply not known", async () => {
    const { store, writes } = intakeStore();
    const { deps, counted } = setUp(store);
    expect(await recordKnownValue(deps, "chat-1", "email", "ann@example.com")).toEqual({
      field: "email",
      known: true,
      complete: false,
      missing: ["name"],
    });
    expect(await recordKnownValue(deps, "chat-1", "name", "ann@example.com")).toEqual({ field: "name", known: false });
    expect(writes.map((write) => `${write.method} ${write.field}`)).toEqual(["recordValue email"]);
    expect(counted).toEqual(["IntakeKnown:email"]);
  });
});

describe("startIntake: the CAIC handover event", () => {
  function startStore(started: boolean, stored: ChatRecord) {
    const calls: {
      known: KnownFieldValues | undefined;
      details: HandoverDetails | undefined;
      window: number | undefined;
    }[] = [];
    const store: ChatStore = {
      ...unused(),
      startIntake: async (_chatId, _now, known, details, retryWindowSeconds) => {
        calls.push({ known, details, window: retryWindowSeconds });
        return { started, record: stored };
      },
    };
    return { store, calls };
  }

  it("starts a new run, counted once as a handover triggered, and says what the dialog must ask", async () => {
    const { store, calls } = startStore(true, record({ status: "started" }));
    const { deps, counted } = setUp(store, { retryWindowSeconds: 30 });
    expect(await startIntake(deps, "chat-1")).toEqual({
      chatId: "chat-1",
      status: "started",
      complete: false,
      missing: ["email", "name"],
      emailKnown: false,
      nameKnown: false,
      messageKnown: false,
    });
    expect(calls).toEqual([{ known: {}, details: undefined, window: 30 }]);
    expect(counted).toEqual(["HandoverTriggered"]);
  });

  it("stores valid known values and the dialog's details with the run; the answer says what is known", async () => {
    const stored = record({ status: "started", email: "bob@example.org", message: "Where is my order?" });
    const { store, calls } = startStore(true, stored);
    const { deps, counted, logged } = setUp(store);
    const known = knownValues({ email: "bob@example.org", name: "x@y" });
    const answer = await startIntake(deps, "chat-1", known, { reason: "refund", skill: "billing" });
    expect(answer).toMatchObject({
      status: "started",
      complete: false,
      missing: ["name"],
      emailKnown: true,
      nameKnown: false,
      messageKnown: true,
    });
    expect(calls).toEqual([
      { known: { email: "bob@example.org" }, details: { reason: "refund", skill: "billing" }, window: undefined },
    ]);
    expect(counted).toEqual(["HandoverTriggered", "IntakeKnown:email"]);
    expect(logged.join()).not.toContain("bob@");
  });

  it("a new run is `started` whatever the chat kept from before", async () => {
    const { store } = startStore(true, record({ status: "collecting", email: "a@example.com", name: "Ann" }));
    const { deps } = setUp(store);
    expect(await startIntake(deps, "chat-1")).toMatchObject({ status: "started", complete: true, missing: [] });
  });

  it.each(["requesting", "requested", "unconfirmed", "handed_over"] as const)(
    "a retry of the run in flight (%s, within the retry window) answers that run's status and is not counted again",
    async (status) => {
      const { store } = startStore(false, record({ status, email: "a@example.com", name: "Ann" }));
      const { deps, counted } = setUp(store, { retryWindowSeconds: 30 });
      expect(await startIntake(deps, "chat-1")).toMatchObject({ status, complete: true });
      expect(counted).toEqual([]);
    },
  );
});
