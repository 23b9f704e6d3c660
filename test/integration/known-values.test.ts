import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, newChatId, startHarness } from "../support/harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ OFFLINE_HANDOVER: "off", INTAKE_REQUIRED_FIELDS: "email,name" });
});
afterAll(() => h.close());
beforeEach(() => h.cm.reset());

const start = (chatId: string, known: object) => h.call("POST", "/caic/events", { body: { chatId, ...known } });

describe("values the bot already knows", () => {
  it("valid known e-mail and name are stored normalised; nothing is missing and the handover needs no Capture Input", async () => {
    const chatId = newChatId();
    const answer = await start(chatId, { email: " Jane.Doe@Example.COM ", name: " Jane   Doe " });
    expect(answer.json).toEqual({
      chatId,
      status: "started",
      complete: true,
      missing: [],
      emailKnown: true,
      nameKnown: true,
      messageKnown: false,
    });
    expect(await h.item(chatId)).toMatchObject({ email: "Jane.Doe@example.com", name: "Jane Doe" });
    expect((await h.call("GET", `/chats/${chatId}`)).json.status).toBe("ready");

    expect((await h.call("POST", "/handover", { body: { chatId } })).json).toEqual({ handover: "requested" });
    expect(h.cm.acceptedMutations[0]!.body).toMatchObject({
      Context: { email: "Jane.Doe@example.com", name: "Jane Doe" },
    });
  });

  it("an invalid known value is not stored and is reported missing, without counting an attempt", async () => {
    const chatId = newChatId();
    const answer = await start(chatId, { email: "jane.example.com", name: "Jane" });
    expect(answer.json).toMatchObject({ complete: false, missing: ["email"], emailKnown: false, nameKnown: true });
    const item = await h.item(chatId);
    expect(item).not.toHaveProperty("email");
    expect(item?.emailAttempts ?? 0).toBe(0);
    // The visitor is then asked, with all three attempts left.
    const asked = await h.call("POST", "/intake/email", { body: { chatId, value: "also wrong" } });
    expect(asked.json).toMatchObject({ valid: false, attempts: 1, exhausted: false });
  });

  it("a partial set asks only for the rest", async () => {
    const chatId = newChatId();
    expect((await start(chatId, { name: "Jane" })).json).toMatchObject({
      complete: false,
      missing: ["email"],
      emailKnown: false,
      nameKnown: true,
    });
    const email = await h.call("POST", "/intake/email", { body: { chatId, value: "jane@example.com" } });
    expect(email.json).toMatchObject({ valid: true, complete: true, missing: [] });
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["JSON null", null],
    ["the word null", "null"],
    ["undefined", "undefined"],
    ["an unreplaced {{email}}", "{{email}}"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dialog variable left unreplaced, exactly as sent
    ["an unreplaced ${email}", "${email}"],
    ["an unreplaced %email%", "%email%"],
  ])("%s counts as not known, and never overwrites a stored value", async (_label, value) => {
    const chatId = newChatId();
    await h.call("POST", "/intake/email", { body: { chatId, value: "kept@example.com" } });
    const answer = await start(chatId, { email: value, name: value });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ emailKnown: true, nameKnown: false, missing: ["name"] });
    expect(await h.item(chatId)).toMatchObject({ email: "kept@example.com" });
    expect((await h.item(chatId))!.name).toBeUndefined();
  });

  it("a known value of the wrong type is not known either, never a 400", async () => {
    const chatId = newChatId();
    const answer = await start(chatId, { email: 42, name: { first: "Jane" } });
    expect(answer).toMatchObject({ status: 200, json: { missing: ["email", "name"] } });
  });

  it("an invalid known value never replaces a valid one stored earlier", async () => {
    const chatId = newChatId();
    await start(chatId, { email: "first@example.com" });
    const again = await start(chatId, { email: "not an address" });
    expect(again.json).toMatchObject({ emailKnown: true });
    expect((await h.item(chatId))!.email).toBe("first@example.com");
  });

  it("every intake step takes known values for the other fields, in the same write, valid or invalid step", async () => {
    const chatId = newChatId();
    const named = await h.call("POST", "/intake/name", {
      body: { chatId, value: "Jane", email: "jane@example.com", message: "Where is my order?" },
    });
    expect(named.json).toEqual({ valid: true, field: "name", value: "Jane", complete: true, missing: [] });
    expect(await h.item(chatId)).toMatchObject({
      name: "Jane",
      email: "jane@example.com",
      message: "Where is my order?",
    });

    const other = newChatId();
    const wrong = await h.call("POST", "/intake/email", { body: { chatId: other, value: "nope", name: "Ann" } });
    expect(wrong.json).toMatchObject({ valid: false, attempts: 1 });
    expect((await h.item(other))!.name).toBe("Ann");
    // The step's own field is the answer, not a known value.
    const own = await h.call("POST", "/intake/name", { body: { chatId: other, name: "R2-D2" } });
    expect(own.json).toMatchObject({ valid: false, field: "name" });
    expect((await h.item(other))!.name).toBe("Ann");
  });

  it("keeps the status of a handover under way and stores the known values (latest wins)", async () => {
    const chatId = newChatId();
    await start(chatId, { email: "jane@example.com", name: "Jane" });
    await h.call("POST", "/handover", { body: { chatId } });
    const again = await start(chatId, { name: "Jane Doe" });
    expect(again.json).toMatchObject({ status: "requested", nameKnown: true });
    expect(await h.item(chatId)).toMatchObject({ status: "requested", name: "Jane Doe" });
    expect(h.cm.routing.calls).toHaveLength(1);
  });

  it("a new event with a known value keeps that field's attempts at zero and resets the others", async () => {
    const chatId = newChatId();
    for (const value of ["x", "y"]) await h.call("POST", "/intake/email", { body: { chatId, value } });
    for (const value of ["1", "2"]) await h.call("POST", "/intake/name", { body: { chatId, value } });
    await start(chatId, { email: "jane@example.com" });
    const item = await h.item(chatId);
    expect(item).toMatchObject({ email: "jane@example.com", emailAttempts: 0 });
    expect(item).not.toHaveProperty("nameAttempts");
    expect(item!.history.at(-1)).toMatchObject({ status: "started", detail: "known email" });
  });
});

