"""librdkafka producer load (confluent-kafka): N producers (one connection each to the leader),
records sent round-robin at a fixed rate or as fast as the client queues take them; latency
from produce() to the delivery report. Prints one JSON line.

python rdkafka_perf.py BOOTSTRAP TOPIC RECORD_SIZE NUM_RECORDS CONNECTIONS ACKS COMPRESSION RATE MAX_SECONDS
"""
import json
import random
import string
import sys
import time

from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
size, total, conns = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
acks, compression = sys.argv[6], sys.argv[7]
rate, max_seconds = float(sys.argv[8]), float(sys.argv[9])

rng = random.Random(1)
value = "".join(rng.choice(string.ascii_uppercase) for _ in range(size)).encode()
lat = []
failed = 0


def report_t(err, t0):
    global failed
    if err is not None:
        failed += 1
    else:
        lat.append(time.perf_counter() - t0)


producers = [
    Producer({
        "bootstrap.servers": bootstrap,
        "acks": acks,
        "compression.type": compression,
        "linger.ms": 5,
        "enable.idempotence": False,
    })
    for _ in range(conns)
]
# Connect and learn metadata before the clock starts.
for p in producers:
    p.list_topics(topic, timeout=30)

sent_at = {}
start = time.perf_counter()
first = None
i = 0
while i < total and time.perf_counter() - start < max_seconds:
    if rate > 0:
        due = start + i / rate
        now = time.perf_counter()
        if now < due:
            for p in producers:
                p.poll(0)
            if due - now > 0.0005:
                time.sleep(min(due - now, 0.002))
            continue
    p = producers[i % conns]
    t0 = time.perf_counter()
    if first is None:
        first = t0
    try:
        p.produce(topic, value, partition=0, on_delivery=lambda err, msg, t0=t0: report_t(err, t0))
    except BufferError:
        p.poll(0.001)
        continue
    i += 1
    if i % 64 == 0:
        p.poll(0)



for p in producers:
    p.flush(max(1.0, max_seconds))
elapsed = time.perf_counter() - first
lat.sort()
n = len(lat)


def q(p):
    return lat[min(n - 1, int(p * n))] * 1000 if n else None


print(json.dumps({
    "records": n,
    "failed": failed + (i - n - failed if i > n + failed else 0),
    "seconds": elapsed,
    "records_per_s": n / elapsed,
    "mb_per_s": n * size / elapsed / 1048576,
    "latency_ms": {"avg": sum(lat) / n * 1000 if n else None, "p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "p999": q(0.999), "max": lat[-1] * 1000 if n else None},
}))
