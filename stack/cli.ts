// Usage: tsx stack/cli.ts up [kafka|bridge|registry|envoy...] | down | status | running | logs [-n] [name...]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { repoRoot } from "./config.ts";
import { logFile, pidFileNames } from "./proc.ts";
import { down, status, up } from "./stack.ts";

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const root = repoRoot();
  switch (cmd) {
    case "up":
      await up(root, rest);
      return 0;
    case "down":
      await down(root);
      return 0;
    case "status": {
      const rows = await status(root);
      let allReady = true;
      console.log("component    pid       health     ports");
      for (const r of rows) {
        allReady &&= r.ready;
        const health = r.pid === undefined ? (r.ready ? "foreign" : "stopped") : r.ready ? "ready" : "not ready";
        console.log(`${r.name.padEnd(12)} ${String(r.pid ?? "-").padEnd(9)} ${health.padEnd(10)} ${r.ports.join(",")}`);
      }
      return allReady ? 0 : 1;
    }
    case "running": {
      // Names of the components this checkout started that are still running.
      for (const r of await status(root)) if (r.pid !== undefined) console.log(r.name);
      return 0;
    }
    case "logs": {
      const follow = !rest.includes("-n");
      const names = rest.filter((a) => a !== "-n");
      const files = (names.length > 0 ? names : pidFileNames(root)).map((n) => logFile(root, n)).filter(existsSync);
      if (files.length === 0) {
        console.log("no logs under .stack/");
        return 0;
      }
      const tail = spawn("tail", ["-n", "40", ...(follow ? ["-F"] : []), ...files], { stdio: "inherit" });
      return await new Promise<number>((r) => tail.on("exit", (code) => r(code ?? 0)));
    }
    default:
      console.error("usage: stack/cli.ts up [kafka|bridge|registry|envoy...] | down | status | running | logs [-n] [name...]");
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`stack: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
