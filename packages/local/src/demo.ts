import { randomUUID } from "node:crypto";
import { ConfigError } from "@caic-handover/core/config";
import type { CmSimulator } from "./cm-simulator";
import { LOCAL_INFO_PATH, type LocalInfo } from "./gateway";
import { loadLocalEnv, localBaseUrl } from "./local-defaults";

/**
 * `npm run demo`: one conversation against a running `npm start`, the calls CAIC and the
 * Conversational Router would make, each printed with its answer; exits non-zero on any surprise.
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
const key = env.HANDOVER_WEBHOOK_KEY;
const chatId = randomUUID();

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
  const headers: Record<string, string> = { "x-handover-key": key };
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
      `401: the API refused this demo's key (${key}). The demo takes HANDOVER_WEBHOOK_KEY from its shell or \`.env\`, else the local default; \`npm start\` prints the key it uses as "Local key". Run both from the same shell and project, or set HANDOVER_WEBHOOK_KEY to that key.`,
    );
  }
  if (answer.status !== 200 || !ok) throw new UnexpectedAnswerError(`expected 200 and ${expected}`);
}

/** The Router's default handover template with an empty context: `"context":}` is not valid JSON. */
const routerNotification = () =>
  `{"chatId":"${chatId}","sessionId":"demo-session","channel":"CXWebConversations","conversationHostId":"demo-host","conversationClientId":"demo-client","context":}`;

async function conversation() {
  console.log(`Demo conversation ${chatId} against ${baseUrl}; every call carries X-Handover-Key: ${key}`);

  const event = await call("The handover dialog starts (CAIC event)", "POST", "/caic/events", { chatId });
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
    routerNotification(),
  );
  check(notified, notified.json?.ok === true, "ok true");

  const status = await call("The chat's status", "GET", `/chats/${chatId}`);
  check(status, status.json?.status === "handed_over", 'status "handed_over"');

  await simulatedCm();
}

async function simulatedCm() {
  const info = await fetch(`${baseUrl}${LOCAL_INFO_PATH}`);
  const inspectUrl = info.ok ? ((await info.json()) as LocalInfo).simulator.inspectUrl : undefined;
  if (!inspectUrl) {
    console.log("\nCM is not simulated here: nothing to inspect.");
    return;
  }
  const received = (await (await fetch(inspectUrl)).json()) as ReturnType<CmSimulator["received"]>;
  const mutations = received.mutationRequests.filter((call) => call.chatId === chatId);
  const accepted = mutations.filter((call) => call.status < 300 && call.problems.length === 0);
  const forwarded = received.webConversationsHandovers.filter((call) => call.body.includes(chatId));
  console.log(`\nWhat the simulated CM received for this chat (all of it: ${inspectUrl})`);
  console.log(`   routing mutation requests: ${mutations.length}, accepted: ${accepted.length}`);
  if (accepted[0]) console.log(indent(JSON.stringify(accepted[0].body, null, 2)));
  console.log(`   handover notifications forwarded to Web Conversations: ${forwarded.length}`);
  if (accepted.length !== 1 || mutations.length !== 1)
    throw new UnexpectedAnswerError("expected exactly one accepted mutation request");
  if (forwarded.length !== 1) throw new UnexpectedAnswerError("expected the notification forwarded once");
}

const indent = (text: string) => text.replace(/^/gm, "     ");

try {
  await conversation();
  console.log("\nDemo finished: every step answered as expected.");
} catch (error) {
  if (error instanceof UnexpectedAnswerError) console.error(`\n   ✗ ${error.message}`);
  else if (error instanceof TypeError && (error.cause as NodeJS.ErrnoException | undefined)?.code === "ECONNREFUSED") {
    console.error(`\nNothing answers on ${baseUrl}: run \`npm start\` first (or set BASE_URL).`);
  } else console.error(error);
  process.exitCode = 1;
}
