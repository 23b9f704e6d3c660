import { BadRequestError } from "@caic-handover/core/shared/errors";

/**
 * How a body was read: `fields` (a JSON object or form-encoded), `text` (the whole body is the
 * answer) or `unreadable` (a JSON object that does not parse, with the chat id it seems to name).
 */
export type ReadBody =
  | { form: "fields"; fields: Record<string, unknown> }
  | { form: "text"; chatId?: undefined }
  | { form: "unreadable"; chatId: string | undefined };

const NOT_JSON = "body must be a JSON object or form-encoded";
const CHAT_ID_KEYS = new Set(["chatId", "ChatId"]);
const TWICE = "chatId is given more than once in the body";

/**
 * JSON or form fields. A body naming the chat id twice is refused: with duplicate keys the last
 * would win, so a visitor's answer pasted into a template could pick another chat.
 * With `answerBody` (Capture Input steps), a body that is not a JSON object is the answer itself
 * when the chat id is in the URL; without it, `noChatId` says where the chat id goes.
 */
export function readBody(
  body: string,
  contentType: string,
  answerBody: boolean,
  chatIdInUrl: boolean,
  noChatId: () => BadRequestError,
  ignoreChatId = false,
): ReadBody {
  if (answerBody && chatIdInUrl && contentType.startsWith("text/plain")) return { form: "text" };
  if (body.trim() === "") return { form: "fields", fields: {} };
  if (contentType.includes("application/x-www-form-urlencoded")) {
    const params = new URLSearchParams(body);
    if (!ignoreChatId && params.getAll("chatId").length + params.getAll("ChatId").length > 1) {
      throw new BadRequestError(TWICE);
    }
    return { form: "fields", fields: Object.fromEntries(params) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (!answerBody) throw new BadRequestError(NOT_JSON);
    if (!body.trimStart().startsWith("{")) {
      if (chatIdInUrl) return { form: "text" };
      throw noChatId();
    }
    const named = [...body.matchAll(/"(?:chatId|ChatId)"\s*:\s*("([^"]*)")?/g)];
    if (named.length > 1) throw new BadRequestError(TWICE);
    const chatId = named[0]?.[2];
    if (!chatIdInUrl && (chatId === undefined || chatId.trim() === "")) throw noChatId();
    return { form: "unreadable", chatId };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    if (answerBody && chatIdInUrl) return { form: "text" };
    throw answerBody ? noChatId() : new BadRequestError("body must be a JSON object");
  }
  if (!ignoreChatId && topLevelKeys(body).filter((key) => CHAT_ID_KEYS.has(key)).length > 1) {
    throw new BadRequestError(TWICE);
  }
  return { form: "fields", fields: parsed as Record<string, unknown> };
}

/** The top-level keys of a valid JSON object's text, duplicates included (JSON.parse keeps only the last). */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      let next = end + 1;
      while (json[next] === " " || json[next] === "\t" || json[next] === "\n" || json[next] === "\r") next++;
      if (depth === 1 && json[next] === ":") keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      i = end;
    } else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") depth--;
  }
  return keys;
}
