// One process of the local stack (a Kafka broker, a REST bridge, Envoy), started and
// stopped by the project. Each component keeps its pid and log under .stack/.

export interface Component {
  /** Short unique name: "kafka-c1", "bridge-c2", "envoy". */
  readonly name: string;
  /** Downloads and builds what the component needs; idempotent and cached. */
  install(): Promise<void>;
  /** Starts the process detached, writing .stack/<name>.pid and .stack/<name>.log. */
  start(): Promise<void>;
  /** One readiness probe for real (protocol-level), no waiting. */
  isReady(): Promise<boolean>;
  /** Stops the process started by start() (by pid), and waits until it has exited. */
  stop(): Promise<void>;
  /** Ports the component binds, so `down` can prove they were freed. */
  readonly ports: number[];
}
