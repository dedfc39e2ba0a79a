package mesh.bridge;

import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.KafkaClient;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Forwards consumer-side requests (Fetch, ListOffsets, group and offset APIs) to one cluster, at
 * the version they came in, on one IO thread with one kafka-clients NetworkClient.
 *
 * A broker reads nothing more from a connection until it has answered the current request, so
 * each forwarded request holds a connection of its own: per broker a pool of up to
 * connectionsPerBroker long-poll connections (requests the broker may hold: mayWait) and one of
 * up to immediateConnectionsPerBroker immediate connections (the rest), each a distinct
 * (synthetic) NetworkClient node id for the broker's address, one request in flight on each;
 * requests beyond a pool wait in FIFO order. A Fetch finding no long-poll connection free is
 * first asked with max_wait_ms 0 on an immediate connection (its probe): records or an error
 * answer it at once, so idle long polls do not delay data; an empty probe answer is its answer
 * if its wait runs out before a long-poll connection is free. Fetch
 * and ListOffsets are split by partition leader (metadata: ProducerMetadata through the
 * NetworkClient's metadata updater, on connections of their own); group and offset APIs go to
 * the group's coordinator (FindCoordinator, cached until the cluster says otherwise).
 */
final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    static final Set<ApiKeys> SERVED = EnumSet.of(ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_COMMIT,
            ApiKeys.OFFSET_FETCH, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS);
    static final short FETCH_MIN_VERSION = 4;
    static final short FETCH_MAX_VERSION = 12;
    /** Synthetic node ids of pooled connections: far below the bootstrap nodes' -1, -2, ... */
    private static final int FIRST_SYNTHETIC_ID = -1_000_000;

    static boolean served(ApiKeys api, short version) {
        if (!SERVED.contains(api)) {
            return false;
        }
        if (api == ApiKeys.FETCH) {
            return version >= FETCH_MIN_VERSION && version <= FETCH_MAX_VERSION;
        }
        return version >= api.oldestVersion() && version <= api.latestVersion(true);
    }

    /** One request from the filter, answered exactly once through done. */
    static final class Call {
        final RequestHeader header;
        final AbstractRequest request;
        final long arrivedMs;
        final Consumer<AbstractResponse> done;
        final BooleanSupplier abandoned;
        final int maxWaitMs;            // Fetch: as the client sent it
        boolean internal;               // a read-ahead: answered to the bridge itself
        ReadAhead.Key readAheadKey;     // Fetch, read-ahead on: what an entry would be kept under
        // Routing state (IO thread).
        int metadataAskedVersion = -1;
        final Map<String, Coordinator> coordinators = new HashMap<>();
        final Map<TopicPartition, Errors> unrouted = new HashMap<>();
        final List<Part> parts = new ArrayList<>();
        int remaining;

        Call(RequestHeader header, AbstractRequest request, long arrivedMs, Consumer<AbstractResponse> done,
             BooleanSupplier abandoned) {
            this.header = header;
            this.request = request;
            this.arrivedMs = arrivedMs;
            this.done = done;
            this.abandoned = abandoned;
            this.maxWaitMs = request instanceof FetchRequest f ? f.data().maxWaitMs() : 0;
        }

        ApiKeys api() {
            return request.apiKey();
        }
    }

    /** A group's coordinator as this call sees it: a node, or the error that stands for it. */
    record Coordinator(Node node, Errors error) { }

    /** What one broker is asked for a call. */
    static final class Part {
        final Call call;
        final AbstractRequest request;
        final List<String> groups;      // coordinator-routed: the groups it carries
        long queuedMs;
        AbstractResponse response;      // null: failed (the call's merge gives the error)
        Pool pool;
        /** A Fetch that may wait: NONE, PROBING (its max_wait_ms 0 copy in flight), PROBED. */
        int probe;
        /** The empty answer of its probe: the answer if its wait runs out while it waits for a connection. */
        FetchResponse fallback;

        Part(Call call, AbstractRequest request, List<String> groups) {
            this.call = call;
            this.request = request;
            this.groups = groups;
        }

        /** A Fetch's max_wait_ms left at now (0 for other requests). */
        int waitLeft(long now) {
            return request instanceof FetchRequest ? (int) Math.max(0, call.maxWaitMs - (now - call.arrivedMs)) : 0;
        }
    }

    static final int NONE = 0;
    static final int PROBING = 1;
    static final int PROBED = 2;

    /**
     * Whether a request may be held by the broker (a Fetch with max_wait_ms left, JoinGroup and
     * SyncGroup, which wait for the group) and so goes on a long-poll connection; the others are
     * answered at once and go on the immediate connections.
     */
    static boolean mayWait(Part p, long now) {
        return switch (p.call.api()) {
            case FETCH -> p.waitLeft(now) > 0;
            case JOIN_GROUP, SYNC_GROUP -> true;
            default -> false;
        };
    }

    private static final class Slot {
        final Node node;
        Part part;
        boolean probe;                  // part's max_wait_ms 0 copy, not part itself
        boolean sent;

        Slot(Node node) {
            this.node = node;
        }
    }

    private final class Pool {
        final int brokerId;
        final Node address;
        /** Long-poll connections: requests that may wait (mayWait). */
        final List<Slot> slots = new ArrayList<>();
        /** Immediate connections: requests answered at once, and probes. */
        final List<Slot> immediateSlots = new ArrayList<>();
        final ArrayDeque<Part> queue = new ArrayDeque<>();
        /** Parts for an immediate connection; a PROBING part here stands for its probe. */
        final ArrayDeque<Part> immediateQueue = new ArrayDeque<>();

        Pool(Node address) {
            this.brokerId = address.id();
            this.address = address;
        }

        Slot freeSlot(List<Slot> slots, int max, long now) {
            Slot idle = null;
            for (Slot s : slots) {
                if (s.part != null) {
                    continue;
                }
                if (client.isReady(s.node, now)) {
                    return s;
                }
                if (idle == null) {
                    idle = s;
                }
            }
            if (idle != null) {
                return idle;
            }
            if (slots.size() < max) {
                Slot s = new Slot(new Node(nextSyntheticId--, address.host(), address.port(), address.rack()));
                slots.add(s);
                return s;
            }
            return null;
        }
    }

    /**
     * How long a lookup keeps asking while the cluster answers "not now" (COORDINATOR_NOT_AVAILABLE,
     * COORDINATOR_LOAD_IN_PROGRESS: e.g. a fresh cluster still creating __consumer_offsets), as a
     * client of that cluster would keep asking before its request fails.
     */
    static final long COORDINATOR_WAIT_MS = 10_000;
    static final long COORDINATOR_RETRY_MS = 100;

    private final class Lookup {
        final String group;
        final long createdMs;
        final Set<Call> waiters = new LinkedHashSet<>();
        boolean sent;
        /** Not asked again before this (after a "not now"). */
        long retryAtMs;

        Lookup(String group, long createdMs) {
            this.group = group;
            this.createdMs = createdMs;
        }
    }

    private final String cluster;
    private final KafkaClient client;
    private final BridgeMetadata metadata;
    private final Metrics kafkaMetrics;
    private final BridgeMetrics metrics;
    private final GroupTracker groups;
    private final Time time;
    private final int requestTimeoutMs;
    private final int connectionsPerBroker;
    private final int immediateConnectionsPerBroker;
    private final ReadAhead readAhead;
    private final Thread thread;

    private final ConcurrentLinkedQueue<Call> incoming = new ConcurrentLinkedQueue<>();
    /** Fetches answered from a read-ahead off the IO thread: the next read-ahead to ask. */
    private final ConcurrentLinkedQueue<Served> served = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Pool> pools = new HashMap<>();
    private final List<Call> awaitingMetadata = new ArrayList<>();
    private final Map<String, Node> coordinatorCache = new HashMap<>();
    private final Map<String, Lookup> lookups = new LinkedHashMap<>();
    private int nextSyntheticId = FIRST_SYNTHETIC_ID;
    private int correlation;

    private volatile boolean polling;
    private volatile boolean stopping;

    static Forwarder create(String cluster, ProducerConfig config, int connectionsPerBroker,
                            int immediateConnectionsPerBroker, ReadAhead readAhead, BridgeMetrics metrics,
                            GroupTracker groups) {
        LogContext logContext = new LogContext("[mesh-bridge forward cluster=" + cluster + "] ");
        Time time = Time.SYSTEM;
        BridgeMetadata metadata = new BridgeMetadata(config.getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG),
                config.getLong(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG),
                config.getLong(ProducerConfig.METADATA_MAX_AGE_CONFIG),
                config.getLong(ProducerConfig.METADATA_MAX_IDLE_CONFIG),
                logContext, time);
        metadata.bootstrap(ClientUtils.parseAndValidateAddresses(config));
        Metrics kafkaMetrics = new Metrics(time);
        // One request in flight per connection: a broker answers a connection's requests one at a time.
        KafkaClient client = ClientUtils.createNetworkClient(config, kafkaMetrics, "mesh-bridge-forward", logContext,
                new ApiVersions(), time, 1, metadata, null, null);
        return new Forwarder(cluster, client, metadata, kafkaMetrics, metrics, groups, time,
                config.getInt(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG), connectionsPerBroker,
                immediateConnectionsPerBroker, readAhead);
    }

    Forwarder(String cluster, KafkaClient client, BridgeMetadata metadata, Metrics kafkaMetrics, BridgeMetrics metrics,
              GroupTracker groups, Time time, int requestTimeoutMs, int connectionsPerBroker,
              int immediateConnectionsPerBroker, ReadAhead readAhead) {
        this.readAhead = readAhead;
        this.cluster = cluster;
        this.client = client;
        this.metadata = metadata;
        this.kafkaMetrics = kafkaMetrics;
        this.metrics = metrics;
        this.groups = groups;
        this.time = time;
        this.requestTimeoutMs = requestTimeoutMs;
        this.connectionsPerBroker = Math.max(1, connectionsPerBroker);
        this.immediateConnectionsPerBroker = Math.max(1, immediateConnectionsPerBroker);
        this.thread = new Thread(this::run, "forward-" + cluster);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues a call; from any thread. A Fetch whose read-ahead is answered is answered here, on
     * the caller's thread, with no hand-off to the IO thread.
     */
    void submit(Call call) {
        if (readAhead.enabled() && call.request instanceof FetchRequest f) {
            call.readAheadKey = ReadAhead.Key.of(f);
            ReadAhead.Entry e = readAhead.takeReady(call.readAheadKey, time.milliseconds());
            if (e != null) {
                metrics.forwardRequests(ApiKeys.FETCH);
                serveReadAhead(call, e, false);
                return;
            }
        }
        owed.incrementAndGet();
        incoming.add(call);
        if (polling) {
            client.wakeup();
        }
    }

    /** Stops the IO thread once nothing is owed or the deadline passes. Blocks. */
    void close(long timeoutMs) throws InterruptedException {
        long deadline = time.milliseconds() + timeoutMs;
        while (owed() > 0 && time.milliseconds() < deadline) {
            Thread.sleep(20);
        }
        stopping = true;
        client.wakeup();
        thread.join(5000);
    }

    private final java.util.concurrent.atomic.AtomicInteger owed = new java.util.concurrent.atomic.AtomicInteger();

    /** Calls submitted and not answered yet. */
    int owed() {
        return owed.get();
    }

    private void run() {
        LOG.info("event=forwarder_start cluster={} request_timeout_ms={} connections_per_broker={} "
                + "immediate_connections_per_broker={}", cluster, requestTimeoutMs, connectionsPerBroker,
                immediateConnectionsPerBroker);
        while (!stopping) {
            try {
                runOnce(time.milliseconds());
            } catch (RuntimeException e) {
                LOG.error("event=forwarder_error cluster={} error=\"{}\"", cluster, e.toString(), e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        try {
            client.close();
        } catch (java.io.IOException e) {
            LOG.warn("event=client_close_failed cluster={} error=\"{}\"", cluster, e.toString());
        }
        kafkaMetrics.close();
        metadata.close();
        LOG.info("event=forwarder_stop cluster={}", cluster);
    }

    /** One round of the IO loop; the IO thread's, or a test's. */
    void runOnce(long now) {
        Call c;
        while ((c = incoming.poll()) != null) {
            metrics.forwardRequests(c.api());
            if (c.readAheadKey != null) {
                ReadAhead.Entry e = readAhead.entries.get(c.readAheadKey);
                if (e != null && !e.done) {
                    e.waiters.add(c); // its read-ahead is in flight: answered from it, or routed after
                    continue;
                }
                e = e == null ? null : readAhead.takeReady(c.readAheadKey, now);
                if (e != null) {
                    owed.decrementAndGet();
                    serveReadAhead(c, e, true);
                    continue;
                }
            }
            route(c, now);
        }
        Served sv;
        while ((sv = served.poll()) != null) {
            readAheadAfter(sv.request(), sv.response(), sv.clientId(), now);
        }
        if (!readAhead.entries.isEmpty()) {
            metrics.forwardReadAheadsUnused.add(readAhead.expire(now));
        }
        if (!awaitingMetadata.isEmpty()) {
            for (Call w : new ArrayList<>(awaitingMetadata)) {
                awaitingMetadata.remove(w);
                route(w, now);
            }
        }
        sendLookups(now);
        pump(now);
        long pollMs = 500;
        if (!awaitingMetadata.isEmpty() || !lookups.isEmpty()) {
            pollMs = 20;
        }
        int inUse = 0;
        int waiting = 0;
        for (Pool p : pools.values()) {
            for (List<Slot> slots : List.of(p.slots, p.immediateSlots)) {
                for (Slot s : slots) {
                    if (s.part != null) {
                        inUse++;
                        if (!s.sent) {
                            pollMs = 20; // connecting: looked at again soon
                        }
                    }
                }
            }
            for (Part q : p.queue) {
                waiting++;
                if (q.call.maxWaitMs > 0 && q.request instanceof FetchRequest) {
                    // its wait running out: answered with its probe's answer, or sent with max_wait_ms 0
                    pollMs = Math.min(pollMs, Math.max(0, q.call.arrivedMs + q.call.maxWaitMs - now));
                }
            }
            for (Part q : p.immediateQueue) {
                if (q.probe != PROBING) {
                    waiting++;
                }
            }
            if (!p.queue.isEmpty() || !p.immediateQueue.isEmpty()) {
                pollMs = Math.min(pollMs, 50); // queue-wait deadlines
            }
        }
        metrics.forwardConnectionsInUse.set(inUse);
        metrics.forwardWaiting.set(waiting);
        polling = true;
        if (!incoming.isEmpty() || !served.isEmpty() || stopping) {
            pollMs = 0;
        }
        try {
            client.poll(pollMs, now);
        } finally {
            polling = false;
        }
    }

    // ---- routing ----

    private void route(Call c, long now) {
        switch (c.api()) {
            case FETCH, LIST_OFFSETS -> routeByLeader(c, now);
            case LIST_GROUPS -> routeToAllBrokers(c, now);
            default -> routeToCoordinator(c, now);
        }
    }

    private void routeByLeader(Call c, long now) {
        Cluster view = metadata.fetch();
        List<String> missingTopics = new ArrayList<>();
        for (String topic : topicsOf(c)) {
            metadata.want(topic);
            metadata.add(topic, now);
        }
        for (TopicPartition tp : partitionsOf(c)) {
            if (view.leaderFor(tp) == null && !missingTopics.contains(tp.topic())) {
                missingTopics.add(tp.topic());
            }
        }
        if (!missingTopics.isEmpty() && now - c.arrivedMs < requestTimeoutMs) {
            if (c.metadataAskedVersion < 0) {
                for (String t : missingTopics) {
                    c.metadataAskedVersion = metadata.requestUpdateForTopic(t);
                }
                awaitingMetadata.add(c);
                return;
            }
            if (metadata.updateVersion() <= c.metadataAskedVersion) {
                awaitingMetadata.add(c);
                return;
            }
        }
        Map<Node, ApiMessage> split = new LinkedHashMap<>();
        if (c.request instanceof FetchRequest f) {
            split.putAll(ForwardMerge.splitFetch(f.data(), view::leaderFor, c.unrouted, tp -> noLeader(view, tp)));
        } else {
            ListOffsetsRequest l = (ListOffsetsRequest) c.request;
            split.putAll(ForwardMerge.splitListOffsets(l.data(), view::leaderFor, c.unrouted, tp -> noLeader(view, tp)));
        }
        // One leader: the request as it came (the merge still puts the answer in request order).
        if (split.size() == 1 && c.unrouted.isEmpty()) {
            Map.Entry<Node, ApiMessage> only = split.entrySet().iterator().next();
            dispatch(c, List.of(new Target(only.getKey(), c.request, null)), now);
            return;
        }
        List<Target> targets = new ArrayList<>();
        split.forEach((leader, data) -> targets.add(new Target(leader,
                ForwardMerge.request(c.api(), c.request.version(), data), null)));
        dispatch(c, targets, now);
    }

    /** Why a partition has no leader: the cluster does not have it, or its leader is unknown. */
    private Errors noLeader(Cluster view, TopicPartition tp) {
        Integer count = view.partitionCountForTopic(tp.topic());
        if ((count == null && metadata.getError(tp.topic()) == Errors.UNKNOWN_TOPIC_OR_PARTITION)
                || (count != null && tp.partition() >= count)) {
            if (count == null) {
                metadata.forget(tp.topic());
            }
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        metadata.requestUpdate(false);
        return Errors.NOT_LEADER_OR_FOLLOWER;
    }

    private void routeToAllBrokers(Call c, long now) {
        Cluster view = metadata.fetch();
        if (view.isBootstrapConfigured() || view.nodes().isEmpty()) {
            if (now - c.arrivedMs < requestTimeoutMs) {
                metadata.requestUpdate(false);
                awaitingMetadata.add(c);
                return;
            }
        }
        List<Target> targets = new ArrayList<>();
        if (!view.isBootstrapConfigured()) {
            for (Node n : view.nodes()) {
                targets.add(new Target(n, c.request, null));
            }
        }
        dispatch(c, targets, now);
    }

    private static List<String> groupsOf(Call c) {
        return switch (c.api()) {
            case JOIN_GROUP -> List.of(((JoinGroupRequest) c.request).data().groupId());
            case SYNC_GROUP -> List.of(((SyncGroupRequest) c.request).data().groupId());
            case HEARTBEAT -> List.of(((HeartbeatRequest) c.request).data().groupId());
            case LEAVE_GROUP -> List.of(((LeaveGroupRequest) c.request).data().groupId());
            case OFFSET_COMMIT -> List.of(((OffsetCommitRequest) c.request).data().groupId());
            case OFFSET_FETCH -> c.request.version() >= 8
                    ? ((OffsetFetchRequest) c.request).data().groups().stream().map(g -> g.groupId()).toList()
                    : List.of(((OffsetFetchRequest) c.request).data().groupId());
            case DESCRIBE_GROUPS -> ((DescribeGroupsRequest) c.request).data().groups();
            default -> List.of();
        };
    }

    private void routeToCoordinator(Call c, long now) {
        List<String> groupIds = groupsOf(c);
        boolean waiting = false;
        for (String g : groupIds) {
            if (c.coordinators.containsKey(g)) {
                continue;
            }
            Node known = coordinatorCache.get(g);
            if (known != null) {
                c.coordinators.put(g, new Coordinator(known, Errors.NONE));
                continue;
            }
            lookups.computeIfAbsent(g, x -> new Lookup(x, now)).waiters.add(c);
            waiting = true;
        }
        if (waiting) {
            return;
        }
        // Groups by coordinator, in request order; groups without one are answered by the merge.
        Map<Integer, List<String>> byNode = new LinkedHashMap<>();
        Map<Integer, Node> nodes = new HashMap<>();
        for (String g : groupIds) {
            Coordinator co = c.coordinators.get(g);
            if (co.node() != null) {
                byNode.computeIfAbsent(co.node().id(), x -> new ArrayList<>()).add(g);
                nodes.put(co.node().id(), co.node());
            }
        }
        if (byNode.size() == 1 && byNode.values().iterator().next().size() == groupIds.size()) {
            Map.Entry<Integer, List<String>> only = byNode.entrySet().iterator().next();
            dispatch(c, List.of(new Target(nodes.get(only.getKey()), c.request, only.getValue())), now);
            return;
        }
        List<Target> targets = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : byNode.entrySet()) {
            ApiMessage data;
            if (c.request instanceof DescribeGroupsRequest d) {
                data = ForwardMerge.describeGroupsPart(d.data(), e.getValue());
            } else {
                OffsetFetchRequestData of = ((OffsetFetchRequest) c.request).data();
                List<OffsetFetchRequestData.OffsetFetchRequestGroup> sub = new ArrayList<>();
                for (OffsetFetchRequestData.OffsetFetchRequestGroup g : of.groups()) {
                    if (e.getValue().contains(g.groupId())) {
                        sub.add(g);
                    }
                }
                data = ForwardMerge.offsetFetchPart(of, sub);
            }
            targets.add(new Target(nodes.get(e.getKey()), ForwardMerge.request(c.api(), c.request.version(), data),
                    e.getValue()));
        }
        dispatch(c, targets, now);
    }

    private record Target(Node broker, AbstractRequest request, List<String> groups) { }

    private void dispatch(Call c, List<Target> targets, long now) {
        c.remaining = targets.size();
        if (targets.isEmpty()) {
            finish(c);
            return;
        }
        for (Target t : targets) {
            Part p = new Part(c, t.request(), t.groups());
            p.queuedMs = now;
            c.parts.add(p);
            p.pool = pools.computeIfAbsent(t.broker().id(), id -> new Pool(t.broker()));
            (mayWait(p, now) ? p.pool.queue : p.pool.immediateQueue).add(p);
        }
    }

    // ---- coordinator lookups ----

    private void sendLookups(long now) {
        List<Lookup> expired = new ArrayList<>();
        for (Lookup l : lookups.values()) {
            if (l.sent || now < l.retryAtMs) {
                continue;
            }
            if (now - l.createdMs >= requestTimeoutMs) {
                expired.add(l);
                continue;
            }
            Node node = client.leastLoadedNode(now).node();
            if (node == null || !client.ready(node, now)) {
                continue; // ready() starts connecting; looked at again next round
            }
            FindCoordinatorRequest.Builder builder = new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id())
                    .setCoordinatorKeys(List.of(l.group)));
            client.send(client.newClientRequest(node.idString(), builder, now, true, requestTimeoutMs,
                    r -> lookupAnswered(l, r)), now);
            l.sent = true;
        }
        for (Lookup l : expired) {
            lookups.remove(l.group, l);
            lookupDone(l, new Coordinator(null, Errors.COORDINATOR_NOT_AVAILABLE), "no broker reachable");
        }
    }

    private void lookupAnswered(Lookup l, ClientResponse r) {
        long now = time.milliseconds();
        if (r.hasResponse() && r.versionMismatch() == null && r.responseBody() instanceof FindCoordinatorResponse f
                && notNow(f, l.group) && now - l.createdMs + COORDINATOR_RETRY_MS < Math.min(COORDINATOR_WAIT_MS, requestTimeoutMs)) {
            l.sent = false;
            l.retryAtMs = now + COORDINATOR_RETRY_MS;
            return;
        }
        lookups.remove(l.group, l);
        Coordinator co;
        String why = null;
        if (r.hasResponse() && r.versionMismatch() == null && r.responseBody() instanceof FindCoordinatorResponse f) {
            FindCoordinatorResponseData.Coordinator found = f.coordinatorByKey(l.group).orElse(null);
            Errors e = found == null ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.forCode(found.errorCode());
            if (e == Errors.NONE) {
                co = new Coordinator(new Node(found.nodeId(), found.host(), found.port()), Errors.NONE);
            } else {
                // COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS mean "not now";
                // others (GROUP_AUTHORIZATION_FAILED, INVALID_REQUEST, ...) are the cluster's answer.
                co = new Coordinator(null, e == Errors.COORDINATOR_LOAD_IN_PROGRESS ? Errors.COORDINATOR_NOT_AVAILABLE : e);
                why = e.name();
            }
        } else {
            co = new Coordinator(null, Errors.COORDINATOR_NOT_AVAILABLE);
            why = r.versionMismatch() != null ? "unsupported version" : "disconnected";
        }
        lookupDone(l, co, why);
    }

    /** The cluster has no coordinator for the group yet, but will (the lookup is asked again). */
    private static boolean notNow(FindCoordinatorResponse f, String group) {
        FindCoordinatorResponseData.Coordinator found = f.coordinatorByKey(group).orElse(null);
        if (found == null) {
            return false;
        }
        Errors e = Errors.forCode(found.errorCode());
        return e == Errors.COORDINATOR_NOT_AVAILABLE || e == Errors.COORDINATOR_LOAD_IN_PROGRESS;
    }

    private void lookupDone(Lookup l, Coordinator co, String why) {
        long now = time.milliseconds();
        if (co.node() != null) {
            Node old = coordinatorCache.put(l.group, co.node());
            if (old == null || old.id() != co.node().id()) {
                LOG.info("event=coordinator cluster={} group={} node={} address={}:{}", cluster, l.group, co.node().id(),
                        co.node().host(), co.node().port());
            }
        } else {
            LOG.warn("event=coordinator_unavailable cluster={} group={} error={} reason=\"{}\"", cluster, l.group,
                    co.error().name(), why);
        }
        for (Call c : l.waiters) {
            c.coordinators.put(l.group, co);
            routeToCoordinator(c, now);
        }
    }

    private void forgetCoordinator(String group, String why) {
        Node old = coordinatorCache.remove(group);
        if (old != null) {
            LOG.info("event=coordinator_lost cluster={} group={} node={} reason=\"{}\"", cluster, group, old.id(), why);
        }
    }

    // ---- the pools ----

    private void pump(long now) {
        for (Pool pool : pools.values()) {
            expire(pool, now);
            // Long-poll connections, in FIFO order (a part whose probe is in flight keeps its place).
            for (Iterator<Part> it = pool.queue.iterator(); it.hasNext(); ) {
                Part p = it.next();
                if (p.probe == PROBING) {
                    continue;
                }
                Slot s = pool.freeSlot(pool.slots, connectionsPerBroker, now);
                if (s == null) {
                    break;
                }
                it.remove();
                assign(s, p, false);
            }
            // No long-poll connection for them: a Fetch is first asked with max_wait_ms 0 on an
            // immediate connection (its probe), so that data is not kept waiting behind idle long polls.
            for (Part p : pool.queue) {
                if (p.probe == NONE && p.request instanceof FetchRequest) {
                    p.probe = PROBING;
                    pool.immediateQueue.add(p);
                }
            }
            while (!pool.immediateQueue.isEmpty()) {
                Slot s = pool.freeSlot(pool.immediateSlots, immediateConnectionsPerBroker, now);
                if (s == null) {
                    break;
                }
                Part p = pool.immediateQueue.poll();
                assign(s, p, p.probe == PROBING);
            }
            sendReady(pool, pool.slots, now);
            sendReady(pool, pool.immediateSlots, now);
        }
    }

    /**
     * Parts that waited for a connection longer than request.timeout.ms fail; parts of a stream
     * the filter closed are not sent; a waiting Fetch whose max_wait_ms ran out is answered with
     * its probe's (empty) answer, or without one goes on an immediate connection with max_wait_ms 0.
     */
    private void expire(Pool pool, long now) {
        for (Iterator<Part> it = pool.queue.iterator(); it.hasNext(); ) {
            Part p = it.next();
            if (p.probe == PROBING) {
                continue; // its probe's answer decides
            }
            if (p.call.abandoned.getAsBoolean()) {
                it.remove();
                failed(p, "stream closed", false);
            } else if (now - p.queuedMs >= requestTimeoutMs) {
                it.remove();
                failed(p, "waited " + (now - p.queuedMs) + " ms for a connection", false);
            } else if (p.request instanceof FetchRequest && p.waitLeft(now) == 0) {
                it.remove();
                if (p.fallback != null) {
                    p.response = p.fallback;
                    partDone(p);
                } else {
                    pool.immediateQueue.add(p);
                }
            }
        }
        for (Iterator<Part> it = pool.immediateQueue.iterator(); it.hasNext(); ) {
            Part p = it.next();
            if (p.probe == PROBING) {
                continue; // the part itself is in the long-poll queue
            }
            if (p.call.abandoned.getAsBoolean()) {
                it.remove();
                failed(p, "stream closed", false);
            } else if (now - p.queuedMs >= requestTimeoutMs) {
                it.remove();
                failed(p, "waited " + (now - p.queuedMs) + " ms for a connection", false);
            }
        }
    }

    private static void assign(Slot s, Part p, boolean probe) {
        s.part = p;
        s.probe = probe;
        s.sent = false;
    }

    private void sendReady(Pool pool, List<Slot> slots, long now) {
        for (Slot s : slots) {
            if (s.part == null || s.sent) {
                continue;
            }
            if (client.ready(s.node, now)) {
                send(s, now);
            } else if (client.connectionFailed(s.node) || now - s.part.queuedMs >= requestTimeoutMs) {
                Part p = s.part;
                s.part = null;
                if (s.probe) {
                    p.probe = PROBED; // no probe answer: the part waits for a long-poll connection
                } else {
                    failed(p, "connection to broker " + pool.brokerId + " failed", true);
                }
            }
        }
    }

    private void send(Slot s, long now) {
        Part p = s.part;
        int timeoutMs = requestTimeoutMs;
        AbstractRequest request = p.request;
        if (s.probe) {
            FetchRequest f = (FetchRequest) p.request;
            request = new FetchRequest(f.data().duplicate().setMaxWaitMs(0), f.version());
        } else if (p.request instanceof FetchRequest f) {
            // What is left of max_wait_ms after the time the request waited in the bridge.
            int maxWait = p.waitLeft(now);
            f.data().setMaxWaitMs(maxWait);
            timeoutMs += maxWait;
        } else if (p.request instanceof JoinGroupRequest j) {
            JoinGroupRequestData d = j.data();
            timeoutMs += j.version() >= 1 ? d.rebalanceTimeoutMs() : d.sessionTimeoutMs();
        }
        Fixed builder = new Fixed(request);
        boolean probe = s.probe;
        ClientRequest cr = new ClientRequest(s.node.idString(), builder, correlation++, p.call.header.clientId(),
                now, true, timeoutMs, r -> {
                    if (probe) {
                        probeAnswered(s, p, r);
                    } else {
                        answered(s, p, r);
                    }
                });
        client.send(cr, now);
        s.sent = true;
    }

    /** The request exactly as parsed (or split), at its own version and no other. */
    static final class Fixed extends AbstractRequest.Builder<AbstractRequest> {
        private final AbstractRequest request;

        Fixed(AbstractRequest request) {
            super(request.apiKey(), request.version(), request.version());
            this.request = request;
        }

        @Override
        public AbstractRequest build(short version) {
            return request;
        }

        @Override
        public String toString() {
            return request.toString();
        }
    }

    private void answered(Slot s, Part p, ClientResponse r) {
        if (s.part == p) {
            s.part = null;
        }
        if (r.versionMismatch() != null) {
            p.response = p.request.getErrorResponse(0, Errors.UNSUPPORTED_VERSION.exception());
            partDone(p);
            return;
        }
        if (!r.hasResponse() || r.wasDisconnected()) {
            failed(p, r.wasTimedOut() ? "timed out" : "disconnected", true);
            return;
        }
        p.response = r.responseBody();
        Map<Errors, Integer> errors = p.response.errorCounts();
        if (p.groups != null) {
            if (errors.containsKey(Errors.NOT_COORDINATOR) || errors.containsKey(Errors.COORDINATOR_NOT_AVAILABLE)) {
                for (String g : p.groups) {
                    forgetCoordinator(g, errors.containsKey(Errors.NOT_COORDINATOR) ? "NOT_COORDINATOR" : "COORDINATOR_NOT_AVAILABLE");
                }
            }
        } else if (errors.containsKey(Errors.NOT_LEADER_OR_FOLLOWER) || errors.containsKey(Errors.UNKNOWN_TOPIC_OR_PARTITION)
                || errors.containsKey(Errors.FENCED_LEADER_EPOCH) || errors.containsKey(Errors.LEADER_NOT_AVAILABLE)) {
            metadata.requestUpdate(false);
        }
        partDone(p);
    }

    /**
     * A probe's answer: with records, an error or anything else than "nothing yet" it is the
     * part's answer; empty, it is kept for when the part's wait runs out, and the part waits
     * on for a long-poll connection.
     */
    private void probeAnswered(Slot s, Part p, ClientResponse r) {
        if (s.part == p) {
            s.part = null;
        }
        p.probe = PROBED;
        if (r.versionMismatch() != null || !r.hasResponse() || r.wasDisconnected()
                || !(r.responseBody() instanceof FetchResponse f)) {
            return; // nothing learnt: the part waits for a long-poll connection as it would have
        }
        if (decisive(f)) {
            p.pool.queue.remove(p);
            answered(s, p, r);
            return;
        }
        p.fallback = f;
        if (p.waitLeft(time.milliseconds()) == 0) {
            p.pool.queue.remove(p);
            p.response = f;
            partDone(p);
        }
    }

    /** A Fetch answer a longer wait would not change: records, an error, a redirection. */
    static boolean decisive(FetchResponse f) {
        if (f.data().errorCode() != Errors.NONE.code()) {
            return true;
        }
        for (FetchResponseData.FetchableTopicResponse t : f.data().responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                if (p.errorCode() != Errors.NONE.code() || FetchResponse.recordsSize(p) > 0
                        || p.preferredReadReplica() >= 0 || p.divergingEpoch().epoch() >= 0
                        || p.snapshotId().epoch() >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private void failed(Part p, String why, boolean brokerFailed) {
        p.response = null;
        if (!brokerFailed) {
            // nothing learnt about the cluster
        } else if (p.groups != null) {
            for (String g : p.groups) {
                forgetCoordinator(g, why);
            }
        } else if (p.call.api() != ApiKeys.LIST_GROUPS) {
            metadata.requestUpdate(false);
        }
        LOG.debug("event=forward_failed cluster={} api={} reason=\"{}\"", cluster, p.call.api(), why);
        partDone(p);
    }

    private void partDone(Part p) {
        if (--p.call.remaining == 0) {
            finish(p.call);
        }
    }

    private void finish(Call c) {
        if (!c.internal) {
            owed.decrementAndGet();
        }
        AbstractResponse response;
        try {
            response = merge(c);
        } catch (RuntimeException e) {
            LOG.error("event=merge_failed cluster={} api={} error=\"{}\"", cluster, c.api(), e.toString(), e);
            response = c.request.getErrorResponse(0, Errors.UNKNOWN_SERVER_ERROR.exception());
        }
        if (c.internal) {
            c.done.accept(response);
            return;
        }
        long now = time.milliseconds();
        groups.observe(c.request, response, now);
        metrics.forwardAnswered(c.api(), response);
        if (readAhead.enabled() && c.request instanceof FetchRequest f && response instanceof FetchResponse fr) {
            readAheadAfter(f, fr, c.header.clientId(), now); // asked before this answer is written
        }
        c.done.accept(response);
    }

    // ---- read-ahead ----

    private record Served(FetchRequest request, FetchResponse response, String clientId) { }

    /** Answers a Fetch from its read-ahead (taken); on the IO thread or the caller's. */
    private void serveReadAhead(Call c, ReadAhead.Entry e, boolean ioThread) {
        FetchRequest f = (FetchRequest) c.request;
        FetchResponse response = ForwardMerge.mergeFetch(f.data(), List.of(e.response), Map.of());
        metrics.forwardReadAheadHits.increment();
        metrics.forwardAnswered(ApiKeys.FETCH, response);
        // The next read-ahead is asked before this answer is written.
        if (ioThread) {
            readAheadAfter(f, response, c.header.clientId(), time.milliseconds());
        } else {
            served.add(new Served(f, response, c.header.clientId()));
            if (polling) {
                client.wakeup();
            }
        }
        c.done.accept(response);
    }

    /** After request was answered with response: asks the Fetch the same consumer will ask next. */
    private void readAheadAfter(FetchRequest request, FetchResponse response, String clientId, long now) {
        ReadAhead.Entry e = readAhead.next(request, response, now);
        if (e == null) {
            return;
        }
        metrics.forwardReadAheads.increment();
        Call rc = new Call(new RequestHeader(ApiKeys.FETCH, e.request.version(), clientId, 0), e.request, now,
                r -> readAheadAnswered(e, r), () -> false);
        rc.internal = true;
        route(rc, now);
    }

    private void readAheadAnswered(ReadAhead.Entry e, AbstractResponse r) {
        long now = time.milliseconds();
        List<Call> waiters = new ArrayList<>(e.waiters);
        e.waiters.clear();
        if (!(r instanceof FetchResponse f) || !ReadAhead.servable(f)) {
            readAhead.remove(e); // empty or an error: Fetches for it go the normal way
            for (Call w : waiters) {
                route(w, now);
            }
            return;
        }
        e.response = f;
        e.expiresMs = now + readAhead.keepMs;
        e.done = true;
        for (Call w : waiters) {
            ReadAhead.Entry taken = readAhead.takeReady(e.key, now);
            if (taken != null) {
                owed.decrementAndGet();
                serveReadAhead(w, taken, true);
            } else {
                route(w, now);
            }
        }
    }

    /** The answer to a call from its parts' answers. */
    static AbstractResponse merge(Call c) {
        List<AbstractResponse> answers = new ArrayList<>(c.parts.size());
        for (Part p : c.parts) {
            answers.add(p.response);
        }
        boolean whole = c.parts.size() == 1 && c.parts.get(0).request == c.request;
        // Fetch and ListOffsets are always rebuilt in request order (a broker answers in its own).
        boolean byPartition = c.api() == ApiKeys.FETCH || c.api() == ApiKeys.LIST_OFFSETS;
        if (whole && answers.get(0) != null && !byPartition) {
            return answers.get(0);
        }
        short version = c.request.version();
        switch (c.api()) {
            case FETCH:
                return ForwardMerge.mergeFetch(((FetchRequest) c.request).data(), answers, c.unrouted);
            case LIST_OFFSETS:
                return ForwardMerge.mergeListOffsets(((ListOffsetsRequest) c.request).data(), answers, c.unrouted);
            case LIST_GROUPS:
                return ForwardMerge.mergeListGroups(answers);
            case DESCRIBE_GROUPS:
                return ForwardMerge.mergeDescribeGroups(((DescribeGroupsRequest) c.request).data(), answers,
                        g -> groupError(c, g));
            case OFFSET_FETCH:
                if (version >= 8) {
                    return ForwardMerge.mergeOffsetFetch(((OffsetFetchRequest) c.request).data(), version, answers,
                            g -> groupError(c, g));
                }
                // fall through: one group
            default:
                Errors e = Errors.COORDINATOR_NOT_AVAILABLE;
                for (String g : groupsOf(c)) {
                    e = groupError(c, g);
                }
                return c.request.getErrorResponse(0, e.exception());
        }
    }

    private static Errors groupError(Call c, String group) {
        Coordinator co = c.coordinators.get(group);
        return co != null && co.error() != Errors.NONE ? co.error() : Errors.COORDINATOR_NOT_AVAILABLE;
    }

    private static List<String> topicsOf(Call c) {
        List<String> out = new ArrayList<>();
        if (c.request instanceof FetchRequest f) {
            for (FetchRequestData.FetchTopic t : f.data().topics()) {
                out.add(t.topic());
            }
        } else if (c.request instanceof ListOffsetsRequest l) {
            for (ListOffsetsRequestData.ListOffsetsTopic t : l.data().topics()) {
                out.add(t.name());
            }
        }
        return out;
    }

    private static List<TopicPartition> partitionsOf(Call c) {
        List<TopicPartition> out = new ArrayList<>();
        if (c.request instanceof FetchRequest f) {
            for (FetchRequestData.FetchTopic t : f.data().topics()) {
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    out.add(new TopicPartition(t.topic(), p.partition()));
                }
            }
        } else if (c.request instanceof ListOffsetsRequest l) {
            for (ListOffsetsRequestData.ListOffsetsTopic t : l.data().topics()) {
                for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                    out.add(new TopicPartition(t.name(), p.partitionIndex()));
                }
            }
        }
        return out;
    }

    /** For tests: the fetch bytes of a response. */
    static long recordBytes(AbstractResponse r) {
        long n = 0;
        if (r instanceof FetchResponse f) {
            for (var t : f.data().responses()) {
                for (var p : t.partitions()) {
                    n += FetchResponse.recordsSize(p);
                }
            }
        }
        return n;
    }
}
