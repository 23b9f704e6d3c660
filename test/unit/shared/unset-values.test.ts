import { AvailabilityRequestSchema } from "@caic-handover/core/availability/availability-request";
import { parseChatId } from "@caic-handover/core/chat/chat-id";
import { HandoverRequestSchema } from "@caic-handover/core/handover/handover";
import { answerOf } from "@caic-handover/core/intake/intake";
import { BadRequestError } from "@caic-handover/core/shared/errors";
import { isUnset, parseInput } from "@caic-handover/core/shared/input";
import { describe, expect, it } from "vitest";

describe("an unset dialog variable", () => {
  it.each([
    [null],
    [undefined],
    [""],
    ["   "],
    ["\t\n"],
    ["null"],
    ["NULL"],
    [" undefined "],
    ["None"],
    ["nil"],
    ["NaN"],
    ["n/a"],
    ["(null)"],
    ["{{referrer}}"],
    ["{{ $referrer }}"],
    ["{referrer}"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an unreplaced placeholder, meant literally
    ["${referrer}"],
    ["#{referrer}"],
    ["%referrer%"],
    ["[[referrer]]"],
    ["$referrer"],
    ["https://shop.example/{{page}}"],
  ])("%j is unset", (value) => {
    expect(isUnset(value)).toBe(true);
  });

  it.each([["https://shop.example/help"], ["WebChat"], ["shop@example.com"], ["0"], ["Nullarbor"], ["50%"]])(
    "%j is a value",
    (value) => {
      expect(isUnset(value)).toBe(false);
    },
  );

  it("is absent from optional parameters, which are trimmed", () => {
    expect(parseInput(AvailabilityRequestSchema, { channel: "", referrer: "{{referrer}}", url: null })).toEqual({
      channel: undefined,
      referrer: undefined,
      url: undefined,
    });
    expect(parseInput(HandoverRequestSchema, { referrer: " https://shop.example ", keywords: "null" })).toEqual({
      referrer: "https://shop.example",
      keywords: undefined,
    });
  });

  it("still refuses an optional parameter of the wrong type or length, naming it", () => {
    expect(() => parseInput(HandoverRequestSchema, { referrer: 5 })).toThrow("referrer must be a string");
    expect(() => parseInput(HandoverRequestSchema, { keywords: "k".repeat(513) })).toThrow(
      "keywords must be at most 512 characters",
    );
  });

  it("as an answer is an empty answer, not a missing one", () => {
    expect(answerOf({ email: "" }, "email")).toBe("");
    expect(answerOf({ value: null }, "email")).toBe("");
    expect(answerOf({ value: "", email: "jane@example.com" }, "email")).toBe("jane@example.com");
    expect(answerOf({ value: "  ", name: "" }, "name")).toBe("  ");
    expect(answerOf({}, "name")).toBeUndefined();
  });
});

describe("a chatId that is a word for no value or a placeholder", () => {
  it.each([
    ["null", /^chatId is "null", a word for no value/],
    ["Undefined", /^chatId is "Undefined", a word for no value/],
    ["NONE", /a word for no value/],
    ["chatId", /a word for no value/],
    ["ChatId", /a word for no value/],
    ["{{chatId}}", /^chatId is an unreplaced template placeholder/],
    ["{{$chatId}}", /placeholder/],
    ["%chatId%", /placeholder/],
    ["$chatId", /placeholder/],
    ["[[chatId]]", /placeholder/],
  ])("%j is a 400 naming chatId", (raw, message) => {
    expect(() => parseChatId(raw)).toThrow(BadRequestError);
    expect(() => parseChatId(raw)).toThrow(message);
  });

  it("leaves real ids alone", () => {
    expect(parseChatId("47E755AD-69A2-4139-A610-C53D0C8DEB4B")).toEqual({
      chatId: "47e755ad-69a2-4139-a610-c53d0c8deb4b",
      isGuid: true,
    });
    expect(parseChatId("chat-123_x")).toEqual({ chatId: "chat-123_x", isGuid: false });
    expect(parseChatId("nullable_chat")).toEqual({ chatId: "nullable_chat", isGuid: false });
  });
});
