import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { CmSimulator } from "@caic-handover/local/cm-simulator";
import { freePort } from "@caic-handover/local/dynamodb-local";
import { LOCAL_INFO_PATH, type LocalInfo } from "@caic-handover/local/gateway";
import { localBaseUrl, PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { afterAll, expect, it } from "vitest";
import { ISOLATED_ENV, processGroup } from "../support/processes";

/** tsx's own CLI, as `npm start` runs it, without npm's wrapper processes. */
const TSX = `${PROJECT_ROOT}node_modules/tsx/dist/cli.mjs`;
interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(script: string, env: Record<string, string>): Run {
  // Its own process group, so the test can find (and as a last resort end) everything it started.
  const child = spawn(process.execPath, [TSX, `packages/local/src/${script}.ts`], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...ISOLATED_ENV, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function waitForOutput(started: Run, text: string, ms: number) {
  const deadline = Date.now() + ms;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready after ${ms} ms:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let started: Run | undefined;
afterAll(() => {
  if (started?.child.pid && processGroup(started.child.pid).length > 0) process.kill(-started.child.pid, "SIGKILL");
});

it("npm start serves, npm run demo walks a conversation and one while nobody is online, and SIGTERM leaves no process behind", async () => {
  const port = String(await freePort());
  started = run("start", {
    PORT: port,
    OFFLINE_HANDOVER: "message",
    ERASE_CM_HISTORY: "on-erase",
    INTAKE_TTL_HOURS: "48",
    POINT_IN_TIME_RECOVERY_DAYS: "14",
  });
  await waitForOutput(started, "Ctrl-C stops everything", 40_000);
  const banner = started.output();
  const baseUrl = localBaseUrl(port);
  expect(banner).toContain(`POST   ${baseUrl}/caic/events`);
  // Every setting that differs from its default, and the opening hours.
  expect(banner).toMatch(/Changed from its default\s+INTAKE_TTL_HOURS=48/);
  // The deploy's own settings, which do nothing here, are shown as such.
  expect(banner).toMatch(/Applies at deploy only\s+POINT_IN_TIME_RECOVERY_DAYS=14/);
  expect(banner).toMatch(/BUSINESS_HOURS\s+none \(always open\)/);
  expect(banner).toContain(`${baseUrl}/router/events?key=`);
  expect(banner).toContain(`CM.com's cloud cannot call ${baseUrl}: these URLs work from this machine only.`);
  const javaPid = Number(/java pid (\d+)/.exec(banner)?.[1]);
  expect(processGroup(started.child.pid!)).toContain(javaPid);

  const demo = run("demo", { PORT: port });
  expect(await demo.exited, demo.output()).toBe(0);
  expect(demo.output()).toContain("the bot says:");
  expect(demo.output()).toContain('← 200 {"handback":"requested"}');
  // The simulated agents go offline and the visitor leaves a message.
  expect(demo.output()).toContain('← 200 {"agentStatus":"offline","agentAvailable":false,"reason":"presence"}');
  expect(demo.output()).toContain('← 200 {"handover":"requested","mode":"message"}');
  expect(demo.output()).toContain("Demo finished");

  const info = (await (await fetch(`${baseUrl}${LOCAL_INFO_PATH}`)).json()) as LocalInfo;
  const received = (await (await fetch(info.simulator.inspectUrl!)).json()) as ReturnType<CmSimulator["received"]>;
  expect(received.mutationRequests.map((call) => call.kind)).toEqual(["handover", "handback", "handover"]);
  expect(received.acceptedMutationRequests).toBe(3);
  expect(received.acceptedHandbacks).toBe(1);
  expect(received.mutationRequests[2]!.body).toMatchObject({ Context: { mode: "message" } });
  // What the agent needs rode along, and the privacy request erased CM's copy of the first chat's session.
  expect(received.mutationRequests[0]!.body).toMatchObject({
    Context: { RoutingKeywords: "billing", skill: "billing", culture: "nl-NL", language: "nl" },
  });
  const erasedAtCm = received.historyRequests.filter((call) => call.method === "DELETE");
  expect(erasedAtCm.map((call) => call.status)).toEqual([204]);
  expect(received.historySessions.map((session) => session.chatId)).not.toContain(received.mutationRequests[0]!.chatId);

  const stoppedAt = Date.now();
  started.child.kill("SIGTERM");
  expect(await started.exited).toBe(0);
  expect(Date.now() - stoppedAt).toBeLessThan(5000);
  expect(processGroup(started.child.pid!)).toEqual([]);
}, 90_000);
