import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { type AwsRequest, AwsStandIn, STAND_IN_CREDENTIALS } from "./aws-stand-in";

export interface SstBuild {
  /** The clean copy the CLI ran in. */
  dir: string;
  /** `.sst/dist` of that copy: the templates and asset folders `sst deploy` would upload. */
  dist: string;
  output: string;
  exitCode: number | null;
  /** The AWS calls the CLI made, as the stand-in received them. */
  calls: AwsRequest[];
  /** Stack name → its template. */
  templates: Record<string, { Resources: Record<string, { Type: string; Properties: any; Metadata?: any }> }>;
  remove(): void;
}

/**
 * A clean copy of the repository: the files git tracks (and new ones it does not ignore), nothing
 * else (no .env, no .sst, no .build). Its node_modules links to this checkout's installed packages,
 * except the workspaces, which point at the copy's own packages as `npm ci` would link them.
 */
export function cleanCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "caic-handover-clone-"));
  const files = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  })
    .stdout.split("\0")
    .filter(Boolean);
  const tar = spawnSync("tar", ["--null", "-T", "-", "-cf", "-"], {
    cwd: PROJECT_ROOT,
    input: files.join("\0"),
    maxBuffer: 1 << 30,
  });
  spawnSync("tar", ["-xf", "-", "-C", dir], { input: tar.stdout, maxBuffer: 1 << 30 });
  mkdirSync(join(dir, "node_modules", "@caic-handover"), { recursive: true });
  for (const name of readdirSync(join(PROJECT_ROOT, "node_modules"))) {
    if (name !== "@caic-handover")
      symlinkSync(join(PROJECT_ROOT, "node_modules", name), join(dir, "node_modules", name));
  }
  for (const name of readdirSync(join(dir, "packages")))
    symlinkSync(join("..", "..", "packages", name), join(dir, "node_modules", "@caic-handover", name));
  return dir;
}

/**
 * `npx sst build --stage <stage>` as a user runs it, as a child process on `node` (first on PATH),
 * in a clean copy, with nothing in its environment but PATH, HOME, the deploy parameters, the
 * deployer's credentials and the loopback stand-in for the AWS calls made before synthesis.
 */
export async function sstBuild(options: {
  node: string;
  stage: string;
  parameters: Record<string, string>;
  /** SSM parameter name → value: the stage's secrets. */
  secrets: Map<string, string>;
}): Promise<SstBuild> {
  const dir = cleanCopy();
  const aws = new AwsStandIn({ parameters: options.secrets });
  const url = (await aws.start()).replace(/\/$/, "");
  try {
    const child = spawn("npx", ["sst", "build", "--stage", options.stage], {
      cwd: dir,
      env: {
        PATH: `${dirname(options.node)}:${process.env.PATH}`,
        HOME: mkdtempSync(join(tmpdir(), "sst-home-")),
        SST_TELEMETRY_DISABLED: "1",
        AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: STAND_IN_CREDENTIALS.sessionToken,
        AWS_ENDPOINT_URL_STS: url,
        AWS_ENDPOINT_URL_CLOUDFORMATION: url,
        AWS_ENDPOINT_URL_SSM: url,
        ...options.parameters,
        // A faked clock (`npm run test:later`) applies to the CLI too.
        ...Object.fromEntries(
          Object.entries(process.env).filter(([name]) => /^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/.test(name)),
        ),
      } as Record<string, string>,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const dist = join(dir, ".sst", "dist");
    const templates: SstBuild["templates"] = {};
    for (const file of exitCode === 0 ? readdirSync(dist) : []) {
      const match = /^(.*)\.template\.json$/.exec(file);
      if (match) templates[match[1]!] = JSON.parse(readFileSync(join(dist, file), "utf8"));
    }
    return {
      dir,
      dist,
      output,
      exitCode,
      calls: aws.requests,
      templates,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } finally {
    await aws.stop();
  }
}
