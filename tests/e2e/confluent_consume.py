# A librdkafka consumer (confluent-kafka) driven by the same JSON-line script as
# tests/e2e/java/E2eConsumer.java; prints {"record": {...}} per record (bytes in Base64, headers
# in order) and {"op": name, ...} per answer; a failing op prints {"op", "error"} and exits 2.
#
#   python confluent_consume.py bootstrap [prop=value...] < script.jsonl
#
# Ops (tp is "topic:partition"): assign {"tps", "offsets"?: {tp: n}}, subscribe {"topics"},
# seek {"tp", "offset"}, read {"until": {tp: offset}, "ms"}, readCount {"count", "ms"},
# awaitEof {"tp", "ms"} (poll until librdkafka signals the end of tp; prints its offset),
# position {"tps"}, committed {"tps"}, commit, watermarks {"tps"}, offsetsForTimes {"times"}.
# The last line is {"versions": [confluent-kafka, librdkafka]}.
import base64
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, TopicPartition

TYPES = {confluent_kafka.TIMESTAMP_CREATE_TIME: "CreateTime", confluent_kafka.TIMESTAMP_LOG_APPEND_TIME: "LogAppendTime",
         confluent_kafka.TIMESTAMP_NOT_AVAILABLE: "NoTimestampType"}


def out(o):
    print(json.dumps(o), flush=True)


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def tp(s, offset=None):
    t, p = s.rsplit(":", 1)
    return TopicPartition(t, int(p)) if offset is None else TopicPartition(t, int(p), int(offset))


def name(x):
    return f"{x.topic}:{x.partition}"


EOFS = []


def emit(msg):
    if msg.error() is not None:
        if msg.error().code() == KafkaError._PARTITION_EOF:
            EOFS.append((f"{msg.topic()}:{msg.partition()}", msg.offset()))
            return 0
        raise RuntimeError(f"{msg.error().name()}: {msg.error().str()} ({msg.topic()}:{msg.partition()})")
    ttype, ts = msg.timestamp()
    out({"record": {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(), "timestamp": ts,
                    "timestampType": TYPES.get(ttype, str(ttype)), "key": b64(msg.key()), "value": b64(msg.value()),
                    "headers": [[k, b64(v)] for k, v in (msg.headers() or [])]}})
    return 1


def main():
    conf = {"bootstrap.servers": sys.argv[1], "enable.auto.commit": False, "enable.partition.eof": True,
            "group.id": "e2e-unused", "auto.offset.reset": "error", "fetch.max.bytes": 64 << 20,
            "max.partition.fetch.bytes": 8 << 20, "receive.message.max.bytes": 80 << 20}
    for kv in sys.argv[2:]:
        k, v = kv.split("=", 1)
        conf[k] = v
    c = Consumer(conf)
    op = "start"
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            s = json.loads(line)
            op = s["op"]
            deadline = time.time() + s.get("ms", 30000) / 1000
            if op == "assign":
                offs = s.get("offsets", {})
                c.assign([tp(x, offs.get(x)) for x in s["tps"]])
                out({"op": op})
            elif op == "subscribe":
                c.subscribe(s["topics"],
                            on_assign=lambda _c, ps: out({"op": "assigned", "tps": [name(p) for p in ps]}),
                            on_revoke=lambda _c, ps: out({"op": "revoked", "tps": [name(p) for p in ps]}))
                out({"op": op})
            elif op == "seek":
                t = tp(s["tp"], s["offset"])
                # A seek right after assign may find the partition not fetching yet: retry briefly.
                while True:
                    try:
                        c.seek(t)
                        break
                    except confluent_kafka.KafkaException:
                        if time.time() > deadline:
                            raise
                        c.poll(0.1)
                out({"op": op})
            elif op == "read":
                until = {k: int(v) for k, v in s["until"].items()}
                n = 0
                while True:
                    pos = {name(p): p.offset for p in c.position([tp(k) for k in until])}
                    if all(pos[k] >= v for k, v in until.items()):
                        break
                    if time.time() > deadline:
                        raise RuntimeError(f"read: positions {pos} short of {until} after {s.get('ms', 30000)} ms")
                    m = c.poll(0.2)
                    if m is not None:
                        n += emit(m)
                out({"op": op, "offsets": pos, "records": n})
            elif op == "awaitEof":
                # The next end-of-partition event of s["tp"] (librdkafka: the position reached the end).
                del EOFS[:]
                n = 0
                while not any(t == s["tp"] for t, _ in EOFS):
                    if time.time() > deadline:
                        raise RuntimeError(f"awaitEof: no end of {s['tp']} after {s.get('ms', 30000)} ms")
                    m = c.poll(0.2)
                    if m is not None:
                        n += emit(m)
                out({"op": op, "offset": next(o for t, o in EOFS if t == s["tp"]), "records": n})
            elif op == "readCount":
                n = 0
                while n < s["count"]:
                    if time.time() > deadline:
                        raise RuntimeError(f"readCount: {n} of {s['count']} records")
                    m = c.poll(0.2)
                    if m is not None:
                        n += emit(m)
                out({"op": op, "records": n})
            elif op == "position":
                out({"op": op, "offsets": {name(p): p.offset for p in c.position([tp(x) for x in s["tps"]])}})
            elif op == "committed":
                out({"op": op, "offsets": {name(p): p.offset for p in c.committed([tp(x) for x in s["tps"]], timeout=30)}})
            elif op == "commit":
                parts = c.commit(asynchronous=False)
                out({"op": op, "offsets": {name(p): p.offset for p in parts or []}})
            elif op == "watermarks":
                out({"op": op, "offsets": {x: list(c.get_watermark_offsets(tp(x), timeout=30)) for x in s["tps"]}})
            elif op == "offsetsForTimes":
                res = c.offsets_for_times([tp(k, v) for k, v in s["times"].items()], timeout=30)
                out({"op": op, "offsets": {name(p): p.offset for p in res}})
            else:
                raise ValueError(f"unknown op {op}")
    except Exception as e:  # noqa: BLE001 - reported to the test as a line
        out({"op": op, "error": f"{type(e).__name__}: {e}"})
        c.close()
        sys.exit(2)
    c.close()
    v = confluent_kafka.version()
    out({"op": "closed"})
    out({"versions": [v[0] if isinstance(v, tuple) else v, confluent_kafka.libversion()[0]]})


main()
