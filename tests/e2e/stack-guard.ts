// Leaves the stack as a test target found it:
//   tsx tests/e2e/stack-guard.ts snapshot          -> JSON list of the components running now
//   tsx tests/e2e/stack-guard.ts restore <file>    -> stops what runs now but was not in <file>
// When nothing was running, restore is a full `down` (which also waits for the ports).
import { readFileSync } from "node:fs";
import { repoRoot } from "../../stack/config.ts";
import { runningPid } from "../../stack/proc.ts";
import { down, phases } from "../../stack/stack.ts";

async function main(): Promise<void> {
  const [cmd, file] = process.argv.slice(2);
  const root = repoRoot();
  const ps = await phases(root);
  const running = ps.flatMap((p) => p.components).filter((c) => runningPid(root, c.name) !== undefined).map((c) => c.name);
  if (cmd === "snapshot") {
    console.log(JSON.stringify(running));
    return;
  }
  if (cmd !== "restore" || !file) throw new Error("usage: stack-guard.ts snapshot | restore <file>");
  const before: string[] = JSON.parse(readFileSync(file, "utf8"));
  if (before.length === 0) {
    if (running.length > 0) await down(root);
    return;
  }
  // Reverse start order: Envoy, bridges, brokers.
  for (const p of [...ps].reverse()) {
    for (const c of p.components) {
      if (before.includes(c.name) || runningPid(root, c.name) === undefined) continue;
      console.log(`stopping ${c.name} (started for this run)`);
      await c.stop();
    }
  }
  console.log(`left running as found: ${before.join(", ")}`);
}

main().catch((e) => {
  console.error(`stack-guard: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
