import { existsSync, writeFileSync } from "node:fs";
import { freePort } from "@caic-handover/local/dynamodb-local";
import { localBaseUrl, PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { processGroup, type Run, runCommand, waitFor } from "../support/processes";

/** Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** `UPDATE_CONSOLE_SCREENSHOT=true` writes it. */
const SCREENSHOT = "docs/console.png";
const EMAIL = "jane.doe@example.com";
const NAME = "Jane van der Berg";
/** Any e-mail address in the page's text; a masked one starts with one character and `***`. */
const ADDRESS = /[^\s@"'<>(),;:{}[\]]+@[^\s@"'<>(),;:{}[\]]+\.[a-z]{2,}/gi;

let started: Run | undefined;
let browser: Browser | undefined;
let page: Page;
let consoleUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const port = String(await freePort());
  // An hour-long presence cache: only the switch's own cache clearing can make the next answer offline.
  started = runCommand("npm", ["start"], { PORT: port, PRESENCE_CACHE_SECONDS: "3600", OFFLINE_HANDOVER: "off" });
  await waitFor(started, () => started!.output().includes("Ctrl-C stops everything"), "npm start's banner", 60_000);
  expect(started.output()).toContain(`Console (open in a browser)       ${localBaseUrl(port)}/__console`);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  consoleUrl = `${localBaseUrl(port)}/__console`;
  await page.goto(consoleUrl);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (started?.child.pid && processGroup(started.child.pid).length > 0) {
    started.child.kill("SIGTERM");
    await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 8000))]);
    if (processGroup(started.child.pid).length > 0) process.kill(-started.child.pid, "SIGKILL");
  }
});

/** Walks the dialog in the visitor panel up to the handover; answers the new chat's id. */
async function walkConversation(): Promise<string> {
  await page.getByRole("button", { name: "Ask for an agent" }).click();
  await page.getByText("The bot asks for your e-mail address.").last().waitFor();
  await page.getByLabel("Your e-mail address").fill(EMAIL);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByText("The bot asks for your name.").last().waitFor();
  await page.getByLabel("Your name").fill(NAME);
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator('#dialog li[data-output="HandoverUrl"]').waitFor({ timeout: 20_000 });
  const start = await page.locator('#dialog li[data-output="CaicEventUrl"] pre').first().textContent();
  return /"chatId":"([^"]+)"/.exec(start ?? "")![1]!;
}

const funnelCount = (metric: string) => page.locator(`#funnel-steps li[data-metric="${metric}"] .count`);
const chatStatus = (chatId: string) => page.locator(`article[data-chat="${chatId}"] .status`);

it("shows a conversation walked in the visitor panel: its timeline, the funnel, the mutation CM received, nothing unmasked", async () => {
  await page.getByLabel("Language").selectOption("en-GB");
  const chatId = await walkConversation();
  await expect.poll(() => page.locator("#dialog").textContent()).toContain("You are being connected to an agent.");
  await page.getByRole("button", { name: "Router confirms the handover" }).click();

  await expect.poll(() => chatStatus(chatId).textContent(), { timeout: 10_000 }).toBe("handed_over");
  const timeline = await page.locator(`article[data-chat="${chatId}"] .timeline li`).allTextContents();
  expect(timeline.map((entry) => entry.split(" ")[1])).toEqual(expect.arrayContaining(["requested", "handed_over"]));
  for (const [metric, count] of [
    ["HandoverTriggered", "1"],
    ["AgentsOnline", "1"],
    ["IntakeValid", "2"],
    ["HandoverRequested", "1"],
    ["HandoverConfirmed", "1"],
  ]) {
    await expect.poll(() => funnelCount(metric!).textContent(), { message: metric }).toBe(count);
  }
  const mutation = page.locator(`#mutations li[data-mutation="${chatId}"]`);
  expect(await mutation.textContent()).toContain("handover → 200 · applied by CM");
  expect(await mutation.locator("pre").textContent()).toContain('"email":"j***@example.com"');

  const text = (await page.locator("body").textContent()) ?? "";
  expect(text).not.toContain(NAME);
  expect(text.match(ADDRESS) ?? []).not.toEqual([]);
  for (const address of text.match(ADDRESS) ?? []) expect(address).toMatch(/^[^*]\*\*\*@/);

  // The README's picture: rewritten only when asked, so a test run leaves the working tree as it was.
  const picture = await page.screenshot();
  expect(picture.length).toBeLessThan(300_000);
  if (process.env.UPDATE_CONSOLE_SCREENSHOT === "true") writeFileSync(`${PROJECT_ROOT}${SCREENSHOT}`, picture);
}, 90_000);

