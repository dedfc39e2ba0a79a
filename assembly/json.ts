// A small, strict JSON reader for the plugin configuration and REST bridge answers.
//
// It never traps: malformed text, deep nesting or bad escapes make parseJson return null.
// Numbers keep their source text so 64-bit offsets survive without going through f64 (and
// schema/ compares them exactly). Time is linear in the text's length, escapes included, so
// untrusted payloads (schema/json_schema.ts) can be read with it too.

export const enum JsonKind {
  NULL,
  BOOL,
  NUMBER,
  STRING,
  ARRAY,
  OBJECT,
}

export class JsonValue {
  kind: JsonKind = JsonKind.NULL;
  boolValue: bool = false;
  /** The string's decoded value, or a number's source text. */
  text: string = "";
  items: Array<JsonValue> = [];
  keys: Array<string> = [];

  isString(): bool {
    return this.kind == JsonKind.STRING;
  }
  isObject(): bool {
    return this.kind == JsonKind.OBJECT;
  }
  isArray(): bool {
    return this.kind == JsonKind.ARRAY;
  }

  /** An object's member, or null when absent (or when this is not an object). */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.OBJECT) return null;
    for (let i = 0; i < this.keys.length; i++) {
      if (unchecked(this.keys[i]) == key) return unchecked(this.items[i]);
    }
    return null;
  }

  /** True when the number is an integer literal (no fraction or exponent) within i64. */
  isInteger(): bool {
    if (this.kind != JsonKind.NUMBER) return false;
    const t = this.text;
    const start = t.charCodeAt(0) == 45 ? 1 : 0;
    const digits = t.length - start;
    if (digits < 1 || digits > 19) return false;
    for (let i = start; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    if (digits == 19) {
      // Compare against i64 bounds as text so a 19-digit value never wraps.
      const limit = start == 1 ? "9223372036854775808" : "9223372036854775807";
      if (t.substring(start) > limit) return false;
    }
    return true;
  }

  /** The integer value; callers check isInteger() first. */
  asI64(): i64 {
    const t = this.text;
    const negative = t.charCodeAt(0) == 45;
    let v: u64 = 0;
    for (let i = negative ? 1 : 0; i < t.length; i++) v = v * 10 + <u64>(t.charCodeAt(i) - 48);
    return negative ? -(<i64>v) : <i64>v;
  }
}

const MAX_DEPTH = 64;

class Parser {
  s: string;
  i: i32 = 0;
  failed: bool = false;
  maxDepth: i32;

  constructor(s: string, maxDepth: i32) {
    this.s = s;
    this.maxDepth = maxDepth;
  }

  peek(): i32 {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }

