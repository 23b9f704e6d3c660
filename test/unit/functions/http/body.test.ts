import { BadRequestError } from "@caic-handover/core/shared/errors";
import { readBody, topLevelKeys } from "@caic-handover/functions/http/body";
import { describe, expect, it } from "vitest";
import { problem } from "./events";

const JSON_TYPE = "application/json";
const FORM = "application/x-www-form-urlencoded";
const TEXT = "text/plain";
const noChatId = () => new BadRequestError("no chat id in the URL");
/** A route that takes only JSON or form fields (not a Capture Input step). */
const fieldsOnly = (body: string, contentType = JSON_TYPE) => readBody(body, contentType, false, true, noChatId);
/** A Capture Input step, with or without the chat id in the URL. */
const answer = (body: string, contentType: string, chatIdInUrl: boolean) =>
  readBody(body, contentType, true, chatIdInUrl, noChatId);

describe("a body of JSON or form fields", () => {
  it("reads a JSON object's fields", () => {
    expect(fieldsOnly('{"chatId":"a","email":"x@example.com"}')).toEqual({
      form: "fields",
      fields: { chatId: "a", email: "x@example.com" },
    });
  });

  it("reads form-encoded fields", () => {
    expect(fieldsOnly("chatId=a&name=J%C3%B6rg+M", FORM)).toEqual({
      form: "fields",
      fields: { chatId: "a", name: "Jörg M" },
    });
  });

  it("reads an empty or blank body as no fields", () => {
    expect(fieldsOnly("")).toEqual({ form: "fields", fields: {} });
    expect(fieldsOnly(" \n")).toEqual({ form: "fields", fields: {} });
  });

  it("refuses JSON that does not parse", () => {
    expect(problem(() => fieldsOnly('{"chatId":"a",'))).toBe("body must be a JSON object or form-encoded");
  });

  it.each(["[1,2]", "42", '"text"', "null"])("refuses JSON that is not an object: %s", (body) => {
    expect(problem(() => fieldsOnly(body))).toBe("body must be a JSON object");
  });

  it.each([
    '{"chatId":"a","chatId":"b"}',
    '{"chatId":"a","ChatId":"b"}',
    '{"ChatId":"a", "x":1,\n "ChatId" : "b"}',
    '{"chat\\u0049d":"a","chatId":"b"}',
    '{"chatId"\t:"a",\r\n"chatId"\n\t :"b"}',
  ])("refuses a JSON body naming the chat id twice: %s", (body) => {
    expect(problem(() => fieldsOnly(body))).toBe("chatId is given more than once in the body");
  });

  it.each([
    ["chatId=a&chatId=b", "twice"],
    ["chatId=a&ChatId=b", "in both spellings"],
  ])("refuses a form body naming the chat id %s (%s)", (body) => {
    expect(problem(() => fieldsOnly(body, FORM))).toBe("chatId is given more than once in the body");
  });

  it("takes a chat id named again inside a nested object or a value", () => {
    const body = '{"chatId":"a","context":{"chatId":"b"},"reason":"\\"chatId\\":\\"c\\""}';
    expect(fieldsOnly(body)).toEqual({ form: "fields", fields: JSON.parse(body) });
  });
});

describe("a Capture Input step's body (the answer)", () => {
  it("is the answer itself when plain text and the chat id is in the URL, even if it looks like JSON", () => {
    expect(answer("Jörg", TEXT, true)).toEqual({ form: "text" });
    expect(answer('{"chatId":"a","chatId":"b"}', `${TEXT}; charset=utf-8`, true)).toEqual({ form: "text" });
  });

  it("is the answer itself when it is not a JSON object and the chat id is in the URL", () => {
    expect(answer("Jörg", JSON_TYPE, true)).toEqual({ form: "text" });
    expect(answer('["a"]', JSON_TYPE, true)).toEqual({ form: "text" });
    expect(answer("42", "", true)).toEqual({ form: "text" });
  });

  it("without the chat id in the URL, a body that is not a JSON object says where the chat id goes", () => {
    expect(problem(() => answer("Jörg", JSON_TYPE, false))).toBe("no chat id in the URL");
    expect(problem(() => answer('["a"]', JSON_TYPE, false))).toBe("no chat id in the URL");
  });

  it("reads a JSON object that does not parse as unreadable, with the chat id it names", () => {
    expect(answer('{"chatId":"a","value":"say "hi""}', JSON_TYPE, false)).toEqual({ form: "unreadable", chatId: "a" });
    expect(answer('{"value":"say "hi""}', JSON_TYPE, true)).toEqual({ form: "unreadable", chatId: undefined });
  });

  it("refuses an unreadable JSON object that names the chat id twice", () => {
    expect(problem(() => answer('{"chatId":"a","ChatId":"b","value":"x"y"}', JSON_TYPE, true))).toBe(
      "chatId is given more than once in the body",
    );
  });

  it("refuses an unreadable JSON object naming no (or a blank) chat id when the URL has none", () => {
    expect(problem(() => answer('{"value":"x"y"}', JSON_TYPE, false))).toBe("no chat id in the URL");
    expect(problem(() => answer('{"chatId":" ","value":"x"y"}', JSON_TYPE, false))).toBe("no chat id in the URL");
  });

  it("reads a JSON object's fields as on any route", () => {
    expect(answer('{"chatId":"a","value":"x"}', JSON_TYPE, false)).toEqual({
      form: "fields",
      fields: { chatId: "a", value: "x" },
    });
  });
});

describe("topLevelKeys", () => {
  it("lists a JSON object's top-level keys, duplicates included, decoded", () => {
    expect(topLevelKeys('{"a":1,"b":{"a":2},"c":["a"],"a":3,"\\u0064":"x:y"}')).toEqual(["a", "b", "c", "a", "d"]);
  });
});
