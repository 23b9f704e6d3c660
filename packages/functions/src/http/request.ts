import type { Logger } from "@aws-lambda-powertools/logger";
import { parseChatId } from "@caic-handover/core/chat/chat-id";
import { BadRequestError, PayloadTooLargeError } from "@caic-handover/core/shared/errors";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Caller } from "../routes";
import { type ReadBody, readBody } from "./body";

export const MAX_BODY_BYTES = 16 * 1024;

/** What a route's core call sees of the HTTP request. */
export interface RouteRequest {
  /** Whose key the request carried (a route answers one caller; `/availability` answers two). */
  caller: Caller;
  chatId: string | undefined;
  /**
   * How the body was read: `fields` (a JSON object or form-encoded), `text` (the whole body is the
   * answer, on routes with `answerBody`) or `unreadable` (a JSON object that does not parse).
   */
  bodyForm: "fields" | "text" | "unreadable";
  /** Query parameters merged under body fields (JSON object or form-encoded). */
  fields: Record<string, unknown>;
  query: Record<string, string>;
  rawBody: string;
  contentType: string;
  accept: string;
}

/** How a route reads its requests. */
export interface ReadOptions {
  /** Where a chat id that is not a GUID is warned about. */
  log: Logger;
  chatId: "required" | "optional";
  /**
   * Router callbacks: once the key matches, nothing else in the request is refused (SPEC: always 200).
   * The body is read raw, of any size, and parsed tolerantly by the core, which acts on the chat the
   * body names; a path or query chatId only stands in for a missing one, and an invalid one is ignored.
   */
  rawBody?: boolean;
  /**
   * Capture Input steps: with the chat id in the URL, a plain-text body (or any body that is not a
   * JSON object) is the visitor's answer itself; a JSON object that does not parse is `unreadable`.
   */
  answerBody?: boolean;
}

/** The body as text: base64 decoded, at most `limit` bytes (413 beyond), without a leading BOM. */
export function decodeBody(event: APIGatewayProxyEventV2, limit: number): string {
  if (event.body === undefined || event.body === null) return "";
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > limit) throw new PayloadTooLargeError(limit);
  // Some HTTP clients put a UTF-8 byte order mark before the body.
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** The first chat id a place gives; an unset variable (missing, JSON null, blank) gives none. */
const firstGiven = (candidates: unknown[]) =>
  candidates.find((candidate) => candidate !== undefined && candidate !== null && String(candidate).trim() !== "");

/**
 * Headers, query, path and the decoded body as a route's core call sees them. The chat id is the
 * path's, else the query's, else the body's; the `key` query parameter is never passed on.
 */
export function readRequest(
  event: APIGatewayProxyEventV2,
  body: string,
  options: ReadOptions,
  ignoreChatId = false,
): Omit<RouteRequest, "caller"> {
  const headers = event.headers ?? {};
  const contentType = (headers["content-type"] ?? "").toLowerCase();
  const query: Record<string, string> = { ...(event.queryStringParameters ?? {}) } as Record<string, string>;
  delete query.key;
  if (ignoreChatId) {
    delete query.chatId;
    delete query.ChatId;
  }
  const inUrl = ignoreChatId ? undefined : firstGiven([event.pathParameters?.chatId, query.chatId, query.ChatId]);
  // An answer body that names no chat id (plain text, or anything but a JSON object or form that does):
  // the URL's is what is missing, not the body, and the 400 says so first.
  const noChatId = () =>
    new BadRequestError(
      `${[event.pathParameters?.chatId, query.chatId, query.ChatId].some((given) => given !== undefined) ? "chatId is empty" : "chatId is required"}: ${
        contentType.startsWith("text/plain")
          ? "with a text/plain answer the chat id goes in the URL"
          : "the body names none, so the chat id goes in the URL"
      }`,
    );
  if (
    options.answerBody &&
    inUrl === undefined &&
    contentType.startsWith("text/plain") &&
    !body.trimStart().startsWith("{")
  ) {
    throw noChatId();
  }
  const read: ReadBody = options.rawBody
    ? { form: "fields", fields: {} }
    : readBody(body, contentType, options.answerBody === true, inUrl !== undefined, noChatId, ignoreChatId);
  const rawChatId = ignoreChatId
    ? undefined
    : (inUrl ?? (read.form === "fields" ? firstGiven([read.fields.chatId, read.fields.ChatId]) : read.chatId));
  let chatId: string | undefined;
  if (options.rawBody) {
    chatId = standInChatId([event.pathParameters?.chatId, query.chatId, query.ChatId]);
  } else if (rawChatId !== undefined) {
    const parsed = parseChatId(rawChatId);
    if (!parsed.isGuid) options.log.warn("chatId is not a GUID", { chatId: parsed.chatId });
    chatId = parsed.chatId;
  } else if (options.chatId === "required") {
    throw new BadRequestError("chatId is required");
  }
  const fields = read.form === "fields" ? read.fields : {};
  return {
    chatId,
    bodyForm: read.form,
    fields: { ...query, ...fields },
    query,
    rawBody: body,
    contentType,
    accept: headers.accept ?? "",
  };
}

/** A Router callback's first valid path or query chat id; invalid ones are skipped, never refused. */
function standInChatId(candidates: (string | undefined)[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === "") continue;
    try {
      return parseChatId(candidate).chatId;
    } catch {
      // Not a chat id: the body's is used, or none.
    }
  }
  return undefined;
}
