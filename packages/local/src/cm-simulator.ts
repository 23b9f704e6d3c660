import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * A simulated CM.com on loopback: MSC presence, the Conversational Router's routing control and
 * Web Conversations' handover endpoint. Each checks what it receives the way CM would, records
 * every request, and can be switched to fail in the ways the real services can.
 */

/** How one request is answered instead of normally. */
export interface Fault {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Drop the connection without answering. */
  reset?: boolean;
  /** CM acts on the request (records it as applied) before the fault's delay, reset or answer is played. */
  apply?: boolean;
  /** Never answer: hold the connection until the caller gives up. */
  hang?: boolean;
}

/** The simulator's routing fault modes by name, for settings (`npm start`) and tests. */
export const ROUTING_FAULTS = {
  /** CM acts, then answers after 3.1 s (after the caller's 3 s abort). */
  "apply-late": { apply: true, delayMs: 3100 },
  /** CM acts, then drops the connection before answering. */
  "apply-reset": { apply: true, reset: true },
  /** CM acts and never answers. */
  "apply-hang": { apply: true, hang: true },
  /** CM acts and answers 500. */
  "apply-500": { apply: true, status: 500 },
  /** CM fails before acting. */
  "fail-500": { status: 500 },
  /** CM never answers and does not act. */
  hang: { hang: true },
} as const satisfies Record<string, Fault>;
export type RoutingFaultName = keyof typeof ROUTING_FAULTS;

/** Reads a setting such as `apply-late` (or a comma list, one per request, the last standing). */
export function parseRoutingFaults(setting: string): Fault[] {
  return setting
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      const fault = (ROUTING_FAULTS as Record<string, Fault>)[name];
      if (!fault) throw new Error(`unknown routing fault "${name}"; one of ${Object.keys(ROUTING_FAULTS).join(", ")}`);
      return { ...fault };
    });
}

export interface SimulatorOptions {
  presenceApiKey: string;
  productToken: string;
  technicalLinkId: string;
  /** The ruleset's adapters, when known: mutations naming others are refused, and kinds read from the targets. */
  adapters?: { client: string; bot: string; agent: string };
  port?: number;
  /** Start with presence limited to CM's rates (`presence.rateLimited`). */
  rateLimited?: boolean;
}

export interface PresenceCall {
  at: string;
  apikey: string | null;
  channel: string | null;
  referrer: string | null;
  status: number;
}

export interface MutationCall {
  at: string;
  technicalLinkId: string;
  chatId: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Why CM would reject it; empty when well-formed. */
  problems: string[];
  /** What the rule mutations do to the chat, read from the body: hand over to the agent, hand back to the bot. */
  kind: MutationKind;
  /** The status answered; 0 while held by a delay or when the connection was dropped. */
  status: number;
  /** CM acted on it (changed the chat's routing), whatever the caller heard. */
  applied: boolean;
}

export interface ForwardCall {
  at: string;
  contentType: string | undefined;
  body: string;
  status: number;
}

/** A request to the Conversation History API, as CM's logs would show it. */
export interface HistoryCall {
  at: string;
  method: string;
  path: string;
  sessionId: string | null;
  headers: Record<string, string | undefined>;
  status: number;
}

/** A Router session the simulated CM keeps history for: opened when it accepts the chat's hand-over. */
export interface HistorySession {
  sessionId: string;
  chatId: string;
  openedAt: string;
}

/**
 * CM's documented Agent Inbox API limits (developers.cm.com, Mobile Service Cloud "Getting started");
 * that presence.robinhq.com shares them is inferred.
 */
export const CM_RATE_LIMITS = [
  { requests: 3, perMs: 1000 },
  { requests: 180, perMs: 60_000 },
  { requests: 10_000, perMs: 3_600_000 },
  { requests: 100_000, perMs: 86_400_000 },
] as const;

