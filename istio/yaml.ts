// A small YAML writer for the Istio manifests (istio/render.ts): block mappings and sequences,
// strings quoted unless they are plainly safe, and comments attached to values with commented().
// It writes; it does not parse (the API server, kubeconform and istioctl read what it writes).

/** A value with comment lines written above its key (or above its sequence item). */
export class Commented {
  constructor(readonly value: unknown, readonly comment: string) {}
}

/** Attaches comment lines (split on \n) to a value. */
export const commented = (value: unknown, comment: string): Commented => new Commented(value, comment);

/** The value without its comments, at every depth: what the YAML text means. */
export function plain(v: unknown): unknown {
  if (v instanceof Commented) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

// Unquoted only: letters, digits, _ . / - (and | ~ inside), not starting with a digit, sign or
// dot, and nothing YAML 1.1 reads as a boolean or null. Everything else is a JSON string
// literal, which is a valid YAML double-quoted scalar.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./|~-]*$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

export function scalar(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`yaml: cannot write the number ${v}`);
    return String(v);
  }
  if (typeof v === "string") return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  throw new Error(`yaml: cannot write a ${typeof v} as a scalar`);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Commented);

function commentLines(comment: string, pad: string): string[] {
  return comment.split("\n").map((l) => `${pad}#${l ? ` ${l}` : ""}`);
}

function isEmptyContainer(v: unknown): string | null {
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (isMap(v) && Object.keys(v).length === 0) return "{}";
  return null;
}

function mapLines(m: Record<string, unknown>, indent: number): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const [k, raw] of Object.entries(m)) {
    if (raw === undefined) continue;
    let v: unknown = raw;
    if (v instanceof Commented) {
      out.push(...commentLines(v.comment, pad));
      v = v.value;
    }
    const key = scalar(k);
    const empty = isEmptyContainer(v);
    if (empty !== null) out.push(`${pad}${key}: ${empty}`);
    else if (isMap(v)) out.push(`${pad}${key}:`, ...mapLines(v, indent + 2));
    else if (Array.isArray(v)) out.push(`${pad}${key}:`, ...seqLines(v, indent));
    else out.push(`${pad}${key}: ${scalar(v)}`);
  }
  return out;
}

// Sequences sit at their key's indentation ("key:\n- item"), as kubectl writes them.
function seqLines(s: unknown[], indent: number): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const raw of s) {
    let v: unknown = raw;
    if (v instanceof Commented) {
      out.push(...commentLines(v.comment, pad));
      v = v.value;
    }
    const empty = isEmptyContainer(v);
    if (empty !== null) out.push(`${pad}- ${empty}`);
    else if (isMap(v)) {
      const inner = mapLines(v, indent + 2);
      // The first key goes on the dash's line (unless comments come first).
      const first = inner.findIndex((l) => !l.trimStart().startsWith("#"));
      if (first === 0) out.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
      else out.push(`${pad}-`, ...inner);
    } else if (Array.isArray(v)) {
      out.push(`${pad}-`, ...seqLines(v, indent + 2));
    } else out.push(`${pad}- ${scalar(v)}`);
  }
  return out;
}

/** One YAML document (no "---"), ending with a newline. */
export function toYaml(doc: Record<string, unknown>): string {
  return mapLines(doc, 0).join("\n") + "\n";
}
