// Fuzz cases for the configuration with a `security` section (docs/security.md, docs/fuzz.md
// "Security cases"): hostile SASL exchanges, requests before and after authentication, and an
// oracle written with Node's crypto (tests/lib/kafka/sasl.ts) that says whether each exchange
// must succeed. Beyond "no trap": an exchange authenticates exactly when the oracle says so
// (a mutated token only when it is one a broker accepts: for SCRAM, byte-identical to the valid
// message), a request after it is answered exactly when the session is authenticated and not
// expired, and a refused exchange's connection is closed by the next tick with no answer byte
// lost; over a case, kafka_mesh.sasl.authentications grows by the exchanges the oracle accepted.
import crypto from "node:crypto";
import * as k from "../lib/kafka/index.ts";
import {
  ILLEGAL_SASL_STATE, plainAccepts, plainToken, rawToken, readSaslAuthenticateResponse, readSaslHandshakeResponse,
  SASL_AUTHENTICATION_FAILED, saslAuthenticateRequest, saslHandshakeRequest, ScramClient, scramCredential, type ScramHash,
  UNSUPPORTED_SASL_MECHANISM,
} from "../lib/kafka/sasl.ts";
import type { MeshConnection, MeshVm } from "../wasm-host/host.ts";
import { type Case, type FrameOptions, genFrame, mutate, type Rng, rng, type Step } from "./cases.ts";

export const SECURE_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
/** KIP-368 lifetime of the fuzz configuration's sessions. */
export const SESSION_LIFETIME_MS = 300_000;
export const SECURE_USERS: ReadonlyMap<string, string> = new Map([
  ["alice", "alice-secret"],
  ["bob", "b0b's p\u00e4ss \u{1F511}"],
]);

/** A fixed salt per user and mechanism, so every VM and replay gets the same configuration. */
function salt(user: string, h: ScramHash): Buffer {
  return crypto.createHash("sha256").update(`fuzz salt ${user} ${h}`).digest();
}

/** The `security` section the secure cases run with: SASL users, a session lifetime, ACLs. */
export function securitySection(): Record<string, unknown> {
  const acl = (principal: string, permission: string, operation: string, type: string, pattern: string, name: string) => ({
    principal, permission, operation, resource_type: type, pattern_type: pattern, resource_name: name,
  });
  return {
    sasl: {
      mechanisms: [...SECURE_MECHANISMS],
      session_lifetime_ms: SESSION_LIFETIME_MS,
      users: [...SECURE_USERS].map(([name, password]) => ({
        name,
        scram_sha_256: scramCredential("sha256", password, 4096, salt(name, "sha256")),
        scram_sha_512: scramCredential("sha512", password, 4096, salt(name, "sha512")),
      })),
    },
    max_principal_stats: 4,
    acls: [
      acl("User:alice", "ALLOW", "ALL", "TOPIC", "PREFIXED", "a"),
      acl("User:alice", "DENY", "WRITE", "TOPIC", "LITERAL", "avocado"),
      acl("User:alice", "ALLOW", "WRITE", "TOPIC", "PREFIXED", "b"),
      acl("User:alice", "ALLOW", "READ", "GROUP", "PREFIXED", "g"),
      acl("User:bob", "ALLOW", "DESCRIBE", "TOPIC", "LITERAL", "*"),
      acl("User:bob", "ALLOW", "READ", "TOPIC", "PREFIXED", "b"),
      acl("User:*", "ALLOW", "READ", "GROUP", "LITERAL", "group-a"),
      acl("User:*", "DENY", "ALL", "GROUP", "PREFIXED", "billing"),
    ],
  };
}

/** What the fuzzer knows of a connection's session (runSteps keeps one per connection). */
export interface SessionState {
  user: string | null;
  mechanism: string | null;
  expiresAtMs: number;
  /** An exchange left the connection in a state the oracle does not follow (a cut frame): no more checks. */
  unknown: boolean;
}