/** Sliding windows over accepted requests: a request over any limit is refused with 429 and not counted. */
class RateLimiter {
  readonly #accepted: number[] = [];
  /** Milliseconds until a request would be accepted; 0 means accepted now (and counted). */
  take(now: number): number {
    const longest = CM_RATE_LIMITS[CM_RATE_LIMITS.length - 1]!.perMs;
    while (this.#accepted.length > 0 && this.#accepted[0]! <= now - longest) this.#accepted.shift();
    let wait = 0;
    for (const { requests, perMs } of CM_RATE_LIMITS) {
      const inWindow = this.#accepted.filter((at) => at > now - perMs);
      if (inWindow.length >= requests) wait = Math.max(wait, inWindow[inWindow.length - requests]! + perMs - now);
    }
    if (wait === 0) this.#accepted.push(now);
    return wait;
  }
  reset() {
    this.#accepted.length = 0;
  }
}
export type MutationKind = "handover" | "handback" | "other";

/** Scripted faults: one-shot answers first, then the standing fault, then the normal answer. */
class Behaviour {
  readonly #queue: Fault[] = [];
  standing: Fault | undefined;
  next(...faults: Fault[]) {
    this.#queue.push(...faults);
  }
  take(): Fault | undefined {
    return this.#queue.shift() ?? this.standing;
  }
  reset() {
    this.#queue.length = 0;
    this.standing = undefined;
  }
}

const HISTORY_PATH =
  /^\/conversational\/conversation-history\/(v1|v2)\/accounts\/([^/]+)\/session-history(?:\/([^/]+))?$/;
const ROUTING_PATH = /^\/conversational\/control\/v1\/accounts\/([^/]+)\/chats\/([^/]+)\/routing\/mutationrequests$/;

export class CmSimulator {
  readonly presence = {
    /** The plain-text answer: `Online` or `Offline`, optionally per referrer. */
    answer: "Online" as "Online" | "Offline",
    byReferrer: new Map<string, "Online" | "Offline">(),
    behaviour: new Behaviour(),
    calls: [] as PresenceCall[],
    /** CM's rate limits (CM_RATE_LIMITS): over them presence answers 429 with `Retry-After` in whole seconds. */
    rateLimited: false,
    limiter: new RateLimiter(),
  };
  readonly routing = { behaviour: new Behaviour(), calls: [] as MutationCall[] };
  readonly webConversations = { behaviour: new Behaviour(), calls: [] as ForwardCall[] };
  /** The Conversation History API: sessions by id, and every read or delete received. */
  readonly history = {
    behaviour: new Behaviour(),
    calls: [] as HistoryCall[],
    sessions: new Map<string, HistorySession>(),
  };

  #server: Server | undefined;
  #url = "";

  constructor(readonly options: SimulatorOptions) {
    this.presence.rateLimited = options.rateLimited ?? false;
  }

  get url(): string {
    return this.#url;
  }
  get presenceUrl(): string {
    return `${this.#url}/presence/api/v1`;
  }
  get routingUrl(): string {
    return `${this.#url}/routing`;
  }
  /** The read-only route listing everything received. */
  get inspectUrl(): string {
    return `${this.#url}/__sim/received`;
  }
  /** `PUT` `{"answer":"Online"|"Offline","referrer"?}` switches what presence says (for one referrer, or all). */
  get presenceControlUrl(): string {
    return `${this.#url}/__sim/presence`;
  }
  get webConversationsUrl(): string {
    return `${this.#url}/web-conversations/v1/conversationalrouter/handover`;
  }

  /** Opens a Router session for a chat (the Router has one from the conversation's start); returns its id. */
  openSession(chatId: string, sessionId: string = randomUUID()): string {
    this.history.sessions.set(sessionId, { sessionId, chatId, openedAt: new Date().toISOString() });
    return sessionId;
  }

  /** The session id of a chat's open Router session, if any. */
  sessionOf(chatId: string): string | undefined {
    return [...this.history.sessions.values()].find((session) => session.chatId === chatId)?.sessionId;
  }

  /** Mutation requests CM would have accepted and answered 2xx. */
  get acceptedMutations(): MutationCall[] {
    return this.routing.calls.filter((call) => call.problems.length === 0 && call.status >= 200 && call.status < 300);
  }

  /** Mutation requests CM acted on, whatever the caller heard (a late answer, a drop, none at all). */
  get appliedMutations(): MutationCall[] {
    return this.routing.calls.filter((call) => call.applied);
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch(() => res.destroy());
    });
    // Longer than undici's 4 s idle keep-alive, so callers reuse connections as they would with CM.
    this.#server.keepAliveTimeout = 5000;
    this.#server.listen(this.options.port ?? 0, "127.0.0.1");
    await once(this.#server, "listening");
    const { port } = this.#server.address() as { port: number };
    this.#url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, "close");
    this.#server = undefined;
  }

