import { randomUUID } from "node:crypto";
import { ConfigError, type KeyName } from "@caic-handover/core/config/config";
import { routeForPath, routeKeyName } from "@caic-handover/functions/routes";
import type { CmSimulator } from "./cm-simulator";
import { LOCAL_INFO_PATH, type LocalInfo } from "./gateway";
import { loadLocalEnv, localBaseUrl } from "./local-defaults";

/**
 * `npm run demo`: against a running `npm start`, the calls CAIC, the Conversational Router and an
 * agent's tooling would make, each printed with its answer; exits non-zero on any surprise. One
 * conversation handed over and back, then one while the simulated agents are offline.
 */

const env = (() => {
  try {
    return loadLocalEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`npm run demo: ${error.message}`);
    process.exit(1);
  }
})();
const baseUrl = (env.BASE_URL || localBaseUrl(env.PORT)).replace(/\/+$/, "");
/** Each call carries the key of its route's caller (route table), from the shell, `.env` or the local default. */
const keyNameOf = (method: string, path: string): KeyName => {
  const route = routeForPath(method, path);
  return route ? routeKeyName(route) : "HANDOVER_WEBHOOK_KEY";
};
/** The key name and value of the last call, for the 401 explanation. */
let lastKey: { name: KeyName; value: string } = { name: "HANDOVER_WEBHOOK_KEY", value: "" };
const chatId = randomUUID();
/** The second conversation: a shop whose agents are all offline. */
const offlineChatId = randomUUID();
const AFTER_HOURS = "https://shop.example/after-hours";

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: the demo prints whatever the API answered
  json: any;
}

class UnexpectedAnswerError extends Error {
  override name = "UnexpectedAnswerError";
}

let step = 0;

async function call(title: string, method: string, path: string, body?: object | string): Promise<Answer> {
  const name = keyNameOf(method, path);
  lastKey = { name, value: env[name]! };
  const headers: Record<string, string> = { "x-handover-key": lastKey.value };
  if (body !== undefined) headers["content-type"] = "application/json";
  const text = typeof body === "string" ? body : body && JSON.stringify(body);
  console.log(`\n${++step}. ${title}\n   → ${method} ${baseUrl}${path}${text ? `\n     ${text}` : ""}`);
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: text });
  const answer: Answer = { status: response.status, text: await response.text(), json: undefined };
  try {
    answer.json = JSON.parse(answer.text);
  } catch {
    // Not JSON: the check below reports it.
  }
  console.log(`   ← ${answer.status} ${answer.text}`);
  return answer;
}

function check(answer: Answer, ok: boolean, expected: string) {
  if (answer.status === 401) {
    throw new UnexpectedAnswerError(
      `401: the API refused this demo's key (${lastKey.value}). The demo takes ${lastKey.name} from its shell or \`.env\`, else the local default; \`npm start\` prints the key it uses as "Local key". Run both from the same shell and project, or set ${lastKey.name} to that key.`,
    );
  }
  if (answer.status !== 200 || !ok) throw new UnexpectedAnswerError(`expected 200 and ${expected}`);
}

/** The Router's default handover template with an empty context: `"context":}` is not valid JSON. */
const routerNotification = (sessionId: string) =>
  `{"chatId":"${chatId}","sessionId":"${sessionId}","channel":"CXWebConversations","conversationHostId":"demo-host","conversationClientId":"demo-client","context":}`;

/** The Router's session id for the chat: the simulated CM opened one when it accepted the hand-over. */
let demoSessionId: string | undefined;
async function routerSessionId(info: LocalInfo | undefined): Promise<string> {
  let sessionId: string | undefined;
  if (info?.simulator.inspectUrl) {
    const received = (await (await fetch(info.simulator.inspectUrl)).json()) as ReturnType<CmSimulator["received"]>;
    sessionId = received.historySessions.find((session) => session.chatId === chatId)?.sessionId;
  }
  demoSessionId = sessionId ?? randomUUID();
  return demoSessionId;
}