  skipSpace(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c != 32 && c != 9 && c != 10 && c != 13) break;
      this.i++;
    }
  }

  expect(c: i32): bool {
    this.skipSpace();
    if (this.peek() != c) {
      this.failed = true;
      return false;
    }
    this.i++;
    return true;
  }

  literal(word: string): bool {
    if (this.s.substr(this.i, word.length) != word) {
      this.failed = true;
      return false;
    }
    this.i += word.length;
    return true;
  }

  value(depth: i32): JsonValue {
    const v = new JsonValue();
    if (depth > this.maxDepth) {
      this.failed = true;
      return v;
    }
    this.skipSpace();
    const c = this.peek();
    if (c == 123) this.object(v, depth);
    else if (c == 91) this.array(v, depth);
    else if (c == 34) {
      v.kind = JsonKind.STRING;
      v.text = this.string();
    } else if (c == 116) {
      v.kind = JsonKind.BOOL;
      v.boolValue = true;
      this.literal("true");
    } else if (c == 102) {
      v.kind = JsonKind.BOOL;
      this.literal("false");
    } else if (c == 110) {
      this.literal("null");
    } else if (c == 45 || (c >= 48 && c <= 57)) {
      v.kind = JsonKind.NUMBER;
      v.text = this.number();
    } else this.failed = true;
    return v;
  }

  object(v: JsonValue, depth: i32): void {
    v.kind = JsonKind.OBJECT;
    this.i++;
    this.skipSpace();
    if (this.peek() == 125) {
      this.i++;
      return;
    }
    while (!this.failed) {
      this.skipSpace();
      if (this.peek() != 34) {
        this.failed = true;
        return;
      }
      const key = this.string();
      if (!this.expect(58)) return;
      const item = this.value(depth + 1);
      v.keys.push(key);
      v.items.push(item);
      this.skipSpace();
      const c = this.peek();
      this.i++;
      if (c == 125) return;
      if (c != 44) this.failed = true;
    }
  }

  array(v: JsonValue, depth: i32): void {
    v.kind = JsonKind.ARRAY;
    this.i++;
    this.skipSpace();
    if (this.peek() == 93) {
      this.i++;
      return;
    }
    while (!this.failed) {
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.peek();
      this.i++;
      if (c == 93) return;
      if (c != 44) this.failed = true;
    }
  }

  number(): string {
    const start = this.i;
    if (this.peek() == 45) this.i++;
    const first = this.peek();
    let digits = 0;
    while (this.peek() >= 48 && this.peek() <= 57) {
      this.i++;
      digits++;
    }
    // RFC 8259: no leading zeros ("01", "-00").
    if (digits == 0 || (first == 48 && digits > 1)) this.failed = true;
    if (this.peek() == 46) {
      this.i++;
      let frac = 0;
      while (this.peek() >= 48 && this.peek() <= 57) {
        this.i++;
        frac++;
      }
      if (frac == 0) this.failed = true;
    }
    if (this.peek() == 101 || this.peek() == 69) {
      this.i++;
      if (this.peek() == 43 || this.peek() == 45) this.i++;
      let exp = 0;
      while (this.peek() >= 48 && this.peek() <= 57) {
        this.i++;
        exp++;
      }
      if (exp == 0) this.failed = true;
    }
    return this.s.substring(start, this.i);
  }

  hex4(): i32 {
    if (this.i + 4 > this.s.length) {
      this.failed = true;
      return 0;
    }
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.s.charCodeAt(this.i++);
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      if (d < 0) {
        this.failed = true;
        return 0;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  string(): string {
    this.i++; // opening quote
    // Unescaped runs and escapes are collected as parts and joined once at the end: appending
    // to one growing string would copy it at every escape (quadratic in the text's length).
    let parts: Array<string> | null = null;
    let runStart = this.i;
    while (true) {
      if (this.i >= this.s.length) {
        this.failed = true;
        return "";
      }
      const c = this.s.charCodeAt(this.i);
      if (c == 34) {
        const tail = this.s.substring(runStart, this.i);
        this.i++;
        if (parts === null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 32) {
        this.failed = true;
        return "";
      }
      if (c != 92) {
        this.i++;
        continue;
      }
      if (parts === null) parts = new Array<string>();
      if (this.i > runStart) parts.push(this.s.substring(runStart, this.i));
      this.i++;
      const e = this.peek();
      this.i++;
      if (e == 34) parts.push('"');
      else if (e == 92) parts.push("\\");
      else if (e == 47) parts.push("/");
      else if (e == 98) parts.push("\b");
      else if (e == 102) parts.push("\f");
      else if (e == 110) parts.push("\n");
      else if (e == 114) parts.push("\r");
      else if (e == 116) parts.push("\t");
      else if (e == 117) parts.push(String.fromCharCode(this.hex4()));
      else {
        this.failed = true;
        return "";
      }
      runStart = this.i;
    }
  }
}

/**
 * Parses a whole JSON document; null when it is not valid JSON or nests deeper than maxDepth
 * arrays and objects (64 by default).
 */
export function parseJson(text: string, maxDepth: i32 = MAX_DEPTH): JsonValue | null {
  const p = new Parser(text, maxDepth);
  const v = p.value(0);
  p.skipSpace();
  if (p.failed || p.i != text.length) return null;
  return v;
}

/** Appends s to out as a JSON string literal (quotes included). */
export function quoteJson(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c != 34 && c != 92) continue;
    out += s.substring(runStart, i);
    if (c == 34) out += '\\"';
    else if (c == 92) out += "\\\\";
    else if (c == 10) out += "\\n";
    else if (c == 13) out += "\\r";
    else if (c == 9) out += "\\t";
    else {
      const hex = c.toString(16);
      out += "\\u" + "0000".substring(hex.length) + hex;
    }
    runStart = i + 1;
  }
  return out + s.substring(runStart) + '"';
}
