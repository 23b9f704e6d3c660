/**
 * When a long-running command (`npm start`, `npm run bench`) must stop: Ctrl-C, SIGTERM or SIGHUP to
 * it, or its parent going away. The last covers `kill -TERM <npm pid>`: npm passes the signal to the
 * shell that runs the script, and that shell (dash, Debian's `sh`) dies without passing it on.
 */

export type StopReason = "SIGINT" | "SIGTERM" | "SIGHUP" | "parent exited";

/** The exit code for each reason: 128 + the signal's number, as a shell reports it. */
export const STOP_EXIT_CODE: Record<StopReason, number> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
  "parent exited": 143,
};

const PARENT_CHECK_MS = 250;

/** Calls `stop` once, for the first reason to stop that arrives. */
export function onStopRequest(stop: (reason: StopReason) => void): void {
  let requested = false;
  const request = (reason: StopReason) => {
    if (requested) return;
    requested = true;
    clearInterval(watch);
    stop(reason);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => request(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) request("parent exited");
  }, PARENT_CHECK_MS).unref();
}