async function conversation(info: LocalInfo | undefined) {
  console.log(
    `Demo conversation ${chatId} against ${baseUrl}; every call carries X-Handover-Key: its caller's key (\`npm start\` prints them)`,
  );

  const event = await call(
    "The handover dialog starts (CAIC event), with the bot's reason and skill",
    "POST",
    "/caic/events",
    {
      chatId,
      reason: "Asked for a person after two answers about a refund",
      skill: "billing",
      culture: "nl-NL",
    },
  );
  check(event, event.json?.status === "started", 'status "started"');

  const referrer = encodeURIComponent("https://shop.example/help");
  const availability = await call(
    "Are agents available?",
    "GET",
    `/availability?chatId=${chatId}&referrer=${referrer}`,
  );
  check(availability, ["online", "offline"].includes(availability.json?.agentStatus), "an agentStatus");

  const wrong = await call("A wrong e-mail address", "POST", "/intake/email", {
    chatId,
    value: "jane.doe.example.com",
  });
  check(wrong, wrong.json?.valid === false && typeof wrong.json.message === "string", "valid false with a message");
  console.log(`   the bot says: "${wrong.json.message}"`);

  const email = await call("The right e-mail address", "POST", "/intake/email", {
    chatId,
    value: " Jane.Doe@Example.COM ",
  });
  check(email, email.json?.valid === true, "valid true");

  const name = await call("The name", "POST", "/intake/name", { chatId, value: "Jane van der Berg" });
  check(name, name.json?.valid === true && name.json.complete === true, "valid true and complete");

  const handover = await call("The handover", "POST", "/handover", { chatId });
  check(handover, handover.json?.handover === "requested", 'handover "requested"');

  const notified = await call(
    "The Router's handover notification (empty context)",
    "POST",
    "/router/handover",
    routerNotification(await routerSessionId(info)),
  );
  check(notified, notified.json?.ok === true, "ok true");

  const status = await call("The chat's status", "GET", `/chats/${chatId}`);
  check(
    status,
    status.json?.status === "handed_over" && status.json.skill === "billing" && status.json.routerSessionId !== null,
    'status "handed_over", the skill and the Router session id',
  );

  const back = await call(
    "The agent is done: their tooling hands the chat back to the bot",
    "POST",
    `/chats/${chatId}/handback`,
  );
  check(back, back.json?.handback === "requested", 'handback "requested"');
  const again = await call("The same hand-back again", "POST", `/chats/${chatId}/handback`);
  check(again, again.json?.handback === "requested", 'the same "requested", and nothing sent twice');
  const backStatus = await call("The chat's status", "GET", `/chats/${chatId}`);
  check(backStatus, backStatus.json?.status === "handed_back", 'status "handed_back"');

  const erased = await call("A privacy request: erase the chat", "DELETE", `/chats/${chatId}`);
  check(erased, erased.json?.erased === true, "erased true");
  const erasedStatus = await call("The chat's status after the erase", "GET", `/chats/${chatId}`);
  const cmErased = info?.eraseCmHistory !== undefined && info.eraseCmHistory !== "off";
  check(
    erasedStatus,
    erasedStatus.json?.email === null && erasedStatus.json.cmHistoryErased === (cmErased ? true : null),
    cmErased ? "no personal data, and CM's copy erased" : "no personal data",
  );
  if (!cmErased) {
    console.log(
      "   ERASE_CM_HISTORY is off: start `ERASE_CM_HISTORY=on-erase npm start` to see CM's copy of the conversation deleted too.",
    );
  }
}

/** A second conversation while nobody is online: the bot knows the visitor, who leaves a question. */
async function nobodyOnline(info: LocalInfo | undefined) {
  const control = info?.simulator.presenceControlUrl;
  if (!control) {
    console.log("\nCM is not simulated here: the conversation while nobody is online is left out.");
    return;
  }
  const id = offlineChatId;
  console.log(`\nA second conversation ${id}, while nobody is online`);
  const offline = await fetch(control, {
    method: "PUT",
    body: JSON.stringify({ answer: "Offline", referrer: AFTER_HOURS }),
  });
  if (!offline.ok) throw new UnexpectedAnswerError("the simulated presence did not switch to Offline");
  console.log(`   (the simulated MSC presence now answers Offline for ${AFTER_HOURS})`);

  const event = await call(
    "The handover dialog starts with what the bot knows (logged-in visitor)",
    "POST",
    "/caic/events",
    {
      chatId: id,
      email: "jane.doe@example.com",
      name: "Jane van der Berg",
    },
  );
  check(event, event.json?.complete === true && event.json.missing.length === 0, "nothing missing: no Capture Input");

  const availability = await call(
    "Are agents available?",
    "GET",
    `/availability?chatId=${id}&referrer=${encodeURIComponent(AFTER_HOURS)}`,
  );
  check(availability, availability.json?.agentStatus === "offline", 'agentStatus "offline"');

  if (info?.offlineHandover !== "message") {
    const refused = await call("The handover", "POST", "/handover", { chatId: id });
    check(refused, refused.json?.reason === "agents-offline", 'failed "agents-offline"');
    console.log(
      "   OFFLINE_HANDOVER is off: start `OFFLINE_HANDOVER=message npm start` to see the visitor leave a message instead.",
    );
    return;
  }
  const question = await call("The visitor's question (leave a message)", "POST", "/intake/message", {
    chatId: id,
    value: "Where is my order 4711? It was due on Monday.",
  });
  check(question, question.json?.valid === true, "valid true");
  const handover = await call("The handover, as a message", "POST", "/handover", { chatId: id });
  check(
    handover,
    handover.json?.handover === "requested" && handover.json.mode === "message",
    'requested, mode "message"',
  );
  console.log(
    '   the bot says: "Thank you. Nobody is online right now: a colleague will answer your question by e-mail."',
  );
  const status = await call("The chat's status", "GET", `/chats/${id}`);
  check(
    status,
    status.json?.mode === "message" && typeof status.json.waitingSeconds === "number",
    "mode message, waitingSeconds",
  );
}