  /** Forgets every recorded call and fault; presence back to `Online`, its rate limit switch kept. */
  reset(): void {
    this.presence.answer = "Online";
    this.presence.byReferrer.clear();
    this.presence.limiter.reset();
    this.history.sessions.clear();
    for (const part of [this.presence, this.routing, this.webConversations, this.history]) {
      part.behaviour.reset();
      part.calls.length = 0;
    }
  }

  /** What it received, for the inspection route and the demo. */
  received() {
    return {
      presence: this.presence.calls,
      mutationRequests: this.routing.calls,
      acceptedMutationRequests: this.acceptedMutations.length,
      acceptedHandbacks: this.acceptedMutations.filter((call) => call.kind === "handback").length,
      appliedMutationRequests: this.appliedMutations.length,
      webConversationsHandovers: this.webConversations.calls,
      historySessions: [...this.history.sessions.values()],
      historyRequests: this.history.calls,
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", this.#url);
    const body = await readBody(req);
    if (req.method === "GET" && url.pathname === "/__sim/received") {
      return send(res, 200, JSON.stringify(this.received(), null, 2), "application/json");
    }
    if (req.method === "PUT" && url.pathname === "/__sim/presence") return this.#controlPresence(body, res);
    if (req.method === "GET" && url.pathname === "/presence/api/v1") return this.#presence(url, res);
    const history = HISTORY_PATH.exec(url.pathname.slice("/routing".length));
    if (url.pathname.startsWith("/routing/") && history && (req.method === "GET" || req.method === "DELETE")) {
      return this.#history(req, url, history, res);
    }
    if (req.method === "POST" && url.pathname.startsWith("/routing/")) {
      return this.#routing(url.pathname.slice("/routing".length), req, body, res);
    }
    if (req.method === "POST" && url.pathname === "/web-conversations/v1/conversationalrouter/handover") {
      return this.#forward(req, body, res);
    }
    send(res, 404, "Not Found", "text/plain");
  }

  async #presence(url: URL, res: ServerResponse) {
    const apikey = url.searchParams.get("apikey");
    const channel = url.searchParams.get("Channel");
    const referrer = url.searchParams.get("referrer");
    const call: PresenceCall = {
      at: new Date().toISOString(),
      apikey: apikey ? "[set]" : null,
      channel,
      referrer,
      status: 200,
    };
    this.presence.calls.push(call);
    if (!channel) return answer(call, res, 400, "Bad Request", "text/plain");
    if (apikey !== this.options.presenceApiKey) return answer(call, res, 404, "Not Found", "text/plain");
    const wait = this.presence.rateLimited ? this.presence.limiter.take(Date.now()) : 0;
    if (wait > 0) {
      call.status = 429;
      res.writeHead(429, { "content-type": "text/plain", "retry-after": String(Math.ceil(wait / 1000)) });
      return res.end("Too Many Requests");
    }
    if (await applyFault(this.presence.behaviour.take(), res, call)) return;
    send(res, 200, (referrer && this.presence.byReferrer.get(referrer)) || this.presence.answer, "text/plain");
  }

