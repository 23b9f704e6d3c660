import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";

/** Live processes in a process group, read from /proc (field 5 of `stat` is the group id). */
export function processGroup(groupId: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return state !== "Z" && Number(group) === groupId;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The command name of a process (`java`, `node`, `npm …`), read from /proc. */
export const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
};

/** A developer's `.env` must not point these runs at real services. */
export const ISOLATED_ENV = {
  PRESENCE_API_URL: "",
  ROUTING_API_URL: "",
  WEB_CONVERSATIONS_HANDOVER_URL: "",
  DYNAMODB_ENDPOINT: "",
  DATA_DIR: "",
  BASE_URL: "",
};

export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A command as a user types it, in its own process group so a test can find everything it started. */
export function runCommand(command: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(command, args, {
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

export async function waitFor(run: Run, ready: () => boolean, what: string, ms: number) {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (run.child.exitCode !== null) throw new Error(`exited before ${what}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} after ${ms} ms:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the group is empty; answers what is still alive after `ms`. */
export async function groupEmptied(groupId: number, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processGroup(groupId);
    if (left.length === 0 || Date.now() > deadline) return left.map(commandOf);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Last resort after a failed test: end whatever the group still runs. */
export function endGroup(groupId: number | undefined) {
  if (groupId && processGroup(groupId).length > 0) process.kill(-groupId, "SIGKILL");
}