async function simulatedCm(info: LocalInfo | undefined) {
  const inspectUrl = info?.simulator.inspectUrl;
  const offlineHandover = info?.offlineHandover;
  if (!inspectUrl) {
    console.log("\nCM is not simulated here: nothing to inspect.");
    return;
  }
  const received = (await (await fetch(inspectUrl)).json()) as ReturnType<CmSimulator["received"]>;
  const accepted = (id: string) =>
    received.mutationRequests.filter((call) => call.chatId === id && call.status < 300 && call.problems.length === 0);
  const sent = (id: string) => received.mutationRequests.filter((call) => call.chatId === id);
  const forwarded = received.webConversationsHandovers.filter((call) => call.body.includes(chatId));
  console.log(`\nWhat the simulated CM received (all of it: ${inspectUrl})`);
  console.log(
    `   first chat: routing mutation requests ${sent(chatId).length}, accepted: ${accepted(chatId)
      .map((call) => call.kind)
      .join(", ")}`,
  );
  const [handover, handback] = accepted(chatId);
  if (handover) console.log(indent(JSON.stringify(handover.body, null, 2)));
  if (handback) console.log(`   the hand-back:\n${indent(JSON.stringify(handback.body, null, 2))}`);
  console.log(`   handover notifications forwarded to Web Conversations: ${forwarded.length}`);
  const historyDeletes = received.historyRequests.filter((r) => r.method === "DELETE");
  console.log(`   Conversation History API deletions: ${historyDeletes.length}`);
  for (const request of historyDeletes) console.log(indent(JSON.stringify(request, null, 2)));
  const cmErased = info?.eraseCmHistory !== undefined && info.eraseCmHistory !== "off";
  const ours = historyDeletes.filter((r) => r.sessionId === demoSessionId && r.status === 204);
  if (historyDeletes.length !== (cmErased ? 1 : 0) || ours.length !== historyDeletes.length)
    throw new UnexpectedAnswerError(
      `expected ${cmErased ? "one deletion" : "no deletion"} of the chat's session history`,
    );
  if (
    sent(chatId).length !== 2 ||
    accepted(chatId)
      .map((call) => call.kind)
      .join() !== "handover,handback"
  )
    throw new UnexpectedAnswerError("expected exactly one accepted hand-over and one accepted hand-back");
  if (forwarded.length !== 1) throw new UnexpectedAnswerError("expected the notification forwarded once");

  const message = accepted(offlineChatId);
  console.log(
    `   second chat (nobody online): routing mutation requests ${sent(offlineChatId).length}, accepted: ${message.length}`,
  );
  if (message[0]) console.log(indent(JSON.stringify((message[0].body as { Context: unknown }).Context, null, 2)));
  const expected = offlineHandover === "message" ? 1 : 0;
  if (sent(offlineChatId).length !== expected || message.length !== expected)
    throw new UnexpectedAnswerError(`expected ${expected} accepted mutation request for the second chat`);
}

async function localInfo(): Promise<LocalInfo | undefined> {
  const info = await fetch(`${baseUrl}${LOCAL_INFO_PATH}`);
  return info.ok ? ((await info.json()) as LocalInfo) : undefined;
}

const indent = (text: string) => text.replace(/^/gm, "     ");

try {
  const info = await localInfo();
  await conversation(info);
  await nobodyOnline(info);
  await simulatedCm(info);
  console.log("\nDemo finished: every step answered as expected.");
} catch (error) {
  if (error instanceof UnexpectedAnswerError) console.error(`\n   ✗ ${error.message}`);
  else if (error instanceof TypeError && (error.cause as NodeJS.ErrnoException | undefined)?.code === "ECONNREFUSED") {
    console.error(`\nNothing answers on ${baseUrl}: run \`npm start\` first (or set BASE_URL).`);
  } else console.error(error);
  process.exitCode = 1;
}
