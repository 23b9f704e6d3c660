import { LEASE_MARGIN_MS } from "@caic-handover/core/availability/presence";
import { PRESENCE_TIMEOUT_MS } from "@caic-handover/core/availability/presence-call";
import { SETTLE_TIMEOUT_MS } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import {
  CLAIM_LEASE_SECONDS,
  OUTCOME_POLL_MS,
  SETTLE_RESERVE_MS,
  SETTLE_RETRY_MS,
} from "@caic-handover/core/handover/claim";
import { HISTORY_DEADLINES } from "@caic-handover/core/router/cm-history";
import { FORWARD_TIMEOUT_MS } from "@caic-handover/core/router/notification";
import { ROUTING_DEADLINES } from "@caic-handover/core/router/routing";
import { DYNAMODB_CALL_S, FUNCTIONS, type FunctionName, ROUTES, routeKey } from "./routes";

/**
 * Each function's time budget, beside the route table: the calls it waits for, each at the deadline
 * the code gives it (the constants it runs with), and so its worst case, which must end before its
 * Lambda timeout (`FUNCTIONS[].timeoutSeconds`), itself inside API Gateway's 30 s. The timing test
 * (test/unit/functions/timing.test.ts) and the table in docs/design.md#timing (`budgetTable`, written by
 * `npm run docs:tables`) are derived from it. Kept out of `routes.ts`, which every bundle imports,
 * so the handlers do not carry the core modules these constants live in.
 *
 * The unit is one store operation (one method of the chat or presence store): it takes at most one
 * DynamoDB call's deadline. The further calls an operation makes after DynamoDB has answered its
 * first (a write made once more after a refused condition, an expired item's delete, a history trim)
 * count as fast (docs/design.md#timing).
 */

/** One call a function waits for, at its deadline. */
export interface BudgetStep {
  what: string;
  ms: number;
}

/** One way through a function: its calls, one after another. */
export interface BudgetPath {
  case: string;
  steps: readonly BudgetStep[];
}

export interface Budget {
  /** Every way through the function; its worst case is the longest. */
  paths: readonly BudgetPath[];
  /**
   * Ways through that outlast the Lambda timeout when every call takes its whole deadline, and what
   * then happens. Known gaps, not changed here (issue 22 changes no behaviour); the timing test fails
   * when one fits again, so this list stays true.
   */
  gaps?: readonly (BudgetPath & { effect: string })[];
}

/** API Gateway HTTP API's integration timeout (AWS's maximum, the default SST keeps): the outermost deadline. */
export const API_GATEWAY_TIMEOUT_MS = 30_000;
export const DYNAMODB_CALL_MS = DYNAMODB_CALL_S * 1000;
export const CLAIM_LEASE_MS = CLAIM_LEASE_SECONDS * 1000;
/** How long an instance waits for another's presence call: the presence lease. */
export const PRESENCE_LEASE_MS = PRESENCE_TIMEOUT_MS + LEASE_MARGIN_MS;
/** A duplicate waits for the claimer's outcome until the lease's end, +1 s for a lease stored as whole seconds. */
export const OUTCOME_WAIT_MS = CLAIM_LEASE_MS + 1000;

/** `2 s`, `0.2 s`, `23.2 s`. */
export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

const store = (what: string): BudgetStep => ({ what, ms: DYNAMODB_CALL_MS });

/** The claimer's claims (and, when a claim's answer is lost, the read-back) and routing, routing ending before the lease less the settle's reserve. */
const claimAndRouting = (claimCalls: number, readBack: boolean): BudgetStep => {
  const calls = claimCalls + (readBack ? 1 : 0);
  const claims = claimCalls === 1 ? "the claim" : `${claimCalls} claims`;
  return {
    what:
      `${claims}${readBack ? ", a read-back when a claim's answer is lost" : ""} ` +
      `(${seconds(DYNAMODB_CALL_MS)}${calls > 1 ? " each" : ""}) and routing (≤ ${seconds(ROUTING_DEADLINES.budgetMs)}), ` +
      `routing ending before the ${seconds(CLAIM_LEASE_MS)} lease less ${seconds(SETTLE_RESERVE_MS)}:`,
    ms: Math.max(CLAIM_LEASE_MS - SETTLE_RESERVE_MS, calls * DYNAMODB_CALL_MS),
  };
};
const settle: readonly BudgetStep[] = [
  { what: "the settle's retries", ms: SETTLE_RETRY_MS },
  store("its last attempt"),
];
const awaitOutcome: readonly BudgetStep[] = [
  { what: "waiting for the claimer's outcome", ms: OUTCOME_WAIT_MS },
  { what: "a last poll", ms: OUTCOME_POLL_MS },
  store("its read"),
];

const SESSION_END: BudgetPath = { case: "a session end", steps: [store("the session end written")] };
/** `ERASE_CM_HISTORY`: after the local write, a read for the Router session id, CM's deletion, its outcome. */
const cmHistory = (first: string): BudgetStep[] => [
  store(first),
  store("a read for the Router session id"),
  { what: "CM's history read and deletion", ms: HISTORY_DEADLINES.budgetMs },
  store("its outcome written"),
];
const INTAKE: Budget = {
  paths: [{ case: "a value", steps: [store("the value (or the invalid attempt) written")] }],
};