  #controlPresence(raw: string, res: ServerResponse) {
    const { answer, referrer } = (tryJson(raw) ?? {}) as { answer?: unknown; referrer?: unknown };
    if ((answer !== "Online" && answer !== "Offline") || (referrer !== undefined && typeof referrer !== "string")) {
      return send(res, 400, '{"message":"answer must be Online or Offline; referrer a string"}', "application/json");
    }
    if (referrer === undefined) this.presence.answer = answer;
    else this.presence.byReferrer.set(referrer, answer);
    send(res, 200, JSON.stringify({ answer, referrer: referrer ?? null }), "application/json");
  }

  async #routing(path: string, req: IncomingMessage, raw: string, res: ServerResponse) {
    const match = ROUTING_PATH.exec(path);
    if (!match) return send(res, 404, "", "text/plain");
    const technicalLinkId = decodeURIComponent(match[1]!);
    const chatId = decodeURIComponent(match[2]!);
    const call: MutationCall = {
      at: new Date().toISOString(),
      technicalLinkId,
      chatId,
      headers: {
        "content-type": req.headers["content-type"],
        "x-cm-producttoken": req.headers["x-cm-producttoken"] ? "[set]" : undefined,
      },
      body: undefined,
      problems: [],
      kind: "other",
      status: 200,
      applied: false,
    };
    this.routing.calls.push(call);
    // CM answers a missing or wrong token with a bare 401.
    if (req.headers["x-cm-producttoken"] !== this.options.productToken) {
      call.problems.push("X-CM-PRODUCTTOKEN missing or wrong");
      return answer(call, res, 401, "", "text/plain");
    }
    if (technicalLinkId !== this.options.technicalLinkId) {
      call.problems.push("unknown technical link");
      return answer(call, res, 404, "", "text/plain");
    }
    call.body = tryJson(raw);
    call.problems.push(...mutationProblems(req.headers["content-type"], call.body, chatId, this.options.adapters));
    call.kind = mutationKind(call.body, this.options.adapters);
    if (call.problems.length > 0) {
      return answer(call, res, 400, JSON.stringify({ message: call.problems.join("; ") }), "application/json");
    }
    const fault = this.routing.behaviour.take();
    // CM acts on a well-formed request unless it fails before acting (a fault without `apply`).
    call.applied = fault === undefined || fault.apply === true || isNoop(fault);
    // A handover CM acted on opens a Router session, whatever the caller then hears.
    if (call.applied && call.kind === "handover" && this.sessionOf(chatId) === undefined) this.openSession(chatId);
    if (await applyFault(fault, res, call)) return;
    call.applied = true;
    if (call.kind === "handover" && this.sessionOf(chatId) === undefined) this.openSession(chatId);
    send(res, 200, "{}", "application/json");
  }

  /**
   * `GET …/session-history/{id}` (v1, v2) or `GET …/v2/…/session-history?routerSessionId=` reads a
   * session's history; `DELETE …/session-history/{id}` deletes it (204). 401 for a wrong token, 404
   * for an unknown account or session (third-party observations, cm-interfaces §11).
   */
  async #history(req: IncomingMessage, url: URL, match: RegExpExecArray, res: ServerResponse) {
    const [, version, account, pathId] = match;
    const sessionId = pathId
      ? decodeURIComponent(pathId)
      : version === "v2" && req.method === "GET"
        ? url.searchParams.get("routerSessionId")
        : null;
    const call: HistoryCall = {
      at: new Date().toISOString(),
      method: req.method!,
      path: url.pathname.slice("/routing".length),
      sessionId,
      headers: { "x-cm-producttoken": req.headers["x-cm-producttoken"] ? "[set]" : undefined },
      status: 200,
    };
    this.history.calls.push(call);
    if (req.headers["x-cm-producttoken"] !== this.options.productToken) return answer(call, res, 401, "", "text/plain");
    if (decodeURIComponent(account!) !== this.options.technicalLinkId || sessionId === null) {
      return answer(call, res, 404, "", "text/plain");
    }
    if (await applyFault(this.history.behaviour.take(), res, call)) return;
    const session = this.history.sessions.get(sessionId);
    if (session === undefined) return answer(call, res, 404, "", "text/plain");
    if (req.method === "DELETE") {
      this.history.sessions.delete(sessionId);
      return answer(call, res, 204, "", "text/plain");
    }
    const body = { routerSessionId: sessionId, chatId: session.chatId, startedAt: session.openedAt, messages: [] };
    answer(call, res, 200, JSON.stringify(body), "application/json");
  }

  async #forward(req: IncomingMessage, body: string, res: ServerResponse) {
    const call: ForwardCall = {
      at: new Date().toISOString(),
      contentType: req.headers["content-type"],
      body,
      status: 200,
    };
    this.webConversations.calls.push(call);
    if (await applyFault(this.webConversations.behaviour.take(), res, call)) return;
    send(res, 200, "", "text/plain");
  }
}

