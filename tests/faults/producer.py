# The librdkafka side of the fault scenarios (tests/faults/run.ts): an idempotent acks=all
# confluent-kafka producer with librdkafka's default retry settings.
#
#   python producer.py BOOTSTRAP OUT PREFIX COUNT RATE TOPIC[,TOPIC...] [key=value...]
#
# Sends COUNT records at RATE per second, key "PREFIX-i", value "PREFIX-i|topic", round-robin
# over the topics, and appends one JSON line per event to OUT, flushed at once so that a killed
# process leaves a complete log: sent, ack (partition, offset), err (delivery failure: error
# name, retriable flag), cerr (error_cb: connection-level errors), log (librdkafka warnings
# such as timed-out requests), reqerr (each failed request and what librdkafka does about it),
# done.
import json
import logging
import re
import sys
import time

from confluent_kafka import KafkaError, KafkaException, Producer

bootstrap, out_path, prefix, count, rate, topics = sys.argv[1:7]
count, rate, topics = int(count), float(rate), topics.split(",")
out = open(out_path, "a", encoding="utf-8")


def event(**kv):
    kv["t"] = int(time.time() * 1000)
    out.write(json.dumps(kv) + "\n")
    out.flush()


# librdkafka names errors by description in its logs: description -> error name.
NAMES = {}
for name in dir(KafkaError):
    code = getattr(KafkaError, name)
    if isinstance(code, int) and not name.startswith("__"):
        NAMES.setdefault(KafkaError(code).str(), name)
REQERR = re.compile(r"(\w+)Request failed: (.*?): (?:explicit )?actions (\S*)")


class ToEvents(logging.Handler):
    def emit(self, record):
        msg = record.getMessage()
        m = REQERR.search(msg)
        if m:
            # debug=broker: every failed request with the actions librdkafka takes (Retry, ...).
            event(ev="reqerr", api=m.group(1), code=NAMES.get(m.group(2), m.group(2)), actions=m.group(3))
        elif record.levelno >= logging.WARNING:
            event(ev="log", level=record.levelname, msg=msg)


logger = logging.getLogger("librdkafka")
logger.setLevel(logging.DEBUG)
logger.addHandler(ToEvents())

conf = {
    "bootstrap.servers": bootstrap,
    "client.id": "faults-librdkafka-" + prefix,
    "acks": "all",
    "enable.idempotence": True,
    "error_cb": lambda e: event(ev="cerr", code=e.name(), retriable=e.retriable(), fatal=e.fatal(), msg=e.str()),
    "logger": logger,
    "debug": "broker",
}
for kv in sys.argv[7:]:
    k, v = kv.split("=", 1)
    conf[k] = v
producer = Producer(conf)


def report(i, topic):
    def cb(err, msg):
        if err is None:
            event(ev="ack", id=i, topic=topic, partition=msg.partition(), offset=msg.offset())
        else:
            event(ev="err", id=i, topic=topic, code=err.name(), retriable=err.retriable(), fatal=err.fatal(), msg=err.str())
    return cb


event(ev="start", client="librdkafka")
t0 = time.monotonic()
for i in range(count):
    wait = t0 + i / rate - time.monotonic()
    if wait > 0:
        producer.poll(wait)
    topic = topics[i % len(topics)]
    key = f"{prefix}-{i}"
    event(ev="sent", id=i, topic=topic)
    while True:
        try:
            producer.produce(topic, key=key, value=f"{key}|{topic}", on_delivery=report(i, topic))
            break
        except BufferError:
            producer.poll(0.1)
        except KafkaException as e:
            err = e.args[0]
            event(ev="err", id=i, topic=topic, code=err.name(), retriable=err.retriable(), fatal=err.fatal(), msg=err.str())
            break
    producer.poll(0)
# message.timeout.ms (300 s by default) bounds every record; flush returns once all are settled.
left = producer.flush(330)
event(ev="done", left=left)
