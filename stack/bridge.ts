// The bridge (bridge/, the runnable jar bridge/target/mesh-bridge.jar) in front of one cluster:
// the Strimzi REST API on its HTTP port and the native gRPC endpoint (kafka.mesh.v1.Bridge/Produce)
// on its gRPC port, whatever dialect the plugin config names (stack/config.ts derives both ports
// from rest_bridge).
import net from "node:net";
import { join } from "node:path";
import type { Component } from "./component.ts";
import { type ClusterSpec, configPath } from "./config.ts";
import { bridgeJar, ensureBridge } from "./maven.ts";
import { httpStatus, runningPid, stackDir, startDetached, stopByPid } from "./proc.ts";

export const BRIDGE_JVM_OPTS = [
  "-Xms128m",
  "-Xmx512m",
  "-XX:+UseG1GC",
  "-XX:MaxGCPauseMillis=20",
  // Fetch answers pass through as arrays of a few MiB (a broker's answer, then the gRPC
  // message): with 8 MiB regions those up to 4 MiB are ordinary young objects, not humongous
  // ones, each of which would start a collection of its own.
  "-XX:G1HeapRegionSize=8m",
  "-XX:+ExitOnOutOfMemoryError",
  // The JDK HTTP server otherwise leaves Nagle on: small responses wait for delayed ACKs.
  "-Dsun.net.httpserver.nodelay=true",
  "-Djava.awt.headless=true",
];

/** A TCP connection to host:port is accepted. */
function listening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once("connect", () => done(true));
    s.once("timeout", () => done(false));
    s.once("error", () => done(false));
  });
}

export function createBridge(root: string, c: ClusterSpec): Component {
  const name = `bridge-${c.name}`;
  const marker = `-Dmesh.component=${join(stackDir(root), name)}`;
  const java = process.env.JAVA ?? "java";
  const host = c.bridgeHost.replace(/^\[(.*)\]$/, "$1");
  return {
    name,
    ports: [c.httpPort, c.grpcPort],
    async install() {
      ensureBridge(root);
    },
    async start() {
      if (runningPid(root, name) !== undefined) return;
      const args = [...BRIDGE_JVM_OPTS, marker, "-jar", bridgeJar(root), "--plugin-config", configPath(root), "--cluster", c.name,
        "--http-listen", `${c.bridgeHost}:${c.httpPort}`, "--grpc-listen", `${c.bridgeHost}:${c.grpcPort}`];
      startDetached(root, { name, command: java, args, marker, ports: [c.httpPort, c.grpcPort] });
    },
    // /ready answers 200 once the cluster answered and the gRPC server is up; the gRPC port
    // accepting a connection is checked too.
    async isReady() {
      return (await httpStatus(`http://${c.bridgeHost}:${c.httpPort}/ready`)) === 200 && (await listening(host, c.grpcPort));
    },
    stop() {
      return stopByPid(root, name);
    },
  };
}
