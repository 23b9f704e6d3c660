import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { expect, inject, it } from "vitest";

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const settle = (connected: boolean) => {
      socket.destroy();
      resolve(connected);
    };
    socket.once("connect", () => settle(true));
    socket.once("error", () => settle(false));
    socket.once("timeout", () => settle(false));
  });

/** Local addresses of the sockets listening on this port, from the kernel's table (Linux). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return ["/proc/net/tcp", "/proc/net/tcp6"]
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, "utf8").split("\n").slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === "0A" && fields[1]?.endsWith(`:${hexPort}`))
    .map((fields) => fields[1]!.split(":")[0]!);
}

it("DynamoDB Local (as npm start and the tests run it) listens on 127.0.0.1 only", async () => {
  const port = Number(new URL(inject("ddbEndpoint")).port);
  expect(await reachable("127.0.0.1", port)).toBe(true);
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal && !address.address.startsWith("fe80"));
  for (const address of external) expect(await reachable(address!.address, port), address!.address).toBe(false);
  if (process.platform === "linux") {
    const listening = listeningAddresses(port);
    expect(listening.length).toBeGreaterThan(0);
    // 127.0.0.1 in /proc's byte order, plain or IPv4-mapped in IPv6.
    for (const address of listening) expect(["0100007F", "0000000000000000FFFF00000100007F"]).toContain(address);
  } else {
    expect(external.length, "no non-loopback address to try and no /proc to read").toBeGreaterThan(0);
  }
});