/**
 * What a case's SASL steps expect of the authentication counter: `successes` exchanges the
 * oracle accepted, and up to `maybe` more: requests whose size prefix was made larger, left
 * waiting for bytes, whose valid token authenticates if later bytes complete the frame (a
 * request's trailing bytes are ignored, by brokers too).
 */
export interface SaslTally {
  base: number;
  successes: number;
  maybe: number;
}

/** The kinds of SASL steps (docs/fuzz.md). */
const KINDS = [
  "login", "login", "login", "mutated", "mutated", "mutated", "mutated", "wrong-secret", "hostile-handshake",
  "no-handshake", "frame", "abandon", "early",
] as const;
type Kind = (typeof KINDS)[number];

/** Mechanism names a handshake must refuse: near the offered ones, long, odd bytes. */
function hostileMechanism(r: Rng): Buffer {
  const pool = [
    "plain", "PLAIN ", " PLAIN", "PLAIN\u0000", "SCRAM-SHA-1", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-5120", "scram-sha-256", "GSSAPI",
    "OAUTHBEARER", "", "SCRAM", "PLAINPLAIN", "\u00c9PLAIN", "SCRAM-SHA-256\u0000",
  ];
  switch (r.int(4)) {
    case 0:
      return r.bytes(r.int(300));
    case 1:
      return Buffer.alloc(r.range(300, 32767), r.pick([0x41, 0x00, 0xff]));
    case 2:
      return mutate(r, Buffer.from(r.pick(SECURE_MECHANISMS)));
    default:
      return Buffer.from(r.pick(pool), "utf8");
  }
}

/** Token mutations: the generic ones (mutate) and SASL-minded ones. */
function mutateToken(r: Rng, token: Buffer, scram: boolean): Buffer {
  switch (r.int(scram ? 9 : 6)) {
    case 0:
      return mutate(r, token);
    case 1:
      return token.subarray(0, r.int(token.length));
    case 2:
      return r.bytes(r.int(200));
    case 3:
      return Buffer.concat([token, r.bytes(r.range(1, 8))]);
    case 4:
      return Buffer.alloc(r.pick([65536, 65537, 100000]), r.pick([0x61, 0x00, 0x2c]));
    case 5: {
      // One byte changed to a neighbour (a password's letter, a NUL, a comma).
      const b = Buffer.from(token);
      if (b.length) b[r.int(b.length)] += r.pick([1, -1, 0x20]);
      return b;
    }
    case 6: {
      // A field of a SCRAM message replaced: bad base64, another nonce, an extension, a channel binding.
      const s = token.toString("latin1");
      const swaps: Array<[RegExp, string]> = [
        [/p=[^,]*/, "p=" + r.pick(["!!!!", "", "=", "AAAA", "zzBswsifPYT51qgg/dOoTCVtGe1Hx6c+912FC+X6jdM", r.bytes(32).toString("base64")])],
        [/r=[^,]*/, "r=" + r.pick(["", "x", r.bytes(24).toString("base64"), "a,b"])],
        [/c=[^,]*/, "c=" + r.pick(["eSws", "cD10bHMtdW5pcXVlLCw=", "", "biws=", "bixhPWJvYiw="])],
        [/n=[^,]*/, "n=" + r.pick(["bob", "=2", "al=2Cice", "", "alice\u0000"])],
        [/^[ny],/, r.pick(["p=tls-unique,", "x,", "", "n,a=bob,"])],
        [/$/, r.pick([",m=1", ",tokenauth=true", ",e=1", ",x=" + "y".repeat(100)])],
      ];
      const [re, to] = r.pick(swaps);
      return Buffer.from(s.replace(re, to), "latin1");
    }
    case 7:
      return Buffer.from(token.toString("latin1").replace(/=+$/, ""), "latin1");
    default:
      return Buffer.from(token.toString("latin1").toUpperCase(), "latin1");
  }
}

/** A frame of `token` for a v1 exchange (SaslAuthenticate at `version`) or a v0 one (raw). */
function tokenFrame(token: Buffer, raw: boolean, version: number, corr: number): Buffer {
  return raw ? rawToken(token) : saslAuthenticateRequest(version, corr, token);
}

