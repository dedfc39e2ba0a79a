// Maven builds used by the stack: the Kafka broker's jars and the bridge.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KAFKA_VERSION, kafkaLibs } from "../scripts/versions.ts";
import { newestMtime } from "./proc.ts";

function mvn(root: string, args: string[]): void {
  // Output only matters when it fails (quiet Maven still prints terminal reset codes).
  const r = spawnSync("mvn", ["-B", "-q", "-Dstyle.color=never", ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`mvn ${args.join(" ")} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
}

export { kafkaLibs };

/** Copies kafka_2.13 and its runtime dependencies into .cache/kafka-<version>/libs once. */
export function ensureKafkaLibs(root: string): string {
  const libs = kafkaLibs(root);
  const done = join(libs, ".complete");
  if (existsSync(done) && newestMtime(done) >= newestMtime(join(root, "stack/kafka/pom.xml"))) return libs;
  console.log(`installing Kafka ${KAFKA_VERSION} jars into ${libs}`);
  mvn(root, ["-f", "stack/kafka/pom.xml", "dependency:copy-dependencies", `-Dkafka.version=${KAFKA_VERSION}`, `-Dkafka.libs=${libs}`]);
  writeFileSync(done, `${new Date().toISOString()}\n`);
  return libs;
}

export const bridgeJar = (root: string) => join(root, "bridge", "target", "mesh-bridge.jar");

let bridgeBuilt = false;

/** Builds bridge/ when its jar is missing or older than its sources. */
export function ensureBridge(root: string): void {
  if (bridgeBuilt) return;
  const jar = bridgeJar(root);
  const sources = Math.max(newestMtime(join(root, "bridge/src")), newestMtime(join(root, "bridge/pom.xml")));
  // A new pin in versions.env shows as a kafka-clients jar of another version.
  const clients = join(root, "bridge", "target", "libs", `kafka-clients-${KAFKA_VERSION}.jar`);
  if (!existsSync(jar) || !existsSync(clients) || newestMtime(jar) < sources) {
    console.log("building bridge/");
    mvn(root, ["-f", "bridge/pom.xml", "package", `-Dkafka.version=${KAFKA_VERSION}`]);
  }
  bridgeBuilt = true;
}
