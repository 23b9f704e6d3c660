import type { IntakeField } from "../config/config";
import { type CmHistoryEraseDeps, eraseCmHistory } from "../router/cm-history";
import type { Log, Metrics } from "../shared/metrics";
import { chatView } from "./chat";
import type { ChatStore } from "./chat-store";

export interface ChatAdminDeps {
  store: Pick<ChatStore, "get" | "erase" | "recordCmHistory">;
  log: Log;
  metrics: Metrics;
  /** Set when ERASE_CM_HISTORY erases CM's copy on a privacy request. */
  cmHistory?: CmHistoryEraseDeps["history"];
  required: readonly IntakeField[];
  now: () => Date;
}

/** Status, timestamps and history of a chat, personal data masked; undefined when unknown or expired. */
export async function describeChat(deps: ChatAdminDeps, chatId: string) {
  const record = await deps.store.get(chatId, deps.now());
  return record === undefined ? undefined : chatView(record, deps.required, deps.now());
}

/** Removes the chat's personal data (status and history stay), then CM's copy when configured. Idempotent. */
export async function eraseChat(deps: ChatAdminDeps, chatId: string) {
  const found = await deps.store.erase(chatId, deps.now());
  deps.log.info("chat personal data erased", { found });
  if (found && deps.cmHistory) await eraseCmHistory({ ...deps, history: deps.cmHistory }, chatId);
  return { erased: true, found };
}
