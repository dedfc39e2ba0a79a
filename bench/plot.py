"""Throughput bars and latency percentiles per target for one bench result set.
python plot.py RESULT.json OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res = json.load(open(sys.argv[1]))
cells = [c for c in res["cells"] if c["summary"]]
# kroxylicious is optional: only the targets that ran get a bar (older result sets: `mesh`).
order = ["kafka", "kroxylicious", "bridge", "mesh", "mesh-strimzi", "mesh-native"]
targets = [t for t in order if any(t in c["summary"] for c in cells)]
colors = {"kafka": "#4c72b0", "kroxylicious": "#8172b3", "bridge": "#dd8452", "mesh": "#55a868", "mesh-strimzi": "#55a868", "mesh-native": "#c44e52"}
labels = []
for c in cells:
    rate = "max" if c["rate"] == "max" else f"{c['rate_asked']}/s"
    size = "1KiB" if c["size"] == 1024 else f"{c['size']}B"
    if c["client"] == "java-consumer":
        labels.append(f"Java consumer {size}\n{c['partitions']}p from offset 0")
    else:
        labels.append(f"{'Java' if c['client'] == 'java' else 'rdkafka'} {size}\n{c['codec']} {c['conns']}c {rate}")

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(8, 1.9 * len(cells)), 9))
w = 0.8 / len(targets)
shift = lambda i: (i - (len(targets) - 1) / 2) * w  # noqa: E731
for i, t in enumerate(targets):
    xs = [j + shift(i) for j in range(len(cells))]
    ys = [(c["summary"].get(t) or {}).get("records_per_s") or 0 for c in cells]
    ax1.bar(xs, ys, w, label=t, color=colors[t])
ax1.set_xticks(range(len(cells)), labels, fontsize=8)
ax1.set_ylabel("records/s (median)")
ax1.set_title("Throughput per target")
ax1.legend()

marks = {"p50": "o", "p99": "s", "p999": "^"}
points = 0  # consume cells have no latency figures
for i, t in enumerate(targets):
    for k, m in marks.items():
        xs, ys = [], []
        for j, c in enumerate(cells):
            s = c["summary"].get(t)
            if s and s["latency_ms"].get(k):
                xs.append(j + shift(i))
                ys.append(s["latency_ms"][k])
        ax2.scatter(xs, ys, marker=m, color=colors[t], label=f"{t} {k}")
        points += len(ys)
if points:
    ax2.set_yscale("log")
ax2.set_xticks(range(len(cells)), labels, fontsize=8)
ax2.set_ylabel("produce latency, ms (log)")
ax2.set_title("Latency percentiles per target (max-rate runs include client queueing)")
ax2.legend(fontsize=7, ncol=len(targets))
ax2.grid(axis="y", which="both", alpha=0.3)
m = res["machine"]
fig.suptitle(f"Kafka mesh benchmark {res['started'][:16]} — {m['cpus']} CPU {m['cpu_model']}, load {m['load_average_at_start'][0]}", fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
