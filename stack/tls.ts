// The stack's test PKI, generated on this machine with openssl (and keytool for the Java
// truststore), never committed: a CA, Envoy's server certificate, client certificates signed by
// the CA (alice, bob) and one signed by a CA nobody trusts (mallory), in PEM for Envoy, kcat /
// librdkafka / confluent-kafka and kafkajs, and in PKCS12 for Java clients.
//
//   node --import tsx stack/tls.ts      (make tls-certs) writes .cache/tls/ when needed, prints its path
//
// Idempotent: the set is left alone while every file is there, every certificate is valid for
// at least another 30 days and the server and client certificates verify against the CA; else
// the whole set is made again (a fresh CA too) in a directory of its own and moved into place.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Password of every PKCS12 file (keystores and the truststore): a test value, public. */
export const TLS_STORE_PASSWORD = "changeit";
/** Days every certificate is valid for. */
export const TLS_VALIDITY_DAYS = 365;
/** A set with a certificate expiring within this many seconds is made again. */
const RENEW_BEFORE_S = 30 * 24 * 3600;

/** Clients signed by the test CA: subject CN=<name>,OU=clients,O=kafka-mesh (RFC 2253). */
export const TLS_CLIENTS = ["alice", "bob"] as const;
/** A client whose certificate is signed by untrusted-ca: Envoy's handshake refuses it. */
export const TLS_UNTRUSTED_CLIENT = "mallory";

/** Where the test PKI lives: <root>/.cache/tls. */
export function tlsDir(root: string): string {
  return join(root, ".cache", "tls");
}

/** Paths of the PKI's files, relative to tlsDir(). */
export const TLS_FILES = {
  ca: "ca.crt",
  caKey: "ca.key",
  /** The CA certificate as a PKCS12 truststore (Java's trusted-certificate entry, alias kafka-mesh-ca). */
  caP12: "ca.p12",
  serverCert: "server.crt",
  serverKey: "server.key",
  untrustedCa: "untrusted-ca.crt",
  untrustedCaKey: "untrusted-ca.key",
  clientCert: (name: string) => `clients/${name}.crt`,
  clientKey: (name: string) => `clients/${name}.key`,
  /** Key, certificate and CA certificate in one PKCS12 keystore (alias <name>). */
  clientP12: (name: string) => `clients/${name}.p12`,
} as const;

const SUBJECT_BASE = "/O=kafka-mesh";

