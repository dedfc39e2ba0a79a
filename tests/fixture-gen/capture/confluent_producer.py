# Sends tests/fixture-gen/capture/records.json through librdkafka (confluent-kafka) to the capture server.
# Usage: python confluent_producer.py <port> <none|gzip|snappy|lz4|zstd> <idempotent 0|1>
import base64, json, os, sys
from confluent_kafka import Producer

spec = json.load(open(os.path.join(os.path.dirname(__file__), "records.json")))
def b(s):
    if s is None: return None
    if s.startswith("b64:"): return base64.b64decode(s[4:])
    if s.startswith("rep:"):
        n, text = s[4:].split(":", 1)
        return (text * int(n)).encode()
    return s.encode()

p = Producer({
    "bootstrap.servers": "127.0.0.1:" + sys.argv[1],
    "client.id": "capture-librdkafka",
    "compression.codec": sys.argv[2],
    "enable.idempotence": sys.argv[3] == "1",
    "linger.ms": 200,
    "acks": "all",
})
for r in spec["records"]:
    p.produce(spec["topic"], key=b(r["key"]), value=b(r["value"]), partition=spec["partition"],
              timestamp=r["timestamp"], headers=[(k, b(v)) for k, v in r["headers"]])
left = p.flush(20)
sys.exit(1 if left else 0)
