import { parseChatId } from "@caic-handover/core/chat/chat-id";
import { findChatId, parseTolerantJson } from "@caic-handover/core/router/notification";
import { eventTypes } from "@caic-handover/core/router/router-events";
import { describe, expect, it } from "vitest";

const guid = "47e755ad-69a2-4139-a610-c53d0c8deb4b";

describe("Router callbacks", () => {
  it("repairs the default handover template's empty context", () => {
    const raw = `{"chatId":"${guid}","sessionId":"s","context":}`;
    expect(parseTolerantJson(raw)).toEqual({ chatId: guid, sessionId: "s", context: null });
    expect(findChatId(raw, parseTolerantJson(raw))).toBe(guid);
  });

  it.each([
    [{ chatId: guid }],
    [{ ChatId: guid.toUpperCase() }],
    [{ chat: { id: guid, channel: "CXWebConversations" } }],
  ])("finds the chat id in %j", (body) => {
    const raw = JSON.stringify(body);
    expect(findChatId(raw, JSON.parse(raw))).toBe(guid);
  });

  it("finds a chat id in JSON it cannot repair, and nothing in garbage", () => {
    const raw = `{"chatId":"${guid}","context":{"a":[}`;
    expect(parseTolerantJson(raw)).toBeUndefined();
    expect(findChatId(raw, undefined)).toBe(guid);
    expect(findChatId("{{{", undefined)).toBeUndefined();
    expect(findChatId('{"chatId":"not ok!"}', { chatId: "not ok!" })).toBeUndefined();
  });

  it("ignores a UTF-8 byte order mark before the body", () => {
    const raw = `\ufeff{"chatId":"${guid}","context":}`;
    expect(parseTolerantJson(raw)).toEqual({ chatId: guid, context: null });
    expect(findChatId(raw, parseTolerantJson(raw))).toBe(guid);
  });

  it("reads event types from TwoWay and flat event bodies", () => {
    expect(eventTypes({ chat: { id: guid }, conversationEvents: [{ $type: "RouterSessionEnded" }] })).toEqual([
      "RouterSessionEnded",
    ]);
    expect(eventTypes({ type: "Typing" })).toEqual(["Typing"]);
    expect(eventTypes(null)).toEqual([]);
  });
});

describe("chat ids", () => {
  it("normalises GUIDs, tolerates other safe ids, rejects the rest naming chatId", () => {
    expect(parseChatId(guid.toUpperCase())).toEqual({ chatId: guid, isGuid: true });
    expect(parseChatId("web_chat-42")).toEqual({ chatId: "web_chat-42", isGuid: false });
    expect(() => parseChatId("a/b")).toThrow(/chatId may only contain/);
    expect(() => parseChatId("x".repeat(129))).toThrow(/chatId must be at most 128/);
    expect(() => parseChatId(7)).toThrow(/chatId must be a string/);
    expect(() => parseChatId("")).toThrow(/chatId is required/);
  });
});