describe("known values one at a time, as plain text (the setup guide's form)", () => {
  const knownText = (chatId: string, field: string, value: string) =>
    h.call("POST", `/caic/events?chatId=${chatId}&known=${field}`, {
      body: value,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });

  it('stores a name with " and an e-mail address as sent, whatever characters they hold', async () => {
    const chatId = newChatId();
    await start(chatId, {});
    expect((await knownText(chatId, "name", 'Johannes "Jan" Jansen')).json).toEqual({
      field: "name",
      known: true,
      complete: false,
      missing: ["email"],
    });
    expect((await knownText(chatId, "email", "jan@example.com")).json).toMatchObject({ known: true, complete: true });
    expect(await h.item(chatId)).toMatchObject({ name: 'Johannes "Jan" Jansen', email: "jan@example.com" });
  });

  it.each([
    ["a backslash", "Jan \\ Jansen"],
    ["an unreplaced variable", "{{customerName}}"],
    ["nothing", ""],
  ])("a name with %s is not known, counts no attempt and changes nothing else", async (_label, value) => {
    const chatId = newChatId();
    await start(chatId, {});
    expect((await knownText(chatId, "name", value)).json).toEqual({ field: "name", known: false });
    const item = await h.item(chatId);
    expect(item).not.toHaveProperty("name");
    expect(item?.nameAttempts ?? 0).toBe(0);
  });

  it("the same call with a form body value=… (the guide's alternative) answers the same {field, known}", async () => {
    const chatId = newChatId();
    await start(chatId, {});
    const knownForm = (field: string, body: string) =>
      h.call("POST", `/caic/events?chatId=${chatId}&known=${field}`, {
        body,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    expect((await knownForm("name", 'value=Johannes "Jan" Jansen')).json).toEqual({
      field: "name",
      known: true,
      complete: false,
      missing: ["email"],
    });
    expect((await knownForm("email", "value=http://spam.example")).json).toEqual({ field: "email", known: false });
    expect(await h.item(chatId)).toMatchObject({ name: 'Johannes "Jan" Jansen' });
    const wrong = await knownForm("phone", "value=0612345678");
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toMatch(/email, name or message/);
    expect(await h.item(chatId)).not.toHaveProperty("email");
  });

  it("a plain-text body without ?known= is a 400 naming it, and changes nothing", async () => {
    const chatId = newChatId();
    const answer = await h.call("POST", `/caic/events?chatId=${chatId}`, {
      body: "Jan",
      headers: { "content-type": "text/plain" },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(/known=email, name or message/);
    expect(await h.item(chatId)).toBeUndefined();
  });

  it('a JSON body a " or \\ in a known value broke still starts the intake, with nothing known', async () => {
    const chatId = newChatId();
    const broken = `{"chatId":"${chatId}","email":"jan@example.com","name":"Johannes "Jan" \\ Jansen"}`;
    const answer = await h.call("POST", "/caic/events", {
      body: broken,
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: "started", emailKnown: false, nameKnown: false });
  });
});