/** What CM's routing control would object to in a mutation request (cm-interfaces §2.2). */
export function mutationProblems(
  contentType: string | undefined,
  body: unknown,
  pathChatId: string,
  adapters?: SimulatorOptions["adapters"],
): string[] {
  const problems: string[] = [];
  if (!contentType?.toLowerCase().startsWith("application/json"))
    problems.push("Content-Type must be application/json");
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return [...problems, "body must be a JSON object"];
  const { ChatId, Mutations, Context } = body as Record<string, unknown>;
  if (ChatId !== pathChatId) problems.push("ChatId must equal the chat id in the path");
  if (!Array.isArray(Mutations) || Mutations.length === 0) {
    problems.push("Mutations must be a non-empty list");
  } else {
    Mutations.forEach((mutation: Record<string, unknown>, i) => {
      if (mutation?.$type !== "ruleMutation") problems.push(`Mutations[${i}].$type must be ruleMutation`);
      if (mutation?.action !== "Enable" && mutation?.action !== "Disable") problems.push(`Mutations[${i}].action`);
      if (mutation?.operator !== "And" && mutation?.operator !== "Or") problems.push(`Mutations[${i}].operator`);
      for (const id of ["sourceAdapterId", "targetAdapterId"]) {
        if (mutation?.[id] !== undefined && typeof mutation[id] !== "string") problems.push(`Mutations[${i}].${id}`);
        else if (adapters && mutation?.[id] !== undefined && !Object.values(adapters).includes(mutation[id] as string))
          problems.push(`Mutations[${i}].${id} is not an adapter of the ruleset`);
      }
    });
  }
  if (Array.isArray(Mutations)) {
    const links = Mutations.map((m: Record<string, unknown>) => `${m?.sourceAdapterId}→${m?.targetAdapterId}`);
    const contradicted = links.filter((link, i) => links.indexOf(link) !== i);
    if (contradicted.length > 0) problems.push(`the same link is mutated twice: ${contradicted.join(", ")}`);
  }
  if (Context !== undefined) {
    if (typeof Context !== "object" || Context === null || Array.isArray(Context))
      problems.push("Context must be an object");
    else if (Object.values(Context).some((v) => typeof v !== "string")) problems.push("Context values must be strings");
  }
  return problems;
}

/**
 * A hand-over cuts the link to the bot and opens the one to the agent; a hand-back is the reverse.
 * Without the ruleset's adapter ids the order tells them apart (the bot's link comes first in both).
 */
export function mutationKind(body: unknown, adapters?: SimulatorOptions["adapters"]): MutationKind {
  const mutations = (body as { Mutations?: unknown } | undefined)?.Mutations;
  if (!Array.isArray(mutations) || mutations.length !== 2) return "other";
  const [first, second] = mutations as Record<string, unknown>[];
  const bot = adapters?.bot ?? first?.targetAdapterId;
  const agent = adapters?.agent ?? second?.targetAdapterId;
  const action = (target: unknown) => mutations.find((m) => m?.targetAdapterId === target)?.action;
  if (action(bot) === "Disable" && action(agent) === "Enable") return "handover";
  if (action(bot) === "Enable" && action(agent) === "Disable") return "handback";
  return "other";
}

/** A fault that only delays a normal answer: CM acts as usual. */
const isNoop = (fault: Fault) => !fault.reset && !fault.hang && fault.status === undefined && fault.body === undefined;

async function applyFault(fault: Fault | undefined, res: ServerResponse, call: { status: number }): Promise<boolean> {
  if (!fault) return false;
  if (fault.hang) {
    // Held until the caller gives up (its socket closes) or the simulator stops.
    call.status = 0;
    await new Promise((resolve) => res.once("close", resolve));
    return true;
  }
  if (fault.delayMs) {
    // Not answered yet: a request still being held is not (yet) accepted.
    const answer = call.status;
    call.status = 0;
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    // A caller that gave up meanwhile heard nothing: the status stays 0. A delay alone (a slow CM)
    // still lets CM act on the request; the answer it would then send goes nowhere.
    if (callerGone(res)) return fault.status !== undefined || fault.body !== undefined || !!fault.reset || !!fault.hang;
    call.status = answer;
  }
  if (fault.hang) {
    call.status = 0;
    return true;
  }
  if (fault.reset) {
    call.status = 0;
    res.socket?.destroy();
    return true;
  }
  if (fault.status === undefined && fault.body === undefined) return false;
  call.status = fault.status ?? 200;
  res.writeHead(call.status, { "content-type": "text/plain", ...fault.headers });
  res.end(fault.body ?? "");
  return true;
}

/** The caller closed the connection (gave up waiting): nothing sent now is heard. */
const callerGone = (res: ServerResponse) => res.destroyed || res.socket?.destroyed !== false;

/** Answers and records the status on the call, as CM's logs would show it (0 when the caller is gone). */
function answer(call: { status: number }, res: ServerResponse, status: number, body: string, contentType: string) {
  if (callerGone(res)) return;
  call.status = status;
  send(res, status, body, contentType);
}

function send(res: ServerResponse, status: number, body: string, contentType: string) {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": contentType });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
