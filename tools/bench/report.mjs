// Markdown tables of one bench result set (bench/results/<stamp>.json).
const f = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
const lat = (x) => (x === null || x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function workload(c) {
  const rate = c.rate === "max" ? "max rate" : `fixed ${f(c.rate_asked)} rec/s`;
  return `${c.client === "java" ? "Java" : "librdkafka"} ${c.size === 1024 ? "1 KiB" : c.size + " B"}, acks=${c.acks}, ${c.codec}, ${c.conns} conn, ${rate}`;
}

export function markdown(res, stamp) {
  const m = res.machine;
  const out = [];
  out.push(`## Benchmark ${stamp}`, "");
  out.push(
    `Machine: ${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB, Linux ${m.kernel}; load average at start ${m.load_average_at_start.join(" / ")}, at end ${(m.load_average_at_end ?? []).join(" / ")}. ` +
      `Kafka ${m.kafka}, ${m.kroxylicious ? `Kroxylicious ${m.kroxylicious}, ` : ""}${m.envoy ?? "Envoy"}, Node ${m.node}, librdkafka ${m.librdkafka}. ` +
      `Every figure is the median of ${res.repeat} runs, targets interleaved; the machine was shared with other work, so treat differences under ~20% as noise.`,
    "",
  );
  out.push(
    "| workload | target | rec/s | MB/s | p50 ms | p99 ms | p99.9 ms | rec/call | CPU s per 1M rec: Envoy | Kroxylicious | Kafka c1 | bridge c1 | client | Envoy RSS MB | wasm MiB before→after | load |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  );
  for (const c of res.cells) {
    for (const [t, s] of Object.entries(c.summary)) {
      const cpu = s.cpu_s_per_1m_records;
      const wm = s.wasm_memory_bytes;
      const mib = (b) => (b === null || b === undefined ? "–" : (b / 1048576).toFixed(1));
      out.push(
        `| ${workload(c)} | ${t}${s.ok_runs < s.runs ? ` (${s.ok_runs}/${s.runs} ok)` : ""} | ${f(s.records_per_s)} | ${f(s.mb_per_s, 1)} | ${lat(s.latency_ms.p50)} | ${lat(s.latency_ms.p99)} | ${lat(s.latency_ms.p999)} | ${f(s.records_per_call, 0)} | ${t === "mesh" ? f(cpu.envoy, 1) : "–"} | ${t === "kroxylicious" ? f(cpu.kroxylicious, 1) : "–"} | ${f(cpu["kafka-c1"], 1)} | ${t === "kafka" || t === "kroxylicious" ? "–" : f(cpu["bridge-c1"], 1)} | ${f(cpu.client, 1)} | ${f(s.envoy_rss_mb)} | ${t === "mesh" ? `${mib(wm.before)}→${mib(wm.after)}` : "–"} | ${f(s.load1, 1)} |`,
      );
    }
  }
  out.push("", "Ratios (mesh against the other targets, same workload):", "");
  out.push(
    "| workload | mesh/bridge rec/s | mesh/Kafka rec/s | mesh/Kroxylicious rec/s | Kroxylicious/Kafka rec/s | mesh − bridge p99 ms | mesh/Kafka p99 | Envoy CPU µs per record | Kroxylicious CPU µs per record |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const c of res.cells) {
    const s = c.summary;
    if (!s.mesh?.records_per_s) continue;
    const r = (a, b) => (a && b ? (a / b).toFixed(2) : "–");
    const d = s.bridge?.latency_ms.p99 != null && s.mesh.latency_ms.p99 != null ? (s.mesh.latency_ms.p99 - s.bridge.latency_ms.p99).toFixed(1) : "–";
    out.push(
      `| ${workload(c)} | ${r(s.mesh.records_per_s, s.bridge?.records_per_s)} | ${r(s.mesh.records_per_s, s.kafka?.records_per_s)} | ${r(s.mesh.records_per_s, s.kroxylicious?.records_per_s)} | ${r(s.kroxylicious?.records_per_s, s.kafka?.records_per_s)} | ${d} | ${r(s.mesh.latency_ms.p99, s.kafka?.latency_ms.p99)} | ${f(s.mesh.cpu_s_per_1m_records.envoy, 1)} | ${f(s.kroxylicious?.cpu_s_per_1m_records.kroxylicious, 1)} |`,
    );
  }
  if (res.micro) {
    out.push("", "Filter micro-benchmark (no network, one wasm instance in Node's V8, bridge answered in memory), ns per record:", "");
    const keys = Object.keys(res.micro[0].ns_per_record);
    out.push(`| record | codec | records/batch | ${keys.join(" | ")} |`, `| --- | --- | ---: | ${keys.map(() => "---:").join(" | ")} |`);
    for (const r of res.micro) {
      out.push(`| ${r.record_bytes} B | ${r.codec} | ${r.records_per_batch} | ${keys.map((k) => f(r.ns_per_record[k])).join(" | ")} |`);
    }
  }
  return out.join("\n") + "\n";
}
