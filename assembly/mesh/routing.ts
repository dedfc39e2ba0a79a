// Topic -> upstream cluster, by forwarding rules evaluated in order (first prefix wins),
// as Envoy's kafka_mesh does; group id -> the cluster whose coordinator runs the group, by
// group rules, the same way.
import { MeshConfig } from "./config";

export const NO_ROUTE: i32 = -1;

export class Router {
  constructor(private config: MeshConfig) {}

  /** Index of the cluster a topic goes to, or NO_ROUTE. */
  route(topic: string): i32 {
    const rules = this.config.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = unchecked(rules[i]);
      if (topic.startsWith(rule.topicPrefix)) return rule.clusterIndex;
    }
    return NO_ROUTE;
  }

  /** Index of the cluster a consumer group lives on, or NO_ROUTE. */
  routeGroup(groupId: string): i32 {
    const rules = this.config.groupRules;
    for (let i = 0; i < rules.length; i++) {
      const rule = unchecked(rules[i]);
      if (groupId.startsWith(rule.groupPrefix)) return rule.clusterIndex;
    }
    return NO_ROUTE;
  }
}
