// The bridge (bridge/) in front of one cluster: the Strimzi REST API on its HTTP port and the
// native gRPC endpoint (kafka.mesh.v1.Bridge/Produce) on its gRPC port, whatever dialect the
// plugin config names (stack/config.ts derives both ports from rest_bridge).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { Component } from "./component.ts";
import { type ClusterSpec, configPath, type DialectConfig, withDialect } from "./config.ts";
import { bridgeClasspath, bridgeJar, ensureBridge } from "./maven.ts";
import { httpStatus, runningPid, stackDir, startDetached, stopByPid } from "./proc.ts";

export const BRIDGE_JVM_OPTS = [
  "-Xms64m",
  "-Xmx256m",
  "-XX:+UseG1GC",
  "-XX:MaxGCPauseMillis=20",
  "-XX:+ExitOnOutOfMemoryError",
  // The JDK HTTP server otherwise leaves Nagle on: small responses wait for delayed ACKs.
  "-Dsun.net.httpserver.nodelay=true",
  "-Djava.awt.headless=true",
];

/**
 * Whether bridge/ is the runnable jar with both endpoints (`--http-listen`, `--grpc-listen`).
 * A bridge without the gRPC endpoint takes `<plugin-config> <cluster>` and listens on the
 * cluster's rest_bridge.authority only: it is given a copy of the config on the strimzi dialect
 * (authority = its HTTP port) and serves HTTP alone.
 */
export function bridgeHasGrpc(root: string): boolean {
  const main = join(root, "bridge", "src", "main", "java", "mesh", "bridge", "BridgeServer.java");
  return existsSync(main) && readFileSync(main, "utf8").includes("--grpc-listen");
}

/** The ports a bridge binds: HTTP, and gRPC when the bridge has it. */
export function bridgeListenPorts(root: string, c: ClusterSpec): number[] {
  return bridgeHasGrpc(root) ? [c.httpPort, c.grpcPort] : [c.httpPort];
}

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
    get ports() {
      return bridgeListenPorts(root, c);
    },
    async install() {
      ensureBridge(root);
    },
    async start() {
      if (runningPid(root, name) !== undefined) return;
      const ports = bridgeListenPorts(root, c);
      let args: string[];
      if (bridgeHasGrpc(root)) {
        args = [...BRIDGE_JVM_OPTS, marker, "-jar", bridgeJar(root), "--plugin-config", configPath(root), "--cluster", c.name,
          "--http-listen", `${c.bridgeHost}:${c.httpPort}`, "--grpc-listen", `${c.bridgeHost}:${c.grpcPort}`];
      } else {
        const cfg = JSON.parse(readFileSync(configPath(root), "utf8")) as DialectConfig;
        const strimzi = join(stackDir(root), "bridge-plugin-config.json");
        writeFileSync(strimzi, JSON.stringify(withDialect(cfg, "strimzi"), null, 2) + "\n");
        args = [...BRIDGE_JVM_OPTS, marker, "-cp", bridgeClasspath(root), "mesh.bridge.BridgeServer", strimzi, c.name];
      }
      startDetached(root, { name, command: java, args, marker, ports });
    },
    async isReady() {
      if ((await httpStatus(`http://${c.bridgeHost}:${c.httpPort}/ready`)) !== 200) return false;
      return !bridgeHasGrpc(root) || (await listening(host, c.grpcPort));
    },
    stop() {
      return stopByPid(root, name);
    },
  };
}