/**
 * The token's length field, or the frame's size prefix, overwritten: a frame no server reads as
 * it was. `longer`: only the size prefix of a SaslAuthenticate request grew (the frame waits for
 * more bytes; the token in it is intact).
 */
function mangleLength(r: Rng, frame: Buffer, raw: boolean, version: number): { frame: Buffer; longer: boolean } {
  const f = Buffer.from(frame);
  const INT32 = [0, 1, -1, -2, 0x7fffffff, -0x80000000, 65536, 524288, 524289, 1 << 20, frame.length, frame.length + 1];
  if (raw || r.chance(0.2)) {
    const size = r.pick(INT32) | 0;
    f.writeInt32BE(size, 0);
    return { frame: f, longer: !raw && size > frame.length - 4 };
  }
  // The body starts after the header: size, key, version, correlation id, client id, (tags).
  const at = 14 + Math.max(0, f.readInt16BE(12)) + (version >= 2 ? 1 : 0);
  if (version >= 2) {
    // The compact length: a runaway, zero (null), or another length.
    const varint = r.pick([[0x00], [0x01], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0xff, 0x7f]]);
    let end = at;
    while (end < f.length && f[end] & 0x80) end++;
    return { frame: k.sizePrefixed(Buffer.concat([f.subarray(4, at), Buffer.from(varint), f.subarray(end + 1)])), longer: false };
  }
  f.writeInt32BE(r.pick(INT32) | 0, at);
  return { frame: f, longer: false };
}

const PROBE_BASE = 0x7e570000;

/** The answer frames in `bytes` (size prefixes removed). */
function frames(bytes: Uint8Array): Buffer[] {
  try {
    return k.splitFrames(bytes);
  } catch {
    return [];
  }
}

/** What the step was doing, for its failure message. */
let stepContext = "";

function fail(what: string): never {
  throw new Error(`sasl step: ${what} [${stepContext}]`);
}

/**
 * Runs one SASL step (op "sasl") on `conn`: the exchange its seed calls for, then a probe
 * (Metadata) that is answered exactly when the session is authenticated and not expired.
 */
