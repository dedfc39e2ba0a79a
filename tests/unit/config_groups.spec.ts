import { parseConfig } from "../../assembly/mesh/config";
import { Router, NO_ROUTE } from "../../assembly/mesh/routing";

/** Two native clusters and a strimzi one, with the given group_rules JSON ("" = none). */
function config(groupRules: string): string {
  return (
    `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092,
  "upstream_clusters": [
    {"cluster_name": "s1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b0", "dialect": "strimzi"}},
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "dialect": "native"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2", "dialect": "native"}}
  ],
  "forwarding_rules": [{"topic_prefix": "", "target_cluster": "c1"}]` +
    (groupRules.length > 0 ? `, "group_rules": ` + groupRules : "") +
    `}`
  );
}

describe("group_rules", () => {
  it("routes a group by the first matching prefix", () => {
    const r = parseConfig(config(`[{"group_prefix": "billing-", "target_cluster": "c2"}, {"group_prefix": "", "target_cluster": "c1"}]`));
    expect<string>(r.error).toBe("");
    const router = new Router(r.config!);
    expect<i32>(router.routeGroup("billing-eu")).toBe(2);
    expect<i32>(router.routeGroup("billing")).toBe(1);
    expect<i32>(router.routeGroup("")).toBe(1);
  });

  it("leaves a group no rule matches unrouted", () => {
    const r = parseConfig(config(`[{"group_prefix": "team-", "target_cluster": "c2"}]`));
    expect<string>(r.error).toBe("");
    const router = new Router(r.config!);
    expect<i32>(router.routeGroup("team-a")).toBe(2);
    expect<i32>(router.routeGroup("other")).toBe(NO_ROUTE);
  });

  it("places every group on the first native cluster without group_rules", () => {
    const r = parseConfig(config(""));
    expect<string>(r.error).toBe("");
    const router = new Router(r.config!);
    expect<i32>(router.routeGroup("anything")).toBe(1);
  });

  it("has no group at all when no cluster is native and there are no rules", () => {
    const text = `{"advertised_host": "h", "advertised_port": 1,
      "upstream_clusters": [{"cluster_name": "s1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b0"}}],
      "forwarding_rules": []}`;
    const r = parseConfig(text);
    expect<string>(r.error).toBe("");
    expect<i32>(new Router(r.config!).routeGroup("g")).toBe(NO_ROUTE);
  });

  it("names the field of each bad rule", () => {
    expect<string>(parseConfig(config(`[{"group_prefix": "", "target_cluster": "s1"}]`)).error).toBe(
      "group_rules[0].target_cluster: cluster 's1' is not on the native dialect (groups need its coordinator)",
    );
    expect<string>(parseConfig(config(`[{"group_prefix": "", "target_cluster": "c9"}]`)).error).toBe(
      "group_rules[0].target_cluster: unknown cluster 'c9'",
    );
    expect<string>(parseConfig(config(`[{"target_cluster": "c1"}]`)).error).toBe("group_rules[0].group_prefix: must be a string");
    expect<string>(parseConfig(config(`[{"group_prefix": "", "target_cluster": "c1", "x": 1}]`)).error).toBe("group_rules[0].x: unknown field");
    expect<string>(parseConfig(config(`{}`)).error).toBe("group_rules: must be an array");
  });
});
