import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ChatRecord } from "@caic-handover/core/chat/chat";
import { FUNCTIONS, type FunctionName } from "@caic-handover/functions/routes";
import { type HttpInput, toApiEvent } from "@caic-handover/local/api-event";
import { dispatch, findRoute, type Handlers, loadHandlers } from "@caic-handover/local/dispatch";
import { LOCAL_AWS_ENV } from "@caic-handover/local/dynamodb-local";
import { expect, inject } from "vitest";
import { type Answer, type Harness, startHarness } from "./harness";
import { emptyFigures, type Figures } from "./reliability-figures";

declare module "vitest" {
  export interface ProvidedContext {
    reliabilityDir?: string;
  }
}

/** Hands the file's figures to `reliability-summary.ts` (when it is a global setup) for the one summary line. */
export function writeFigures(file: string, figures: Figures) {
  const dir = inject("reliabilityDir");
  if (dir === undefined) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${basename(file, ".test.ts")}.json`), JSON.stringify(figures));
}

/**
 * Captures every structured log line the handlers write (Powertools writes JSON to stdout through
 * its own Console) so a test can prove no name or e-mail address reaches the logs. Captured lines
 * are kept out of the test output.
 */
export class LogCapture {
  readonly lines: string[] = [];
  readonly #personal = new Set<string>();
  readonly #restore: (() => void)[] = [];

  start(): this {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
        if (!text.includes('"service":"caic-handover"')) return original.call(stream, chunk as string, ...(rest as []));
        this.lines.push(...text.split("\n").filter(Boolean));
        const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
        if (callback) process.nextTick(callback);
        return true;
      }) as typeof stream.write;
      this.#restore.push(() => (stream.write = original));
    }
    return this;
  }

  stop() {
    for (const restore of this.#restore.splice(0)) restore();
  }

  /** A name or e-mail address this file sends; its parts are watched for too. */
  personal(...values: string[]) {
    for (const value of values) {
      const lower = value.toLowerCase();
      this.#personal.add(lower);
      if (lower.includes("@")) this.#personal.add(lower.slice(0, lower.lastIndexOf("@")));
      else for (const part of lower.split(/\s+/)) if (part.length >= 5) this.#personal.add(part);
    }
  }

  /** Log lines holding any personal value sent. */
  leaks(): string[] {
    const watched = [...this.#personal];
    return this.lines.filter((line) => {
      const lower = line.toLowerCase();
      return watched.some((value) => lower.includes(value));
    });
  }
}

/**
 * Everything a reliability file needs: the shared harness with every log line captured at DEBUG,
 * the handlers for raw events, and the file's figures, written and checked after its tests.
 */
export async function startReliability(file: string, env: Record<string, string> = {}) {
  process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
  const logs = new LogCapture().start();
  const h = await startHarness(env);
  const handlers = await loadHandlers();
  const figures = emptyFigures();

  /** Sends a request, counting it; an object body is JSON, a Buffer is sent as raw bytes. */
  async function send(input: HttpInput): Promise<Answer> {
    figures.cases += 1;
    const result = await dispatch(handlers, input);
    return tally(answerOf(result.statusCode ?? 200, result.headers, result.body));
  }

  function tally(answer: Answer): Answer {
    if (answer.status >= 500) figures.unexpected5xx += 1;
    return answer;
  }

  /** Calls a route through the harness, counting the case and any 5xx. */
  async function call(...args: Parameters<Harness["call"]>): Promise<Answer> {
    figures.cases += 1;
    return tally(await h.call(...args));
  }

  /** Calls a route while DynamoDB is made to fail: its 503 is the expected answer, not counted as a 5xx. */
  async function callDuringOutage(...args: Parameters<Harness["call"]>): Promise<Answer> {
    figures.cases += 1;
    const answer = await h.call(...args);
    if (answer.status >= 500 && answer.status !== 503) figures.unexpected5xx += 1;
    return answer;
  }

  /** Runs an API Gateway event, built from the request and then altered, straight through its handler. */
  async function event(
    input: HttpInput,
    alter: (e: ReturnType<typeof toApiEvent>) => void = () => {},
  ): Promise<Answer> {
    const path = input.url.split("?")[0] ?? "/";
    const match = findRoute(input.method, path);
    if (!match) return send(input);
    const apiEvent = toApiEvent(input, {
      routeKey: `${match.route.method} ${match.route.path}`,
      pathParameters: match.pathParameters,
    });
    alter(apiEvent);
    figures.cases += 1;
    const result = await handlers.get(match.route.function)!(apiEvent);
    return tally(answerOf(result.statusCode ?? 200, result.headers, result.body));
  }

  /** Mutation requests CM applied (whatever the caller heard) that repeat the chat's previous one: a hand-over (or hand-back) twice in a row. */
  function duplicateMutations(): number {
    const last = new Map<string, string>();
    let duplicates = 0;
    for (const call of h.cm.appliedMutations) {
      if (last.get(call.chatId) === call.kind) duplicates += 1;
      last.set(call.chatId, call.kind);
    }
    return duplicates;
  }

  /** Counts this test's duplicate mutation requests, then forgets CM's recorded calls and faults. */
  function resetCm() {
    figures.duplicateMutations += duplicateMutations();
    h.cm.reset();
  }

  /** Records the file's figures and fails it on any broken promise. Call from afterAll. */
  async function finish(options: { checkDuplicates?: boolean } = {}) {
    if (options.checkDuplicates !== false) figures.duplicateMutations += duplicateMutations();
    const items = await h.scan();
    const withoutTtl = items.filter((item) => typeof item.expiresAt !== "number");
    figures.personalDataInLogs += logs.leaks().length;
    logs.stop();
    writeFigures(file, figures);
    await h.close();
    expect(logs.lines.length, "log lines captured (proves the capture works)").toBeGreaterThan(0);
    expect(
      withoutTtl.map((item) => item.chatId),
      "items without expiresAt",
    ).toEqual([]);
    expect(logs.leaks().slice(0, 3), "log lines with personal data").toEqual([]);
    expect(figures).toMatchObject({ unexpected5xx: 0, lostWrites: 0, duplicateMutations: 0, personalDataInLogs: 0 });
  }

  return { h, handlers, logs, figures, send, call, callDuringOutage, event, resetCm, duplicateMutations, finish };
}

export type Reliability = Awaited<ReturnType<typeof startReliability>>;

function answerOf(status: number, headers: unknown, body: string | undefined): Answer {
  const text = body ?? "";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers: (headers ?? {}) as Record<string, string>, text, json };
}

export { BUDGET_MS } from "@caic-handover/local/constants";
/** Room for DynamoDB Local and two shared cores; a budget overrun by more than this fails. */
export const SLACK_MS = 1_500;

export function lambdaTimeoutMs(fn: FunctionName): number {
  return FUNCTIONS[fn].timeoutSeconds * 1000;
}

export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** Writes an item straight into the table, e.g. one whose `expiresAt` has passed. */
export async function putItem(h: Harness, item: ChatRecord) {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: h.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
    }),
  );
  try {
    await client.send(new PutCommand({ TableName: h.tableName, Item: item }));
  } finally {
    client.destroy();
  }
}

/** A distinctive person per index, so a leak into the logs cannot be a coincidence. */
export function person(tag: string | number) {
  const code = createHash("sha256").update(String(tag)).digest("hex");
  const letters = code.replace(/[0-9]/g, "").padEnd(12, "q");
  const word = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    name: `Zor${word(letters.slice(0, 5))} Quel${letters.slice(5, 10)}`,
    email: `pers.${code.slice(0, 10)}@Mail-${code.slice(10, 14)}.example`,
  };
}

export const allFunctions = Object.keys(FUNCTIONS) as FunctionName[];
export type { Answer, Handlers };
