import { BadRequestError } from "../shared/errors";
import { isNoValueWord, isPlaceholder } from "../shared/input";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOLERATED = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * CM chat ids are GUIDs; other ids of 1–128 `[A-Za-z0-9_-]` are accepted (`isGuid: false`, the
 * caller logs a warning) because CM never documents the format. Anything else is a 400 naming `chatId`.
 */
export function parseChatId(raw: unknown): { chatId: string; isGuid: boolean } {
  if (typeof raw !== "string") throw new BadRequestError("chatId must be a string");
  if (GUID.test(raw)) return { chatId: raw.toLowerCase(), isGuid: true };
  // An unset dialog variable must not become a chat that every such visitor shares.
  if (isNoValueWord(raw) || /^chat_?id$/i.test(raw.trim())) {
    throw new BadRequestError(
      `chatId is "${raw.trim()}", a word for no value: the dialog's chatId variable is not set`,
    );
  }
  if (isPlaceholder(raw)) {
    throw new BadRequestError("chatId is an unreplaced template placeholder: the dialog's chatId variable is not set");
  }
  if (TOLERATED.test(raw)) return { chatId: raw, isGuid: false };
  if (raw.length === 0) throw new BadRequestError("chatId is required");
  if (raw.length > 128) throw new BadRequestError("chatId must be at most 128 characters");
  throw new BadRequestError("chatId may only contain letters, digits, '-' and '_'");
}