export function runSaslStep(vm: MeshVm, conn: MeshConnection, seed: number, state: SessionState, tally: SaslTally): void {
  if (conn.closed || state.unknown) return;
  const r = rng(seed, 13);
  const reauth = state.user !== null;
  // Half of the first exchanges are valid logins, so that ordinary frames run with a principal.
  const kind: Kind = !reauth && r.chance(0.35) ? "login" : r.pick(KINDS);
  const mechanism = reauth && r.chance(0.8) ? state.mechanism! : r.pick(SECURE_MECHANISMS);
  const raw = r.chance(0.3);
  const hsVersion = raw ? 0 : 1;
  const authVersion = r.range(0, 2);
  let user = reauth && r.chance(0.85) ? state.user! : r.pick([...SECURE_USERS.keys()]);
  let password = SECURE_USERS.get(user)!;
  if (kind === "wrong-secret") {
    if (r.chance(0.5)) user = r.pick(["mallory", "ALICE", "alice ", "bob,x=y", "\u00e9ve"]);
    else password = r.pick([password + "x", password.slice(0, -1), password.toUpperCase(), ""]);
  }
  if (reauth && r.chance(0.2)) vm.advanceTime(SESSION_LIFETIME_MS + r.int(1000)); // the session has expired meanwhile
  const nowMs = (): number => Number(vm.timeNs / 1_000_000n);
  stepContext = `kind ${kind}, ${mechanism} as ${JSON.stringify(user)}, ${raw ? "v0 handshake, raw tokens" : `SaslAuthenticate v${authVersion}`}, ` +
    (reauth ? `re-authenticating ${state.user} (${state.mechanism}, ${state.expiresAtMs - nowMs()} ms left)` : "first exchange");
  const corr = r.u32() & 0x3fffffff;

  let success = false;
  /** The server must have refused the exchange with an answer or a close: the connection goes by the next tick. */
  let refused = false;
  let errorAnswered = false;
  let cut = false;
  const got: Buffer[] = [];
  const sendAll = (bytes: Buffer): Buffer[] => {
    // In one read or cut in two, as clients' writes arrive.
    const parts = bytes.length > 1 && r.chance(0.3) ? [bytes.subarray(0, r.range(1, bytes.length - 1)), bytes.subarray(0)] : [bytes];
    if (parts.length === 2) parts[1] = bytes.subarray(parts[0].length);
    const out: Buffer[] = [];
    for (const p of parts) {
      if (conn.closed) break;
      out.push(...frames(conn.send(p).delivered));
    }
    got.push(...out);
    return out;
  };
  const handshakeOk = (a: Buffer[], index = 0): boolean => {
    const f = a[index];
    if (!f) return false;
    const h = readSaslHandshakeResponse(f);
    if (h.correlationId !== corr) fail(`handshake answer for correlation id ${h.correlationId}, not ${corr}`);
    if (h.errorCode !== 0) {
      if (h.errorCode !== UNSUPPORTED_SASL_MECHANISM) fail(`handshake error ${h.errorCode}`);
      errorAnswered = true;
      return false;
    }
    return true;
  };
  const authenticateAnswer = (f: Buffer | undefined, corrId: number): Buffer | null => {
    if (!f) return null;
    const a = readSaslAuthenticateResponse(f, authVersion);
    if (a.correlationId !== corrId) fail(`SaslAuthenticate answer for correlation id ${a.correlationId}, not ${corrId}`);
    if (a.errorCode !== 0) {
      if (a.errorCode !== SASL_AUTHENTICATION_FAILED && a.errorCode !== ILLEGAL_SASL_STATE) fail(`SaslAuthenticate error ${a.errorCode}`);
      errorAnswered = true;
      return null;
    }
    return a.authBytes;
  };

  /**
   * After a frame no server reads as sent: its answers if any, else a close, else it waits for
   * bytes; `completes`: the bytes that complete it may let its valid token through.
   */
  const afterMangled = (a: Buffer[], corrId: number, completes: boolean): void => {
    if (a.length > 0 && !raw) authenticateAnswer(a[0], corrId);
    if (a.length > 0 && raw) fail("a raw token frame with a wrong size was answered");
    if (errorAnswered || conn.closed) refused = true;
    else {
      cut = true;
      if (completes) tally.maybe++;
    }
  };

  switch (kind) {
    case "early": {
      // A request before any authentication: the connection closes at once, unanswered.
      if (reauth) return;
      const f = r.chance(0.5) ? k.metadataRequest(r.range(0, 12), corr, ["apple", "b-orders"], "early") : k.initProducerIdRequest(r.range(0, 4), corr, "early");
      if (sendAll(f).length > 0) fail("a request before authentication was answered");
      if (!conn.closed) fail("a request before authentication left the connection open");
      refused = true;
      break;
    }
    case "hostile-handshake": {
      const name = hostileMechanism(r);
      const version = r.pick([0, 1, 1, -1, 2, 3, 0x7fff]);
      if ((version === 0 || version === 1) && SECURE_MECHANISMS.some((m) => Buffer.from(m).equals(name))) return;
      const body = Buffer.concat([Buffer.from([(name.length >> 8) & 0xff, name.length & 0xff]), name]);
      const hs = k.requestFrame(17, version, corr, body, "sasl-fuzz");
      sendAll(Buffer.concat([hs, saslAuthenticateRequest(1, corr + 1, plainToken(user, password))]));
      if (got.length > 1) fail("a token after a refused handshake was read");
      if (got.length === 1) handshakeOk(got, 0);
      if (got.length === 1 && !errorAnswered) fail("a hostile mechanism was taken");
      refused = true;
      break;
    }
    case "no-handshake": {
      sendAll(saslAuthenticateRequest(authVersion, corr, plainToken(user, password)));
      if (got.length !== 1) fail(`${got.length} answers to a SaslAuthenticate without a handshake`);
      const a = readSaslAuthenticateResponse(got[0], authVersion);
      if (a.errorCode !== ILLEGAL_SASL_STATE) fail(`SaslAuthenticate without a handshake: error ${a.errorCode}`);
      errorAnswered = true;
      refused = true;
      break;
    }
    default: {
      // A handshake, then the mechanism's tokens (raw after v0), valid or not as the kind says.
      const hs = saslHandshakeRequest(hsVersion, corr, mechanism);
      const mechanismOk = !reauth || mechanism === state.mechanism;
      const sameUser = (u: string) => !reauth || u === state.user;
      if (mechanism === "PLAIN") {
        let token = plainToken(user, password, r.chance(0.1) ? user : "");
        if (kind === "mutated") token = mutateToken(r, token, false);
        const valid = tokenFrame(token, raw, authVersion, corr + 1);
        let tf = valid;
        let longer = false;
        if (kind === "frame") ({ frame: tf, longer } = mangleLength(r, tf, raw, authVersion));
        if (kind === "abandon") tf = Buffer.alloc(0);
        const a = sendAll(Buffer.concat([hs, tf]));
        if (!handshakeOk(a)) {
          // A refused frame in the same read closes the connection before the handshake's answer is out.
          if (mechanismOk && !(kind === "frame" && conn.closed)) fail("a handshake for an offered mechanism was refused");
          refused = true;
          break;
        }
        if (kind === "abandon") break;
        const accepted = plainAccepts(token, SECURE_USERS);
        if (!tf.equals(valid)) {
          afterMangled(a.slice(1), corr + 1, longer && accepted !== null && sameUser(accepted) && mechanismOk);
          break;
        }
        success = accepted !== null && sameUser(accepted) && mechanismOk;
        if (raw) {
          if (success && (a.length !== 2 || a[1].length !== 0)) fail("PLAIN over raw tokens: no empty answer frame");
          if (!success && a.length > 1) fail("a refused raw PLAIN token was answered");
        } else {
          if (!a[1]) fail("no SaslAuthenticate answer");
          const ok = authenticateAnswer(a[1], corr + 1) !== null;
          if (ok !== success) fail(`PLAIN token ${JSON.stringify(token.toString("latin1").slice(0, 80))} ${ok ? "accepted" : "refused"}, the oracle says otherwise`);
        }
        refused = !success;
        if (success) user = accepted!;
        break;
      }
      // SCRAM: the client-first message, then the client-final one for the server's answer.
      const mutateStep = kind === "mutated" ? r.int(2) : -1;
      const frameStep = kind === "frame" ? r.int(2) : -1;
      const client = new ScramClient(mechanism, user, password, r.chance(0.5) ? r.bytes(18).toString("base64") : "fuzz" + r.u32().toString(36));
      let first: Buffer = Buffer.from(client.first, "utf8");
      if (mutateStep === 0) first = mutateToken(r, first, true);
      const validFirst = tokenFrame(Buffer.from(client.first, "utf8"), raw, authVersion, corr + 1);
      let ff = tokenFrame(first, raw, authVersion, corr + 1);
      if (frameStep === 0) ff = mangleLength(r, ff, raw, authVersion).frame;
      let a = sendAll(Buffer.concat([hs, ff]));
      if (!handshakeOk(a)) {
        if (mechanismOk && !(frameStep === 0 && conn.closed)) fail("a handshake for an offered mechanism was refused");
        refused = true;
        break;
      }
      if (frameStep === 0 && !ff.equals(tokenFrame(first, raw, authVersion, corr + 1))) {
        afterMangled(a.slice(1), corr + 1, false);
        break;
      }
      const serverFirst = raw ? (a[1] ?? null) : a[1] ? authenticateAnswer(a[1], corr + 1) : null;
      if (serverFirst === null) {
        // A refused client-first message: answered (v1) or closed (raw).
        if (!errorAnswered && !conn.closed && !raw) fail("no answer to a client-first message");
        refused = true;
        break;
      }
      if (kind === "abandon") break;
      let validFinal: Buffer;
      try {
        validFinal = Buffer.from(client.final(serverFirst.toString("utf8")), "utf8");
      } catch {
        // Not a server-first message this client can answer (its first message was mutated): a made-up final.
        if (ff.equals(validFirst)) fail(`${mechanism}: a server-first message the client cannot answer: ${serverFirst.toString("latin1").slice(0, 120)}`);
        validFinal = Buffer.from(`c=biws,r=${r.bytes(24).toString("base64")},p=${r.bytes(32).toString("base64")}`, "utf8");
      }
      let fin = validFinal;
      if (mutateStep === 1) fin = mutateToken(r, fin, true);
      const validFinalFrame = tokenFrame(validFinal, raw, authVersion, corr + 2);
      let nf = tokenFrame(fin, raw, authVersion, corr + 2);
      let longer = false;
      if (frameStep === 1) ({ frame: nf, longer } = mangleLength(r, nf, raw, authVersion));
      a = sendAll(nf);
      if (frameStep === 1 && !nf.equals(tokenFrame(fin, raw, authVersion, corr + 2))) {
        afterMangled(a, corr + 2, longer && ff.equals(validFirst) && kind !== "wrong-secret" && mechanismOk && sameUser(user));
        break;
      }
      // Accepted only byte for byte: the messages Kafka's client would send, the right secret, the session's user and mechanism.
      success = ff.equals(validFirst) && nf.equals(validFinalFrame) && kind !== "wrong-secret" && mechanismOk && sameUser(user);
      const serverFinal = raw ? (a[0] ?? null) : a[0] ? authenticateAnswer(a[0], corr + 2) : null;
      if (success) {
        if (serverFinal === null || !client.verifies(serverFinal.toString("utf8"))) fail(`${mechanism}: no valid server-final message`);
      } else {
        if (serverFinal !== null) fail(`${mechanism}: an exchange the oracle refuses was accepted (${raw ? "raw" : "v" + authVersion}, kind ${kind})`);
        if (!raw && !errorAnswered) fail(`${mechanism}: no answer to a refused client-final message`);
        refused = true;
      }
    }
  }

  // What the mesh did must be what the oracle says.
  const after = vm.metric("kafka_mesh.sasl.authentications");
  if (success) {
    tally.successes++;
    state.user = user;
    state.mechanism = mechanism;
    state.expiresAtMs = nowMs() + SESSION_LIFETIME_MS;
  }
  if (after < tally.base + tally.successes || after > tally.base + tally.successes + tally.maybe) {
    fail(`authentications ${after - tally.base} after ${tally.successes} accepted exchanges (kind ${kind}, ${mechanism}, ${raw ? "raw" : "v" + authVersion})`);
  }
  if (cut && !success) {
    // A frame left waiting for bytes that never come: nothing more to check on this connection.
    state.unknown = true;
    return;
  }
  if (refused && !success) {
    vm.tick();
    if (!conn.closed) fail(`the connection of a refused exchange (kind ${kind}, ${mechanism}) is still open after a tick`);
    if (conn.droppedWrites !== 0) fail(`${conn.droppedWrites} answer bytes lost to the close`);
    return;
  }
  if (conn.closed) {
    if (success) fail("the connection closed after a successful exchange");
    return;
  }
  // The probe: served exactly when the session is authenticated and not expired.
  const stage = kind === "abandon" && raw; // after a v0 handshake the probe is read as a token
  const expectAnswer = !stage && state.user !== null && nowMs() < state.expiresAtMs;
  const probeId = PROBE_BASE + (r.u32() & 0xffff);
  const answers = frames(conn.send(k.metadataRequest(9, probeId, ["apple"], "probe")).delivered);
  const answered = answers.some((f) => f.length >= 4 && f.readInt32BE(0) === probeId);
  if (answered !== expectAnswer) {
    fail(`probe ${answered ? "answered" : "not answered"} (kind ${kind}, ${mechanism}, session of ${state.user}, ` +
      `${state.user !== null ? `expiring in ${state.expiresAtMs - nowMs()} ms` : "never authenticated"})`);
  }
  if (!expectAnswer) {
    vm.tick();
    if (!conn.closed) fail(`kind ${kind}: still open after a refused probe and a tick`);
  }
}

