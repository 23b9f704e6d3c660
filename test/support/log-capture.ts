import { vi } from "vitest";

/**
 * What a test reads of the logs: every non-empty line written to stdout or stderr or through
 * `console` (log, info, warn, error, debug) while the capture is on, and nothing reaches the
 * terminal meanwhile. The handlers' Powertools loggers write to stdout; a function that cannot start
 * writes through `console`.
 */
export interface LogCapture {
  /** The lines so far, in the order they were written. */
  readonly lines: string[];
  /** Puts stdout, stderr and `console` back (the lines stay readable). */
  stop(): void;
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;

/** Starts capturing now; `stop()` ends it (in a `finally` or an `afterAll`). */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(
      ...String(chunk)
        .split("\n")
        .filter((line) => line.trim() !== ""),
    );
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(capture),
    vi.spyOn(process.stderr, "write").mockImplementation(capture),
    ...CONSOLE_METHODS.map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void capture(args.map(String).join(" "))),
    ),
  ];
  return {
    lines,
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Runs `run` with the logs captured: its result and every line written while it ran. */
export async function withLogs<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const capture = captureLogs();
  try {
    const result = await run();
    return { result, lines: capture.lines };
  } finally {
    capture.stop();
  }
}

/** Every line written while `run` runs. */
export async function logged(run: () => Promise<unknown>): Promise<string[]> {
  return (await withLogs(run)).lines;
}
