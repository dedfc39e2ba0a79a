# Many librdkafka producers (confluent-kafka) at once in one process, each with its own settings
# (SASL, TLS), for the security suite (tests/e2e/security.test.ts).
#
#   python confluent_security.py < cases.jsonl
#
# A case per line: {"name", "bootstrap", "conf": {name: value}, "records": [record lines as for
# confluent_produce.py], "expect_failure": bool, "ms": n}. Every case's producer is created and
# its records produced first; then all are polled together until each case is done: every
# record has its delivery report, or (expect_failure) the producer reported an authentication
# error through error_cb (a SASL or SSL error, or _AUTHENTICATION), or "ms" (default 20000)
# passed. What is still queued is then purged. One line per case, in input order:
# {"name", "told": [{"partition","offset","timestamp"} | {"error"}], "errors": [{"code","str"}]},
# then {"versions": [confluent-kafka, librdkafka]}.
import base64
import json
import re
import sys
import time

import confluent_kafka
from confluent_kafka import Producer

AUTH_ERROR = re.compile(r"SASL|SSL|authentication|mechanism", re.IGNORECASE)
# Error strings start with the broker's name ("sasl_ssl://127.0.0.1:19393/bootstrap: "), which
# says nothing about the error.
BROKER = re.compile(r"^\S+://\S+?: ")


def raw(v):
    return None if v is None else base64.b64decode(v)


class Case:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.records = spec.get("records") or []
        self.told = [None] * len(self.records)
        self.errors = []
        self.expect_failure = bool(spec.get("expect_failure"))
        self.deadline = time.monotonic() + spec.get("ms", 20000) / 1000
        conf = {"bootstrap.servers": spec["bootstrap"], "error_cb": self.on_error}
        conf.update(spec.get("conf") or {})
        self.producer = Producer(conf)
        for i, r in enumerate(self.records):
            kwargs = {"key": raw(r.get("key")), "value": raw(r.get("value")), "on_delivery": self.report(i),
                      "headers": [(h[0], raw(h[1])) for h in r.get("headers") or []]}
            if r.get("partition") is not None:
                kwargs["partition"] = r["partition"]
            if r.get("timestamp") is not None:
                kwargs["timestamp"] = r["timestamp"]
            self.producer.produce(r["topic"], **kwargs)

    def on_error(self, err):
        self.errors.append({"code": err.name(), "str": err.str()})

    def report(self, i):
        def cb(err, msg):
            if err is not None:
                self.told[i] = {"error": f"{err.name()}: {err.str()}"}
            else:
                self.told[i] = {"partition": msg.partition(), "offset": msg.offset(), "timestamp": msg.timestamp()[1]}
        return cb

    def auth_failed(self):
        return any(e["code"] == "_AUTHENTICATION" or AUTH_ERROR.search(BROKER.sub("", e["str"])) for e in self.errors)

    def done(self):
        if all(t is not None for t in self.told):
            return True
        if self.expect_failure and self.auth_failed():
            return True
        return time.monotonic() > self.deadline

    def finish(self):
        self.producer.purge()
        self.producer.flush(5)
        for i, t in enumerate(self.told):
            if t is None:
                self.told[i] = {"error": "no delivery report"}
        return {"name": self.name, "told": self.told, "errors": self.errors}


def main():
    cases = [Case(json.loads(line)) for line in sys.stdin if line.strip()]
    results = {}
    live = list(cases)
    while live:
        for c in list(live):
            c.producer.poll(0)
            if c.done():
                results[c.name] = c.finish()
                live.remove(c)
        if live:
            live[0].producer.poll(0.02)
    for c in cases:
        print(json.dumps(results[c.name]))
    v = confluent_kafka.version()
    print(json.dumps({"versions": [v[0] if isinstance(v, tuple) else v, confluent_kafka.libversion()[0]]}))


main()
