// The schema registry of the stack: Apicurio Registry (a Quarkus application) with in-memory
// storage, serving the Confluent-compatible API the filter's schema checks call
// (docs/schemas.md). Run when the plugin config has a `schema_registry` section whose authority
// is a loopback address, on that address.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APICURIO_VERSION } from "../scripts/versions.ts";
import type { Component } from "./component.ts";
import type { RegistrySpec } from "./config.ts";
import { httpStatus, runningPid, stackDir, startDetached, stopByPid } from "./proc.ts";

export { APICURIO_VERSION };

/** io.apicurio:apicurio-registry-app:<version>:tar.gz:all on Maven Central (its parent POM is not served, so no Maven resolution). */
export const APICURIO_URL = `https://repo.maven.apache.org/maven2/io/apicurio/apicurio-registry-app/${APICURIO_VERSION}/apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`;

/**
 * One small heap (the registry holds a few schemas in H2 in memory and answers a few calls per
 * new schema id per Envoy worker): about 210-230 MB resident after start. Serial GC: a single
 * collector thread and no G1 remembered sets on a 2-core machine shared with three brokers.
 */
export const REGISTRY_JVM_OPTS = [
  "-Xms64m",
  "-Xmx256m",
  "-XX:+UseSerialGC",
  "-XX:+ExitOnOutOfMemoryError",
  "-Djava.awt.headless=true",
];

/** .cache/apicurio-registry-<version>/: the unpacked tarball (the runner jar and lib/). */
export const apicurioHome = (root: string): string => join(root, ".cache", `apicurio-registry-${APICURIO_VERSION}`);

function sha1File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha1");
    createReadStream(path).on("error", reject).on("data", (d) => h.update(d)).on("end", () => resolve(h.digest("hex")));
  });
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout ?? ""}${r.stderr ?? ""}`);
}

/**
 * Downloads the Apicurio tarball from Maven Central once, checks it against the .sha1 Maven
 * Central publishes beside it, unpacks it into .cache/apicurio-registry-<version>/ and deletes
 * the tarball (the unpacked directory's .complete keeps its sha1). Later runs do nothing.
 */
export async function ensureApicurio(root: string, log: (s: string) => void = console.log): Promise<string> {
  const home = apicurioHome(root);
  if (existsSync(join(home, ".complete"))) return home;
  const cache = join(root, ".cache");
  mkdirSync(cache, { recursive: true });
  const tmp = join(cache, `apicurio-registry-${APICURIO_VERSION}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const tarball = join(tmp, "app.tar.gz");
    log(`installing Apicurio Registry ${APICURIO_VERSION} into ${home} (fetching ${APICURIO_URL})`);
    run("curl", ["-fsSL", "--retry", "3", "-o", tarball, APICURIO_URL], `downloading ${APICURIO_URL}`);
    run("curl", ["-fsSL", "--retry", "3", "-o", `${tarball}.sha1`, `${APICURIO_URL}.sha1`], `downloading ${APICURIO_URL}.sha1`);
    const want = readFileSync(`${tarball}.sha1`, "utf8").trim().slice(0, 40).toLowerCase();
    const got = await sha1File(tarball);
    if (want !== got) throw new Error(`sha1 mismatch for ${APICURIO_URL}: Maven Central says ${want}, the download is ${got}`);
    const out = join(tmp, "home");
    mkdirSync(out);
    run("tar", ["--no-same-owner", "-xzf", tarball, "-C", out], `unpacking ${tarball}`);
    runnerJar(out); // the layout is what start() expects
    writeFileSync(join(out, ".complete"), `${APICURIO_URL}\nsha1 ${got}\n`);
    rmSync(home, { recursive: true, force: true });
    renameSync(out, home);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return home;
}

/** The Quarkus runner of an unpacked Apicurio: <name>-runner.jar beside lib/ (3.0.x), or quarkus-app/quarkus-run.jar. */
export function runnerJar(home: string): string {
  const runner = readdirSync(home).find((f) => f.endsWith("-runner.jar"));
  if (runner) return join(home, runner);
  const fastJar = join(home, "quarkus-app", "quarkus-run.jar");
  if (existsSync(fastJar)) return fastJar;
  throw new Error(`${home}: no *-runner.jar or quarkus-app/quarkus-run.jar in the Apicurio tarball`);
}

export function createRegistry(root: string, r: RegistrySpec): Component {
  const name = "registry";
  const dir = join(stackDir(root), name);
  const marker = `-Dmesh.component=${dir}`;
  const java = process.env.JAVA ?? "java";
  const base = `http://${r.host}:${r.port}`;
  return {
    name,
    ports: [r.port],
    async install() {
      await ensureApicurio(root);
    },
    async start() {
      if (runningPid(root, name) !== undefined) return;
      mkdirSync(dir, { recursive: true });
      const args = [
        ...REGISTRY_JVM_OPTS,
        marker,
        `-Dquarkus.http.host=${r.host.replace(/^\[(.*)\]$/, "$1")}`,
        `-Dquarkus.http.port=${r.port}`,
        // In-memory storage (the 3.0.x default, stated): an H2 database in the JVM, empty at
        // every start; `make down` forgets every schema.
        "-Dapicurio.storage.kind=sql",
        "-Dapicurio.storage.sql.kind=h2",
        // Files it would otherwise write to /tmp stay under .stack/registry/.
        `-Dvertx.cacheDirBase=${join(dir, "vertx-cache")}`,
        `-Dapicurio.import.work-dir=${dir}`,
        `-Dapicurio.storage.snapshot.location=${dir}`,
        "-jar",
        runnerJar(apicurioHome(root)),
      ];
      // Its own working directory: Quarkus also reads ./config/application.properties and ./.env.
      startDetached(root, { name, command: java, args, cwd: dir, marker, ports: [r.port] });
    },
    // Apicurio's readiness (storage initialized) and the API the filter calls.
    async isReady() {
      return (await httpStatus(`${base}/health/ready`)) === 200 && (await httpStatus(`${base}${r.basePath}/subjects`)) === 200;
    },
    stop() {
      return stopByPid(root, name);
    },
  };
}
