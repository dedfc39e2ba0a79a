"""The topic the bench's consume workload reads, straight on its cluster (confluent-kafka admin).

python consume_topic.py BOOTSTRAP TOPIC state
    one JSON line: {"exists", "partitions", "records", "from_zero"} (records: the sum over the
    partitions of high watermark less log start offset; from_zero: every log starts at offset 0)
python consume_topic.py BOOTSTRAP TOPIC recreate PARTITIONS
    deletes the topic if it exists, then creates it with PARTITIONS partitions, replication 1,
    and no retention by time or size (the stack's brokers keep 1 h and 256 MiB per partition)
"""
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, command = sys.argv[1], sys.argv[2], sys.argv[3]
admin = AdminClient({"bootstrap.servers": bootstrap})


def partitions() -> int | None:
    md = admin.list_topics(topic=topic, timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


if command == "state":
    n = partitions()
    out = {"exists": n is not None, "partitions": n or 0, "records": 0, "from_zero": True}
    if n:
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-consume-topic-state", "enable.auto.commit": False})
        for p in range(n):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            out["records"] += high - low
            out["from_zero"] = out["from_zero"] and low == 0
        c.close()
    print(json.dumps(out))
elif command == "recreate":
    count = int(sys.argv[4])
    if partitions() is not None:
        for f in admin.delete_topics([topic], operation_timeout=30).values():
            f.result()
        deadline = time.time() + 30
        while partitions() is not None and time.time() < deadline:
            time.sleep(0.5)
    config = {"retention.ms": "-1", "retention.bytes": "-1"}
    deadline = time.time() + 30
    while True:  # a topic just deleted can take a moment to be gone from the controller
        try:
            for f in admin.create_topics([NewTopic(topic, count, 1, config=config)], operation_timeout=30).values():
                f.result()
            break
        except Exception as e:  # noqa: BLE001 - TOPIC_ALREADY_EXISTS while the deletion completes
            if time.time() > deadline:
                raise
            print(f"retrying create: {e}", file=sys.stderr)
            time.sleep(1)
    print(json.dumps({"created": topic, "partitions": count}))
else:
    sys.exit(f"unknown command {command}")
