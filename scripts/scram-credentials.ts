// Writes one user's salted SCRAM credentials for the mesh's security.sasl.users
// (docs/security.md), as `kafka-configs.sh --alter --add-config SCRAM-SHA-256=...` stores them
// for a broker: per mechanism a random 32-byte salt, the iteration count, StoredKey and ServerKey
// (RFC 5802), never the password. The password is one line on stdin (not echoed on a terminal).
//
//   node --import tsx scripts/scram-credentials.ts --user alice [--iterations 4096]
//   make scram-credentials USER=alice [ITERATIONS=4096]
//
// --salt-sha256/--salt-sha512 <base64> fix the salts, for reproducible test fixtures only.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";

export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;
export const SALT_BYTES = 32;

export type ScramHash = "sha256" | "sha512";

export interface ScramCredentialJson {
  salt: string;
  iterations: number;
  stored_key: string;
  server_key: string;
}

export interface UserJson {
  name: string;
  scram_sha_256: ScramCredentialJson;
  scram_sha_512: ScramCredentialJson;
}

/** RFC 5802: SaltedPassword = Hi(password, salt, i); StoredKey = H(HMAC(SaltedPassword, "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key"). */
export function scramCredential(hash: ScramHash, password: string, salt: Buffer, iterations: number): ScramCredentialJson {
  const length = hash === "sha256" ? 32 : 64;
  // Kafka hashes the password's UTF-8 bytes as they are (ScramFormatter.normalize: no SASLprep).
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, length, hash);
  const clientKey = createHmac(hash, salted).update("Client Key").digest();
  return {
    salt: salt.toString("base64"),
    iterations,
    stored_key: createHash(hash).update(clientKey).digest("base64"),
    server_key: createHmac(hash, salted).update("Server Key").digest("base64"),
  };
}

/** Why a user name cannot be used, or null. */
export function nameError(name: string): string | null {
  if (name.length === 0) return "the user name is empty";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "the user name holds control characters";
  return null;
}

/** Why an iteration count cannot be used, or null (Kafka accepts 4096..16384). */
export function iterationsError(iterations: number): string | null {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    return `iterations must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`;
  }
  return null;
}

export function userCredentials(name: string, password: string, iterations: number, salt256: Buffer, salt512: Buffer): UserJson {
  return {
    name,
    scram_sha_256: scramCredential("sha256", password, salt256, iterations),
    scram_sha_512: scramCredential("sha512", password, salt512, iterations),
  };
}

function credentialText(c: ScramCredentialJson): string {
  return `{ "salt": ${JSON.stringify(c.salt)}, "iterations": ${c.iterations}, "stored_key": ${JSON.stringify(c.stored_key)}, "server_key": ${JSON.stringify(c.server_key)} }`;
}

/** The user's object as docs/security.md lays it out, for an entry of security.sasl.users. */
export function formatUser(u: UserJson): string {
  return (
    `{ "name": ${JSON.stringify(u.name)},\n` +
    `  "scram_sha_256": ${credentialText(u.scram_sha_256)},\n` +
    `  "scram_sha_512": ${credentialText(u.scram_sha_512)} }\n`
  );
}

/** One line from a pipe or file: up to the first newline (a trailing CR dropped) or the end. */
function readLinePiped(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      process.stdin.pause();
      const all = Buffer.concat(chunks).toString("utf8");
      const nl = all.indexOf("\n");
      if (nl < 0 && all.length === 0) {
        reject(new Error("no password on stdin"));
        return;
      }
      resolve((nl < 0 ? all : all.slice(0, nl)).replace(/\r$/, ""));
    };
    process.stdin.on("data", (b: Buffer) => {
      chunks.push(b);
      if (b.includes(0x0a)) finish();
    });
    process.stdin.on("end", finish);
    process.stdin.on("error", reject);
  });
}

/** One line typed on a terminal, not echoed. */
function readLineTty(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    let line = "";
    const done = (err: Error | null): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === "\r" || ch === "\n") return done(null);
        if (ch === "\u0003") return done(new Error("interrupted"));
        if (ch === "\u0004" && line.length === 0) return done(new Error("no password given"));
        if (ch === "\u007f" || ch === "\b") line = Array.from(line).slice(0, -1).join("");
        else if (ch >= " ") line += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

export function readPassword(user: string): Promise<string> {
  return process.stdin.isTTY ? readLineTty(`Password for ${user}: `) : readLinePiped();
}

function usage(): never {
  process.stderr.write(
    "usage: scram-credentials.ts --user <name> [--iterations 4096..16384] (password: one line on stdin)\n",
  );
  process.exit(2);
}

function fixedSalt(text: string | undefined, flag: string): Buffer | null {
  if (text === undefined) return null;
  const b = Buffer.from(text, "base64");
  if (b.length === 0 || b.toString("base64") !== text) throw new Error(`${flag}: not Base64`);
  return b;
}

export async function main(argv: string[]): Promise<void> {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!["--user", "--iterations", "--salt-sha256", "--salt-sha512"].includes(a) || i + 1 >= argv.length) usage();
    opts[a] = argv[++i];
  }
  const user = opts["--user"];
  if (user === undefined) usage();
  const iterations = opts["--iterations"] === undefined ? MIN_ITERATIONS : Number(opts["--iterations"]);
  const problem = nameError(user) ?? iterationsError(iterations);
  if (problem !== null) throw new Error(problem);
  const salt256 = fixedSalt(opts["--salt-sha256"], "--salt-sha256") ?? randomBytes(SALT_BYTES);
  const salt512 = fixedSalt(opts["--salt-sha512"], "--salt-sha512") ?? randomBytes(SALT_BYTES);
  const password = await readPassword(user);
  if (password.length === 0) throw new Error("empty password");
  process.stdout.write(formatUser(userCredentials(user, password, iterations, salt256, salt512)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`scram-credentials: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
