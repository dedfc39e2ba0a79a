// The HTTP bridge (bridge/, Strimzi produce API) in front of one cluster.
import { join } from "node:path";
import type { Component } from "./component.ts";
import { type ClusterSpec, configPath } from "./config.ts";
import { bridgeClasspath, ensureBridge } from "./maven.ts";
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

export function createBridge(root: string, c: ClusterSpec): Component {
  const name = `bridge-${c.name}`;
  const marker = `-Dmesh.component=${join(stackDir(root), name)}`;
  const java = process.env.JAVA ?? "java";
  return {
    name,
    ports: [c.bridgePort],
    async install() {
      ensureBridge(root);
    },
    async start() {
      if (runningPid(root, name) !== undefined) return;
      startDetached(root, {
        name,
        command: java,
        args: [...BRIDGE_JVM_OPTS, marker, "-cp", bridgeClasspath(root), "mesh.bridge.BridgeServer", configPath(root), c.name],
        marker,
        ports: [c.bridgePort],
      });
    },
    async isReady() {
      return (await httpStatus(`http://${c.bridgeHost}:${c.bridgePort}/ready`)) === 200;
    },
    stop() {
      return stopByPid(root, name);
    },
  };
}