/**
 * A SCRAM exchange (SHA-256 or -512 by parity, alice or bob) before the 10k-connections heap
 * check's requests on the secure configuration; throws unless it succeeds.
 */
export function heapCheckLogin(conn: MeshConnection, i: number): void {
  const mechanism = i % 2 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
  const user = i % 3 ? "alice" : "bob";
  const client = new ScramClient(mechanism, user, SECURE_USERS.get(user)!, `heap${i}x`);
  let f = frames(conn.send(Buffer.concat([saslHandshakeRequest(1, 1, mechanism), saslAuthenticateRequest(2, 2, client.first)])).delivered);
  const first = f.length === 2 ? readSaslAuthenticateResponse(f[1], 2) : null;
  if (first === null || first.errorCode !== 0) throw new Error(`connection ${i}: no server-first message`);
  f = frames(conn.send(saslAuthenticateRequest(2, 3, client.final(first.authBytes.toString("utf8")))).delivered);
  const fin = f.length === 1 ? readSaslAuthenticateResponse(f[0], 2) : null;
  if (fin === null || fin.errorCode !== 0 || !client.verifies(fin.authBytes.toString("utf8"))) throw new Error(`connection ${i}: ${mechanism} exchange failed`);
}

/**
 * Secure case `index`: 1..3 connections; on each, SASL steps (a first exchange of any kind,
 * sometimes a re-authentication after it), then ordinary fuzz frames, interleaved across the
 * connections; some connections send ordinary frames with no exchange at all.
 */
