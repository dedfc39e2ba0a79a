// Captures the request frames real Kafka clients send, for the fuzz seed corpus.
//
// Listens on 127.0.0.1:<port> and serves each client through the filter itself, run in the
// Node proxy-wasm host (the mesh answers ApiVersions and Metadata; HTTP calls for Produce,
// when the build makes them, get a 500 so the client sees an error and carries on). Every
// request frame (size prefix included) is written to <outDir>/<client>-<key>v<version>-<n>.bin,
// at most <perKind> distinct frames per (API key, version).
// Usage: node capture-server.mjs <port> <outDir> <client> [perKind]
import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import { MeshVm } from "../wasm-host/host.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [port, outDir, client, perKindArg] = process.argv.slice(2);
const perKind = Number(perKindArg ?? 3);
fs.mkdirSync(outDir, { recursive: true });
// The reference scenario, advertising this server so clients come back here for Produce.
const config = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference.json"), "utf8"));
config.advertised_port = Number(port);
const vm = await MeshVm.load(path.join(ROOT, "build/kafka_mesh.wasm"), config);

const seen = new Set();
const perKey = new Map();
function record(frame) {
  if (frame.length < 8) return;
  const key = frame.readInt16BE(4);
  const version = frame.readInt16BE(6);
  const digest = crypto.createHash("sha256").update(frame.subarray(8)).digest("hex"); // ignore correlation id
  const kind = `${key}v${version}`;
  const n = perKey.get(kind) ?? 0;
  if (seen.has(digest) || n >= perKind) return;
  seen.add(digest);
  perKey.set(kind, n + 1);
  fs.writeFileSync(path.join(outDir, `${client}-${kind}-${n}.bin`), frame);
  process.stdout.write(`captured ${client} api ${key} v${version}\n`);
}

const sockets = new Map();
const server = net.createServer((sock) => {
  const conn = vm.connect();
  sockets.set(conn, sock);
  let pending = Buffer.alloc(0);
  const answerCalls = () => {
    for (const call of vm.httpCalls) {
      const r = vm.answerHttp(call.token, 500, '{"error_code":500,"message":"capture"}');
      for (const d of r?.deliveries ?? []) sockets.get(d.connection)?.write(d.delivered);
    }
  };
  sock.on("data", (data) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (size < 0 || pending.length < 4 + size) break;
      record(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
    if (conn.closed) return;
    const r = conn.send(data);
    if (r.delivered.length) sock.write(r.delivered);
    setImmediate(answerCalls);
    if (r.closed) sock.end();
  });
  sock.on("close", () => {
    conn.close();
    sockets.delete(conn);
  });
  sock.on("error", () => conn.close());
});
server.listen(Number(port), "127.0.0.1");
