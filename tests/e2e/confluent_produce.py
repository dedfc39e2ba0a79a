# Produces records read from stdin through librdkafka (confluent-kafka) and prints, per record
# and in input order, what its delivery report said.
#
#   python confluent_produce.py bootstrap [prop=value...] < records.jsonl
#
# Record lines as for E2eProducer.java: {"topic", "partition", "timestamp", "key", "value",
# "headers": [[name, b64|null]]}, bytes in Base64. Output lines:
# {"i", "partition", "offset", "timestamp"} or {"i", "error"}; then {"versions": [...]}.
import base64
import json
import sys

import confluent_kafka
from confluent_kafka import Producer


def raw(v):
    return None if v is None else base64.b64decode(v)


def main():
    conf = {"bootstrap.servers": sys.argv[1]}
    for kv in sys.argv[2:]:
        k, v = kv.split("=", 1)
        conf[k] = v
    records = [json.loads(line) for line in sys.stdin if line.strip()]
    results = [None] * len(records)

    def report(i):
        def cb(err, msg):
            if err is not None:
                results[i] = {"i": i, "error": f"{err.name()}: {err.str()}"}
            else:
                results[i] = {"i": i, "partition": msg.partition(), "offset": msg.offset(),
                              "timestamp": msg.timestamp()[1]}
        return cb

    p = Producer(conf)
    for i, r in enumerate(records):
        kwargs = {"key": raw(r.get("key")), "value": raw(r.get("value")), "on_delivery": report(i),
                  "headers": [(h[0], raw(h[1])) for h in r.get("headers") or []]}
        if r.get("partition") is not None:
            kwargs["partition"] = r["partition"]
        if r.get("timestamp") is not None:
            kwargs["timestamp"] = r["timestamp"]
        while True:
            try:
                p.produce(r["topic"], **kwargs)
                break
            except BufferError:  # local queue full: let deliveries drain
                p.poll(0.1)
        p.poll(0)
    left = p.flush(120)
    for i, res in enumerate(results):
        print(json.dumps(res if res is not None else {"i": i, "error": f"no delivery report ({left} left)"}))
    v = confluent_kafka.version()  # a (str, int) tuple in older releases, a str in newer ones
    print(json.dumps({"versions": [v[0] if isinstance(v, tuple) else v, confluent_kafka.libversion()[0]]}))


main()