export function genSecureCase(seed: number, index: number, corpus: readonly Buffer[], opts: FrameOptions): Case {
  const r = rng(seed ^ 0x53454321, index);
  const nConn = r.range(1, 3);
  const steps: Step[] = [{ op: "sasl-begin" }];
  let frames = 0;
  const streams: Array<{ c: number; sasl: number[]; data: Buffer; pos: number }> = [];
  for (let c = 0; c < nConn; c++) {
    steps.push({ op: "connect", c });
    const sasl: number[] = [];
    if (r.chance(0.9)) sasl.push(r.u32());
    if (sasl.length && r.chance(0.3)) sasl.push(r.u32());
    const parts: Buffer[] = [];
    const n = r.range(0, 6);
    for (let i = 0; i < n; i++) parts.push(genFrame(r, corpus, opts));
    frames += n + 3 * sasl.length;
    streams.push({ c, sasl, data: Buffer.concat(parts), pos: 0 });
  }
  const busy = (s: (typeof streams)[number]) => s.sasl.length > 0 || s.pos < s.data.length;
  while (streams.some(busy)) {
    const s = r.pick(streams.filter(busy));
    if (s.sasl.length) {
      steps.push({ op: "sasl", c: s.c, seed: s.sasl.shift()! });
      continue;
    }
    const left = s.data.length - s.pos;
    const take = r.chance(0.3) ? left : Math.min(left, r.chance(0.5) ? r.range(1, 8) : r.range(1, 600));
    steps.push({ op: "send", c: s.c, hex: s.data.subarray(s.pos, s.pos + take).toString("hex") });
    s.pos += take;
    if (r.chance(0.3)) steps.push({ op: "answer", seed: r.u32() });
    if (r.chance(0.03)) steps.push({ op: "time", ms: r.int(60000) });
    if (r.chance(0.03)) steps.push({ op: "close", c: s.c });
  }
  steps.push({ op: "answer", seed: r.u32(), all: true, rounds: 16 });
  steps.push({ op: "check-answered" });
  steps.push({ op: "sasl-end" });
  for (let c = 0; c < nConn; c++) if (r.chance(0.8)) steps.push({ op: "close", c });
  return { steps, frames };
}

