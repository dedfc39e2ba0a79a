// The capture server: a Kafka "broker" on 127.0.0.1:<port> that records the request frames real
// clients send (size prefix included). Two ways of answering, one per capture flow:
//
//   broker <port> <out.jsonl>
//     answers by itself (tests/fixture-gen/capture/capture.sh, the Produce fixtures): ApiVersions (Produce
//     v3..v12, Metadata v0..v12, InitProducerId v0..v5; Fetch v4..v12 and FindCoordinator
//     v0..v4 advertised only), Metadata (itself as the only broker, every topic with 5
//     partitions), InitProducerId (a fixed producer id), Produce (success); appends each
//     Produce frame as hex to <out.jsonl>, one JSON line per frame.
//   filter <port> <outDir> <client> [perKind]
//     serves the client through the filter itself, build/kafka_mesh.wasm in the Node host
//     (tests/fuzz/capture-corpus.sh, the fuzz seed corpus): the mesh answers ApiVersions and
//     Metadata, advertising this port; HTTP calls for Produce get a 500 so the client sees an
//     error and carries on. Writes each distinct request frame to
//     <outDir>/<client>-<key>v<version>-<n>.bin, at most <perKind> (3) per (API key, version).
//
// Usage: node --import tsx tests/fixture-gen/capture/server.ts broker|filter ...
import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import type { MeshConnection } from "../../wasm-host/host.ts";
import {
  ApiKey, apiVersionsResponse, FrameSplitter, initProducerIdResponse, metadataResponse, produceResponse,
  readMetadataRequest, readProduceRequest, readRequestHeader, responseFrame, type ApiVersion, type Reader,
} from "../../lib/kafka/index.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const [mode, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg || 19192);

/** What one way of capturing does with a client's bytes: whole frames (size prefix included) and the raw data. */
interface Capture {
  data(frames: Buffer[], data: Buffer): void;
  close?(): void;
}

/** Answers on a client socket for one way of capturing: frames are whole, size prefix included. */
function serve(onConnection: (sock: net.Socket) => Capture): void {
  const server = net.createServer((sock) => {
    sock.on("error", () => {});
    const splitter = new FrameSplitter();
    const conn = onConnection(sock);
    sock.on("data", (data: Buffer) => conn.data(splitter.push(data), data));
    sock.on("close", () => conn.close?.());
  });
  server.listen(port, "127.0.0.1", () => console.error(`capture server (${mode}) on 127.0.0.1:${port}`));
}

// --- broker: answers by itself, records Produce frames ------------------------------------------

function broker(out = "capture.jsonl"): void {
  const PARTITIONS = 5;
  const PRODUCER_ID = 4242n;
  // librdkafka only writes magic 2 batches when the broker also advertises Fetch v4+ (its
  // MsgVer2 feature test); CAPTURE_NO_FETCH=1 leaves Fetch out to capture its magic 1 fallback.
  const APIS: ApiVersion[] = ([
    [ApiKey.Produce, 3, 12],
    ...(process.env.CAPTURE_NO_FETCH === "1" ? [] : [[1, 4, 12] as const]), // Fetch (advertised, never served)
    [10, 0, 4], // FindCoordinator (advertised, never served): librdkafka's LZ4 feature test needs it
    [ApiKey.Metadata, 0, 12],
    [ApiKey.ApiVersions, 0, 4],
    [ApiKey.InitProducerId, 0, 5],
  ] as const).map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion }));

  const metadata = (v: number, body: Reader): Buffer => {
    let topics = readMetadataRequest(body, v) ?? [];
    if (topics.length === 0) topics = ["b-capture"];
    return metadataResponse(v, {
      throttleMs: 0,
      brokers: [{ nodeId: 1, host: "127.0.0.1", port, rack: null }],
      clusterId: "capture",
      controllerId: 1,
      topics: topics.map((name, ti) => ({
        errorCode: 0, name, topicId: (ti + 1).toString(16).padStart(32, "0"), isInternal: false,
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [],
        })),
      })),
      errorCode: 0,
    });
  };

  const produce = (v: number, body: Reader, frame: Buffer): Buffer | null => {
    fs.appendFileSync(out, JSON.stringify({ apiVersion: v, frame: Buffer.from(frame).toString("hex") }) + "\n");
    const req = readProduceRequest(body, v);
    if (req.acks === 0) return null;
    let offset = 0n;
    return produceResponse(v, req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ index: p.index, errorCode: 0, baseOffset: (offset += 100n) - 100n, logStartOffset: 0n })),
    })));
  };

  serve((sock) => ({
    data(frames) {
      for (const frame of frames) {
        const { header: h, body } = readRequestHeader(frame);
        let answer: Buffer | null;
        if (h.apiKey === ApiKey.ApiVersions) answer = apiVersionsResponse(h.apiVersion, APIS);
        else if (h.apiKey === ApiKey.Metadata) answer = metadata(h.apiVersion, body);
        else if (h.apiKey === ApiKey.InitProducerId) answer = initProducerIdResponse(h.apiVersion, PRODUCER_ID);
        else if (h.apiKey === ApiKey.Produce) answer = produce(h.apiVersion, body, frame);
        else {
          console.error(`unexpected api ${h.apiKey} v${h.apiVersion}`);
          sock.destroy();
          return;
        }
        if (answer !== null) sock.write(responseFrame(h.apiKey, h.apiVersion, h.correlationId, answer));
      }
    },
  }));
}

// --- filter: the mesh in the Node host answers, distinct frames recorded -------------------------

async function filter(outDir: string, client: string, perKindArg?: string): Promise<void> {
  const { MeshVm } = await import("../../wasm-host/host.ts");
  const perKind = Number(perKindArg ?? 3);
  fs.mkdirSync(outDir, { recursive: true });
  // The reference scenario, advertising this server so clients come back here for Produce.
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference-strimzi.json"), "utf8")) as Record<string, unknown>;
  config.advertised_port = port;
  const vm = await MeshVm.load(path.join(ROOT, "build/kafka_mesh.wasm"), config);

  const seen = new Set<string>();
  const perKey = new Map<string, number>();
  const record = (frame: Buffer): void => {
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
  };

  const sockets = new Map<MeshConnection, net.Socket>();
  const answerCalls = (): void => {
    for (const call of vm.httpCalls) {
      const r = vm.answerHttp(call.token, 500, '{"error_code":500,"message":"capture"}');
      for (const d of r?.deliveries ?? []) sockets.get(d.connection)?.write(d.delivered);
    }
  };
  serve((sock) => {
    const conn = vm.connect();
    sockets.set(conn, sock);
    sock.on("error", () => conn.close());
    return {
      data(frames, data) {
        frames.forEach(record);
        if (conn.closed) return;
        const r = conn.send(data);
        if (r.delivered.length) sock.write(r.delivered);
        setImmediate(answerCalls);
        if (r.closed) sock.end();
      },
      close() {
        conn.close();
        sockets.delete(conn);
      },
    };
  });
}

if (mode === "broker") broker(rest[0]);
else if (mode === "filter") await filter(rest[0] ?? "", rest[1] ?? "", rest[2]);
else {
  console.error("usage: node --import tsx tests/fixture-gen/capture/server.ts broker <port> <out.jsonl> | filter <port> <outDir> <client> [perKind]");
  process.exit(2);
}
