// What every connection of one plugin instance shares: configuration, routing, topics.
import { MeshConfig } from "./config";
import { Router } from "./routing";
import { TopicDirectory, TopicIdStore } from "./topics";
import { UpstreamTransport } from "./upstream_transport";
import { MeshMetrics } from "./metrics";

export class MeshContext {
  router: Router;
  topics: TopicDirectory;

  constructor(
    public config: MeshConfig,
    topicIdStore: TopicIdStore,
    public transport: UpstreamTransport,
    public metrics: MeshMetrics = new MeshMetrics(),
  ) {
    this.router = new Router(config);
    this.topics = new TopicDirectory(topicIdStore);
  }
}