function allFiles(): string[] {
  const clients = [...TLS_CLIENTS, TLS_UNTRUSTED_CLIENT];
  return [
    TLS_FILES.ca, TLS_FILES.caKey, TLS_FILES.caP12, TLS_FILES.serverCert, TLS_FILES.serverKey,
    TLS_FILES.untrustedCa, TLS_FILES.untrustedCaKey,
    ...clients.flatMap((c) => [TLS_FILES.clientCert(c), TLS_FILES.clientKey(c), TLS_FILES.clientP12(c)]),
  ];
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr?.trim() || err.message}`);
  }
}

const openssl = (args: string[], cwd: string): string => run("openssl", args, cwd);

/** Whether the set in `dir` is complete, valid for RENEW_BEFORE_S more and chains to its CA. */
export function tlsCertsCurrent(dir: string): boolean {
  if (!allFiles().every((f) => existsSync(join(dir, f)))) return false;
  const certs = [TLS_FILES.ca, TLS_FILES.serverCert, TLS_FILES.untrustedCa,
    ...[...TLS_CLIENTS, TLS_UNTRUSTED_CLIENT].map((c) => TLS_FILES.clientCert(c))];
  try {
    for (const c of certs) openssl(["x509", "-noout", "-checkend", String(RENEW_BEFORE_S), "-in", c], dir);
    openssl(["verify", "-CAfile", TLS_FILES.ca, TLS_FILES.serverCert, ...TLS_CLIENTS.map((c) => TLS_FILES.clientCert(c))], dir);
    openssl(["verify", "-CAfile", TLS_FILES.untrustedCa, TLS_FILES.clientCert(TLS_UNTRUSTED_CLIENT)], dir);
    return true;
  } catch {
    return false;
  }
}

/** A self-signed CA certificate and its key. */
function makeCa(dir: string, base: string, cn: string): void {
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", String(TLS_VALIDITY_DAYS),
    "-subj", `${SUBJECT_BASE}/CN=${cn}`, "-keyout", `${base}.key`, "-out", `${base}.crt`,
    "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-addext", "subjectKeyIdentifier=hash"], dir);
}

/** A key and a certificate for `subject` signed by the CA `caBase`, with `extensions` (openssl x509v3 config lines). */
function makeLeaf(dir: string, base: string, subject: string, caBase: string, extensions: string[]): void {
  const ext = `${base}.ext`;
  writeFileSync(join(dir, ext), extensions.join("\n") + "\n");
  openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", subject,
    "-keyout", `${base}.key`, "-out", `${base}.csr`], dir);
  openssl(["x509", "-req", "-sha256", "-days", String(TLS_VALIDITY_DAYS), "-in", `${base}.csr`,
    "-CA", `${caBase}.crt`, "-CAkey", `${caBase}.key`, "-CAcreateserial", "-CAserial", `${caBase}.srl`,
    "-extfile", ext, "-out", `${base}.crt`], dir);
  rmSync(join(dir, `${base}.csr`));
  rmSync(join(dir, ext));
}

function clientExtensions(): string[] {
  return ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=clientAuth", "authorityKeyIdentifier=keyid", "subjectKeyIdentifier=hash"];
}

/** Writes a complete new set into `dir` (empty). */
function generate(dir: string): void {
  mkdirSync(join(dir, "clients"), { recursive: true });
  makeCa(dir, "ca", "kafka-mesh test CA");
  makeCa(dir, "untrusted-ca", "kafka-mesh untrusted test CA");
  makeLeaf(dir, "server", `${SUBJECT_BASE}/OU=servers/CN=localhost`, "ca", [
    "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "authorityKeyIdentifier=keyid", "subjectKeyIdentifier=hash"]);
  const clients: Array<[string, string]> = [...TLS_CLIENTS.map((c): [string, string] => [c, "ca"]), [TLS_UNTRUSTED_CLIENT, "untrusted-ca"]];
  for (const [name, ca] of clients) {
    makeLeaf(dir, `clients/${name}`, `${SUBJECT_BASE}/OU=clients/CN=${name}`, ca, clientExtensions());
    // Java keystore: key, certificate and its CA's certificate, under the alias <name>.
    openssl(["pkcs12", "-export", "-name", name, "-inkey", TLS_FILES.clientKey(name), "-in", TLS_FILES.clientCert(name),
      "-certfile", `${ca}.crt`, "-passout", `pass:${TLS_STORE_PASSWORD}`, "-out", TLS_FILES.clientP12(name)], dir);
  }
  // Java truststore: a PKCS12 file with the CA as a trusted-certificate entry. keytool writes the
  // attribute Java looks for (openssl 3.0's pkcs12 cannot), so a Java client trusts it as is.
  run(process.env.KEYTOOL ?? "keytool", ["-importcert", "-noprompt", "-alias", "kafka-mesh-ca", "-file", TLS_FILES.ca,
    "-storetype", "PKCS12", "-keystore", TLS_FILES.caP12, "-storepass", TLS_STORE_PASSWORD], dir);
  for (const f of ["ca.srl", "untrusted-ca.srl"]) rmSync(join(dir, f), { force: true });
  writeFileSync(join(dir, "README"), [
    "Test PKI of the local stack, made by stack/tls.ts (make tls-certs); never commit it.",
    "ca.crt/key: the CA Envoy trusts for client certificates; server.crt/key: Envoy's listener",
    "(IP:127.0.0.1, DNS:localhost); clients/alice, clients/bob: CN=<name>,OU=clients,O=kafka-mesh",
    "signed by ca; clients/mallory: signed by untrusted-ca, refused by Envoy's handshake.",
    `PKCS12: ca.p12 (truststore), clients/<name>.p12 (keystores), password ${TLS_STORE_PASSWORD}.`,
    "",
  ].join("\n"));
}

/**
 * Makes sure tlsDir(root) holds a current test PKI (see the file comment); returns the
 * directory. Generated into a sibling directory first, so a reader never sees half a set.
 */
export function ensureTlsCerts(root: string, log: (line: string) => void = () => {}): string {
  const dir = tlsDir(root);
  if (tlsCertsCurrent(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const fresh = mkdtempSync(`${dir}.new-`);
  try {
    generate(fresh);
    if (existsSync(dir)) {
      const old = `${dir}.old-${process.pid}`;
      renameSync(dir, old);
      rmSync(old, { recursive: true, force: true });
    }
    renameSync(fresh, dir);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  log(`generated the test PKI in ${dir} (valid ${TLS_VALIDITY_DAYS} days)`);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    const dir = ensureTlsCerts(root, (l) => console.error(l));
    console.log(dir);
  } catch (e) {
    console.error(`tls: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
