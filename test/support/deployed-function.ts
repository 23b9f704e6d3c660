import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

const RUNNER = fileURLToPath(new URL("./lambda-runner.mjs", import.meta.url));

/** What API Gateway answers when the Lambda invocation fails (init error, exception or timeout). */
export const LAMBDA_ERROR: APIGatewayProxyStructuredResultV2 = {
  statusCode: 500,
  body: JSON.stringify({ message: "Internal Server Error" }),
};

export type Outcome =
  | { kind: "result"; result: APIGatewayProxyStructuredResultV2; ms: number }
  /** A function error: Lambda counts it in `Errors` (the per-function alarm) and API Gateway answers 500. */
  | { kind: "function-error"; why: string; ms: number };

export interface DeployedFunctionOptions {
  node: string;
  /** The runtime's handler loader (see lambda-ric.ts). */
  loader: string;
  /** The function's code as deployed (LAMBDA_TASK_ROOT): the asset folder the build wrote. */
  taskRoot: string;
  /** The function's Handler setting, e.g. `packages/functions/src/handover.handler`. */
  handler: string;
  env: Record<string, string>;
  timeoutSeconds: number;
}

/**
 * One Lambda execution environment of a deployed function: its bundle, run by `node` in its own process
 * with exactly `env`. `invoke` starts it on first use (init) and reuses it while warm; after an init
 * failure, a crash or a timeout the environment is gone and the next invoke starts a fresh one, as Lambda does.
 */
export class DeployedFunction {
  /** Everything the function's processes wrote, stdout and stderr, one entry per line. */
  readonly logs: string[] = [];
  /** How many environments were started (cold starts). */
  coldStarts = 0;
  #child: ChildProcess | undefined;
  /** Settles once the current process exited and its output ended. */
  #closed: Promise<void> = Promise.resolve();
  #ready: Promise<{ ok: true } | { ok: false; why: string }> | undefined;
  #pending = new Map<string, (message: { type: string; result?: APIGatewayProxyStructuredResultV2 }) => void>();

  constructor(readonly options: DeployedFunctionOptions) {}

  async invoke(event: APIGatewayProxyEventV2): Promise<Outcome> {
    const started = Date.now();
    const deadline = started + this.options.timeoutSeconds * 1000;
    const timedOut = (what: string) =>
      new Promise<{ ok: false; why: string }>((resolve) => {
        const timer = setTimeout(() => resolve({ ok: false, why: `${what} timed out` }), deadline - Date.now());
        timer.unref();
      });
    this.#ready ??= this.#start();
    const ready = await Promise.race([this.#ready, timedOut("init")]);
    if (!ready.ok) {
      const ms = Date.now() - started;
      await this.#discard();
      return { kind: "function-error", why: ready.why, ms };
    }
    const id = randomUUID();
    const answer = new Promise<{ ok: true; message: { type: string; result?: APIGatewayProxyStructuredResultV2 } }>(
      (resolve) => this.#pending.set(id, (message) => resolve({ ok: true, message })),
    );
    this.#child!.send({ id, event });
    const outcome = await Promise.race([answer, timedOut("invocation")]);
    this.#pending.delete(id);
    if (!outcome.ok) {
      const ms = Date.now() - started;
      await this.#discard();
      return { kind: "function-error", why: outcome.why, ms };
    }
    if (outcome.message.type !== "result") {
      return { kind: "function-error", why: outcome.message.type, ms: Date.now() - started };
    }
    return { kind: "result", result: outcome.message.result!, ms: Date.now() - started };
  }

  /** Ends the environment and waits until its process and output are closed. */
  stop(): Promise<void> {
    return this.#discard();
  }

  #start(): Promise<{ ok: true } | { ok: false; why: string }> {
    this.coldStarts++;
    const child = spawn(this.options.node, [RUNNER, this.options.loader, this.options.taskRoot, this.options.handler], {
      env: this.options.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.#child = child;
    this.#closed = once(child, "close").then(() => undefined);
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        this.logs.push(...lines.filter((line) => line.trim() !== ""));
      });
      stream.on("end", () => rest.trim() && this.logs.push(rest));
    }
    child.on("message", (message: { type: string; id?: string }) => {
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
    });
    return new Promise((resolve) => {
      child.on("message", (message: { type: string; errorType?: string }) => {
        if (message.type === "ready") resolve({ ok: true });
        if (message.type === "init-error") resolve({ ok: false, why: `init failed: ${message.errorType}` });
      });
      child.on("exit", (code, signal) => {
        resolve({ ok: false, why: `the runtime exited (${code ?? signal})` });
        for (const settle of this.#pending.values()) settle({ type: "crash" });
        if (this.#child === child) void this.#discard();
      });
    });
  }

  #discard(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#ready = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    return this.#closed;
  }
}