export const BUDGETS: Record<FunctionName, Budget> = {
  "caic-event": { paths: [{ case: "a run", steps: [store("the run started")] }] },
  availability: {
    paths: [
      {
        case: "this instance asks presence",
        steps: [
          store("the shared answer claimed"),
          { what: "the presence call", ms: PRESENCE_TIMEOUT_MS },
          { what: "its outcome stored", ms: SETTLE_TIMEOUT_MS },
          store("the chat's availability written"),
        ],
      },
      {
        case: "another instance asks",
        steps: [
          store("the shared answer claimed"),
          { what: "waiting for the other's answer, within its lease", ms: PRESENCE_LEASE_MS },
          store("the chat's availability written"),
        ],
      },
      {
        case: "the table down, no chat",
        steps: [store("the claim failing"), { what: "the presence call", ms: PRESENCE_TIMEOUT_MS }],
      },
    ],
    gaps: [
      {
        case: "the other instance vanished: this one takes over",
        steps: [
          store("the shared answer claimed"),
          { what: "waiting out the other's lease", ms: PRESENCE_LEASE_MS },
          store("claimed again"),
          { what: "the presence call", ms: PRESENCE_TIMEOUT_MS },
          { what: "its outcome stored", ms: SETTLE_TIMEOUT_MS },
          store("the chat's availability written"),
        ],
        effect: "the dialog's API Callout gets a Lambda timeout instead of an answer",
      },
    ],
  },
  "intake-email": INTAKE,
  "intake-name": INTAKE,
  "intake-message": INTAKE,
  handover: {
    paths: [
      { case: "the claimer", steps: [claimAndRouting(1, true), ...settle] },
      { case: "a duplicate", steps: [store("its claim"), ...awaitOutcome] },
    ],
    gaps: [
      {
        case: "the claimer, claiming as a message (OFFLINE_HANDOVER=message)",
        steps: [claimAndRouting(2, true), ...settle],
        effect:
          "no time is left for routing, so nothing is sent; the dialog gets a Lambda timeout if the settle is still retrying",
      },
      {
        case: "a duplicate, claiming as a message",
        steps: [store("its claim"), store("its claim as a message"), ...awaitOutcome],
        effect: "the duplicate gets a Lambda timeout; the claimer's answer is unaffected",
      },
    ],
  },
  "handover-notification": {
    paths: [
      {
        case: "a notification",
        steps: [store("the chat confirmed"), { what: "the forward to Web Conversations", ms: FORWARD_TIMEOUT_MS }],
      },
    ],
  },
  "router-events": {
    paths: [SESSION_END, { case: "with ERASE_CM_HISTORY", steps: cmHistory("the session end written") }],
    gaps: [
      {
        case: "with ERASE_CM_HISTORY and a Router session id in the event",
        steps: [store("the event's session id kept"), ...cmHistory("the session end written")],
        effect:
          "the timeout falls in the last write: CM's deletion is made but not recorded, and the Router gets an error",
      },
    ],
  },
  "chat-status": { paths: [{ case: "a status", steps: [store("the chat read")] }] },
  "chat-erase": {
    paths: [
      { case: "an erase", steps: [store("the chat erased")] },
      { case: "with ERASE_CM_HISTORY", steps: cmHistory("the chat erased") },
    ],
  },
  handback: {
    paths: [
      { case: "the claimer", steps: [claimAndRouting(1, false), ...settle] },
      { case: "a duplicate", steps: [store("its claim"), ...awaitOutcome] },
    ],
  },
};

/** How long a way through takes when every call takes its whole deadline. */
export const pathMs = (path: BudgetPath) => path.steps.reduce((sum, step) => sum + step.ms, 0);

/** A function's longest answer when every dependency takes its full deadline (its gaps aside). */
export const worstCaseMs = (fn: FunctionName) => Math.max(...BUDGETS[fn].paths.map(pathMs));

const renderPath = (path: BudgetPath) => {
  const steps = path.steps.map((step) => `${step.what} ${seconds(step.ms)}`).join(" + ");
  return `${path.case}: ${steps}${path.steps.length > 1 ? ` = ${seconds(pathMs(path))}` : ""}`;
};

/** The function's budget in one sentence, generated from the numbers. */
export const budgetSentence = (fn: FunctionName) => BUDGETS[fn].paths.map(renderPath).join("; ");

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The Markdown table of every function's budget, worst case and Lambda timeout (docs/design.md#timing). */
export function budgetTable(): string {
  const rows = FUNCTION_NAMES.map((fn) => {
    const routes = ROUTES.filter((route) => route.function === fn)
      .map((route) => `\`${routeKey(route)}\``)
      .join(", ");
    const budget = BUDGETS[fn].paths.map(renderPath).join("<br>");
    return `| ${fn} | ${routes} | ${budget} | ${seconds(worstCaseMs(fn))} | ${FUNCTIONS[fn].timeoutSeconds} s |`;
  });
  const gaps = FUNCTION_NAMES.flatMap((fn) =>
    (BUDGETS[fn].gaps ?? []).map(
      (gap) => `- ${fn}, ${renderPath(gap)}, over its ${FUNCTIONS[fn].timeoutSeconds} s: ${gap.effect}.`,
    ),
  );
  return [
    "| function | routes | each call at its deadline, for each way through | worst case | Lambda timeout |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `Each store operation counts as one DynamoDB call (≤ ${seconds(DYNAMODB_CALL_MS)}); the further calls it makes after DynamoDB answered its first (a write made again after a refused condition, an expired item's delete, a history trim) count as fast.`,
    ...(gaps.length === 0
      ? []
      : [
          "",
          "Known gaps: ways through that outlast the Lambda timeout when every call takes its whole deadline.",
          "",
          ...gaps,
        ]),
  ].join("\n");
}