it("answers offline at once after the agents switch flips offline, though the presence cache would hold online for an hour", async () => {
  await page.locator('button[data-switch="agents"][data-position="offline"]').click();
  await expect
    .poll(() => page.locator('button[data-switch="agents"][data-position="offline"]').getAttribute("aria-pressed"))
    .toBe("true");
  await page.getByRole("button", { name: "Ask for an agent" }).click();
  const availability = page.locator('#dialog li[data-output="AvailabilityUrl"]');
  await availability.waitFor();
  expect(await availability.textContent()).toContain('"agentStatus":"offline"');
  await expect.poll(() => page.locator("#dialog").textContent()).toContain("Nobody is online");

  // The same switches over HTTP: a wrong position is a 400 naming it, and changes nothing.
  const wrong = await fetch(`${consoleUrl}/switches`, { method: "PUT", body: '{"agents":"asleep"}' });
  expect([wrong.status, await wrong.json()]).toEqual([400, { message: "agents must be one of online, offline, away" }]);
  const state = (await (await fetch(`${consoleUrl}/state`)).json()) as { switches: Record<string, string> };
  expect(state.switches.agents).toBe("offline");
}, 60_000);

it("answers closed at once after business hours switch to closed, without asking presence", async () => {
  await page.locator('button[data-switch="agents"][data-position="online"]').click();
  await page.locator('button[data-switch="businessHours"][data-position="closed"]').click();
  await expect
    .poll(() =>
      page.locator('button[data-switch="businessHours"][data-position="closed"]').getAttribute("aria-pressed"),
    )
    .toBe("true");
  await page.getByRole("button", { name: "Ask for an agent" }).click();
  const availability = page.locator('#dialog li[data-output="AvailabilityUrl"]');
  await availability.waitFor();
  expect(await availability.textContent()).toContain(
    '"agentStatus":"offline","agentAvailable":false,"reason":"closed"',
  );
  await page.locator('button[data-switch="businessHours"][data-position="configured"]').click();
  await expect
    .poll(() =>
      page.locator('button[data-switch="businessHours"][data-position="configured"]').getAttribute("aria-pressed"),
    )
    .toBe("true");
}, 60_000);

// Needs #20's exactly-once protocol: a mutation CM applied whose answer was lost leaves the chat
// `unconfirmed` (the status route's `status`). Before that merge the chat ends `failed`.
it.skip("routing apply-and-drop: the chat ends unconfirmed", async () => {
  await page.locator('button[data-switch="agents"][data-position="online"]').click();
  await page.locator('button[data-switch="routing"][data-position="apply-and-drop"]').click();
  await expect
    .poll(() =>
      page.locator('button[data-switch="routing"][data-position="apply-and-drop"]').getAttribute("aria-pressed"),
    )
    .toBe("true");
  const chatId = await walkConversation();
  await expect.poll(() => chatStatus(chatId).textContent(), { timeout: 20_000 }).toBe("unconfirmed");
  expect(await page.locator(`#mutations li[data-mutation="${chatId}"]`).first().textContent()).toContain(
    "no answer · applied by CM",
  );
}, 60_000);
