import { parseConfig, DEFAULT_MAX_FRAME_BYTES, UpstreamCluster } from "../../assembly/mesh/config";
import { Router, NO_ROUTE } from "../../assembly/mesh/routing";
import { newMesh } from "./mesh_harness";

const REFERENCE = `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2"}},
    {"cluster_name": "c3", "partition_count": 5, "producer_config": {"acks": "1", "linger.ms": "30"},
     "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8082"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "a", "target_cluster": "c2"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ]
}`;

/** A cluster's producer_config value, or null. */
function producerConfig(c: UpstreamCluster, key: string): string | null {
  const i = c.producerConfigKeys.indexOf(key);
  return i < 0 ? null : c.producerConfigValues[i];
}

function errorOf(text: string): string {
  const r = parseConfig(text);
  expect<bool>(r.config === null).toBe(true, text);
  return r.error;
}

describe("parseConfig", () => {
  it("reads the reference scenario", () => {
    const r = parseConfig(REFERENCE);
    expect<string>(r.error).toBe("");
    const c = r.config!;
    expect<string>(c.advertisedHost).toBe("127.0.0.1");
    expect<i32>(c.advertisedPort).toBe(19092);
    expect<i32>(c.clusters.length).toBe(3);
    expect<i32>(c.clusters[2].partitionCount).toBe(5);
    expect<string>(producerConfig(c.clusters[2], "linger.ms")!).toBe("30");
    expect<string>(c.clusters[2].bridge.authority).toBe("127.0.0.1:8082");
    expect<string>(c.clusters[0].bridge.authority).toBe("b1");
    expect<i32>(c.maxFrameBytes).toBe(DEFAULT_MAX_FRAME_BYTES);
  });

  it("routes by first matching prefix", () => {
    const router = new Router(parseConfig(REFERENCE).config!);
    expect<i32>(router.route("apples")).toBe(0);
    expect<i32>(router.route("app-something")).toBe(0);
    expect<i32>(router.route("apricots")).toBe(1);
    expect<i32>(router.route("analogue")).toBe(1);
    expect<i32>(router.route("bananas")).toBe(2);
    expect<i32>(router.route("cherries")).toBe(NO_ROUTE);
    // Produce plans with the mesh's routing: a routed topic has its cluster's partition_count.
    const routing = newMesh(REFERENCE).routing;
    expect<i32>(routing.clusterFor("bananas")).toBe(2);
    expect<i32>(routing.partitionCount(2, "bananas")).toBe(5);
    expect<i32>(routing.clusterFor("cherries")).toBe(NO_ROUTE);
  });

  it("names the field of each bad config", () => {
    expect<string>(errorOf("{")).toBe("configuration: not valid JSON");
    expect<string>(errorOf(REFERENCE.replace('"advertised_port": 19092', '"advertised_port": 70000'))).toBe(
      "advertised_port: must be an integer from 1 to 65535",
    );
    expect<string>(errorOf(REFERENCE.replace('"advertised_host": "127.0.0.1",', ""))).toBe("advertised_host: is required");
    expect<string>(errorOf(REFERENCE.replace('"cluster_name": "c2"', '"cluster_name": "c1"'))).toBe(
      "upstream_clusters[1].cluster_name: duplicate cluster 'c1'",
    );
    expect<string>(errorOf(REFERENCE.replace('"target_cluster": "c3"', '"target_cluster": "c9"'))).toBe(
      "forwarding_rules[2].target_cluster: unknown cluster 'c9'",
    );
    expect<string>(errorOf(REFERENCE.replace('"partition_count": 5', '"partition_count": 0'))).toBe(
      "upstream_clusters[2].partition_count: must be an integer from 1 to 100000",
    );
    expect<string>(errorOf(REFERENCE.replace('"advertised_port"', '"advertized_port"'))).toBe("configuration.advertized_port: unknown field");
    expect<string>(errorOf(REFERENCE.replace('"linger.ms": "30"', '"linger.ms": 30'))).toBe(
      "upstream_clusters[2].producer_config.linger.ms: must be a string",
    );
    expect<string>(errorOf(REFERENCE.replace('{"envoy_cluster": "b2"}', '{"envoy_cluster": "b2", "dialect": "kafka-rest-v9"}'))).toBe(
      "upstream_clusters[1].rest_bridge.dialect: unknown dialect 'kafka-rest-v9' (native, strimzi)",
    );
    expect<string>(errorOf('{"advertised_host": "h", "advertised_port": 1, "upstream_clusters": []}')).toBe(
      "upstream_clusters: must be a non-empty array",
    );
  });
});
