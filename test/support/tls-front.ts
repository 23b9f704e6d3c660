import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TlsFront {
  /** `https://127.0.0.1:<port>`: the same paths as the target, over TLS. */
  url: string;
  /** The front's self-signed certificate, for `NODE_EXTRA_CA_CERTS` of the processes that call it. */
  caFile: string;
  stop(): Promise<void>;
}

/**
 * HTTPS on loopback in front of an HTTP server (the simulated CM), with a certificate made now by
 * `openssl` for 127.0.0.1: deployed functions reach CM over https only, so the test gives them https.
 */
export async function startTlsFront(target: string): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), "tls-front-"));
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  const made = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
      .concat(["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"])
      .concat(["-addext", "subjectAltName=IP:127.0.0.1"]),
    { encoding: "utf8" },
  );
  if (made.status !== 0) {
    throw new Error(`the TLS front needs openssl to make its certificate: ${made.error?.message ?? made.stderr}`);
  }
  const upstream = new URL(target);
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    caFile: cert,
    async stop() {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
