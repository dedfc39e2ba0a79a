package mesh.bridge;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Splitting a forwarded request into the parts sent to different brokers, and merging the parts'
 * answers into one response at the request's version: every partition (or group) of the request
 * answered once, in the request's order. Only Kafka's own message classes are used; records stay
 * the buffers the network client read.
 */
final class ForwardMerge {
    private ForwardMerge() { }

    /** Builds the request object for data at a version (serialized and parsed back: requests are small). */
    static AbstractRequest request(ApiKeys api, short version, ApiMessage data) {
        if (data instanceof FetchRequestData f) {
            return new FetchRequest(f, version);
        }
        ByteBufferAccessor bytes = MessageUtil.toByteBufferAccessor(data, version);
        return AbstractRequest.parseRequest(api, version, bytes).request;
    }

    /** Response header and body at the version of the request, as one array. */
    static byte[] encode(ApiKeys api, short version, int correlationId, ApiMessage body) {
        return new ForwardAnswer(api, version, correlationId, body).toBytes();
    }

    // ---- Fetch ----

    /** The request's partitions grouped by the key (leader) the function gives; null key = no leader. */
    static <K> Map<K, FetchRequestData> splitFetch(FetchRequestData req, Function<TopicPartition, K> leader,
                                                    Map<TopicPartition, Errors> unrouted, Function<TopicPartition, Errors> why) {
        Map<K, FetchRequestData> out = new LinkedHashMap<>();
        for (FetchRequestData.FetchTopic t : req.topics()) {
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.topic(), p.partition());
                K k = leader.apply(tp);
                if (k == null) {
                    unrouted.put(tp, why.apply(tp));
                    continue;
                }
                FetchRequestData part = out.computeIfAbsent(k, x -> fetchShell(req));
                List<FetchRequestData.FetchTopic> topics = part.topics();
                FetchRequestData.FetchTopic last = topics.isEmpty() ? null : topics.get(topics.size() - 1);
                if (last == null || !last.topic().equals(t.topic())) {
                    last = new FetchRequestData.FetchTopic().setTopic(t.topic()).setTopicId(t.topicId());
                    topics.add(last);
                }
                last.partitions().add(p);
            }
        }
        return out;
    }

    private static FetchRequestData fetchShell(FetchRequestData req) {
        return new FetchRequestData()
                .setClusterId(req.clusterId())
                .setReplicaId(req.replicaId())
                .setReplicaState(req.replicaState())
                .setMaxWaitMs(req.maxWaitMs())
                .setMinBytes(req.minBytes())
                .setMaxBytes(req.maxBytes())
                .setIsolationLevel(req.isolationLevel())
                .setSessionId(req.sessionId())
                .setSessionEpoch(req.sessionEpoch())
                .setRackId(req.rackId())
                .setTopics(new ArrayList<>());
    }

    /**
     * Every requested partition once, in request order; one not in any answer gets its error (its
     * routing error, else a part's top-level error, else NOT_LEADER_OR_FOLLOWER). The merged
     * response's top-level error is NONE: a Java consumer drops a whole response with a
     * top-level error, and the partitions carry the errors.
     */
    static FetchResponse mergeFetch(FetchRequestData req, List<AbstractResponse> parts, Map<TopicPartition, Errors> errors) {
        Map<TopicPartition, FetchResponseData.PartitionData> answered = new HashMap<>();
        int throttle = 0;
        Errors topLevel = Errors.NOT_LEADER_OR_FOLLOWER; // for a partition no answer carries
        for (AbstractResponse r : parts) {
            if (r == null) {
                continue;
            }
            FetchResponseData d = ((FetchResponse) r).data();
            throttle = Math.max(throttle, d.throttleTimeMs());
            if (d.errorCode() != Errors.NONE.code()) {
                topLevel = Errors.forCode(d.errorCode());
            }
            for (FetchResponseData.FetchableTopicResponse t : d.responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) {
                    answered.putIfAbsent(new TopicPartition(t.topic(), p.partitionIndex()), p);
                }
            }
        }
        List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>(req.topics().size());
        for (FetchRequestData.FetchTopic t : req.topics()) {
            FetchResponseData.FetchableTopicResponse rt = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(t.topic()).setTopicId(t.topicId());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.topic(), p.partition());
                FetchResponseData.PartitionData pd = answered.get(tp);
                if (pd == null) {
                    pd = FetchResponse.partitionResponse(p.partition(), errors.getOrDefault(tp, topLevel));
                }
                rt.partitions().add(pd);
            }
            topics.add(rt);
        }
        return FetchResponse.of(new FetchResponseData()
                .setThrottleTimeMs(throttle)
                .setErrorCode(Errors.NONE.code())
                .setSessionId(req.sessionId())
                .setResponses(topics));
    }

    // ---- ListOffsets ----

    static <K> Map<K, ListOffsetsRequestData> splitListOffsets(ListOffsetsRequestData req, Function<TopicPartition, K> leader,
                                                                Map<TopicPartition, Errors> unrouted,
                                                                Function<TopicPartition, Errors> why) {
        Map<K, ListOffsetsRequestData> out = new LinkedHashMap<>();
        for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                K k = leader.apply(tp);
                if (k == null) {
                    unrouted.put(tp, why.apply(tp));
                    continue;
                }
                ListOffsetsRequestData part = out.computeIfAbsent(k, x -> new ListOffsetsRequestData()
                        .setReplicaId(req.replicaId())
                        .setIsolationLevel(req.isolationLevel())
                        .setTimeoutMs(req.timeoutMs())
                        .setTopics(new ArrayList<>()));
                List<ListOffsetsRequestData.ListOffsetsTopic> topics = part.topics();
                ListOffsetsRequestData.ListOffsetsTopic last = topics.isEmpty() ? null : topics.get(topics.size() - 1);
                if (last == null || !last.name().equals(t.name())) {
                    last = new ListOffsetsRequestData.ListOffsetsTopic().setName(t.name());
                    topics.add(last);
                }
                last.partitions().add(p);
            }
        }
        return out;
    }

    static ListOffsetsResponse mergeListOffsets(ListOffsetsRequestData req, List<AbstractResponse> parts,
                                                Map<TopicPartition, Errors> errors) {
        Map<TopicPartition, ListOffsetsResponseData.ListOffsetsPartitionResponse> answered = new HashMap<>();
        int throttle = 0;
        for (AbstractResponse r : parts) {
            if (r == null) {
                continue;
            }
            ListOffsetsResponseData d = ((ListOffsetsResponse) r).data();
            throttle = Math.max(throttle, d.throttleTimeMs());
            for (ListOffsetsResponseData.ListOffsetsTopicResponse t : d.topics()) {
                for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                    answered.putIfAbsent(new TopicPartition(t.name(), p.partitionIndex()), p);
                }
            }
        }
        List<ListOffsetsResponseData.ListOffsetsTopicResponse> topics = new ArrayList<>(req.topics().size());
        for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse rt = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                    .setName(t.name());
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                ListOffsetsResponseData.ListOffsetsPartitionResponse pr = answered.get(tp);
                if (pr == null) {
                    pr = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(errors.getOrDefault(tp, Errors.NOT_LEADER_OR_FOLLOWER).code())
                            .setOffset(ListOffsetsResponse.UNKNOWN_OFFSET)
                            .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP);
                }
                rt.partitions().add(pr);
            }
            topics.add(rt);
        }
        return new ListOffsetsResponse(new ListOffsetsResponseData().setThrottleTimeMs(throttle).setTopics(topics));
    }

    // ---- DescribeGroups, OffsetFetch (v8+), ListGroups ----

    static DescribeGroupsRequestData describeGroupsPart(DescribeGroupsRequestData req, List<String> groups) {
        return new DescribeGroupsRequestData().setGroups(new ArrayList<>(groups))
                .setIncludeAuthorizedOperations(req.includeAuthorizedOperations());
    }

    static DescribeGroupsResponse mergeDescribeGroups(DescribeGroupsRequestData req, List<AbstractResponse> parts,
                                                      Function<String, Errors> error) {
        Map<String, DescribeGroupsResponseData.DescribedGroup> answered = new HashMap<>();
        int throttle = 0;
        for (AbstractResponse r : parts) {
            if (r == null) {
                continue;
            }
            DescribeGroupsResponseData d = ((DescribeGroupsResponse) r).data();
            throttle = Math.max(throttle, d.throttleTimeMs());
            for (DescribeGroupsResponseData.DescribedGroup g : d.groups()) {
                answered.putIfAbsent(g.groupId(), g);
            }
        }
        DescribeGroupsResponseData out = new DescribeGroupsResponseData().setThrottleTimeMs(throttle);
        for (String g : req.groups()) {
            DescribeGroupsResponseData.DescribedGroup dg = answered.get(g);
            out.groups().add(dg != null ? dg : DescribeGroupsResponse.groupError(g, error.apply(g)));
        }
        return new DescribeGroupsResponse(out);
    }

    static OffsetFetchRequestData offsetFetchPart(OffsetFetchRequestData req, List<OffsetFetchRequestData.OffsetFetchRequestGroup> groups) {
        return new OffsetFetchRequestData().setRequireStable(req.requireStable()).setGroups(new ArrayList<>(groups));
    }

    static OffsetFetchResponse mergeOffsetFetch(OffsetFetchRequestData req, short version, List<AbstractResponse> parts,
                                                Function<String, Errors> error) {
        Map<String, OffsetFetchResponseData.OffsetFetchResponseGroup> answered = new HashMap<>();
        int throttle = 0;
        for (AbstractResponse r : parts) {
            if (r == null) {
                continue;
            }
            OffsetFetchResponseData d = ((OffsetFetchResponse) r).data();
            throttle = Math.max(throttle, d.throttleTimeMs());
            for (OffsetFetchResponseData.OffsetFetchResponseGroup g : d.groups()) {
                answered.putIfAbsent(g.groupId(), g);
            }
        }
        OffsetFetchResponseData out = new OffsetFetchResponseData().setThrottleTimeMs(throttle);
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : req.groups()) {
            OffsetFetchResponseData.OffsetFetchResponseGroup rg = answered.get(g.groupId());
            out.groups().add(rg != null ? rg : OffsetFetchResponse.groupError(g, error.apply(g.groupId()), version));
        }
        return new OffsetFetchResponse(out, version);
    }

    /**
     * Every broker's groups, once each. A broker that failed or answered an error makes the whole
     * answer carry that error (COORDINATOR_NOT_AVAILABLE for one that could not be asked): Kafka's
     * Admin retries a broker on COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS rather
     * than report a partial list; the groups the other brokers gave are still listed.
     */
    static ListGroupsResponse mergeListGroups(List<AbstractResponse> parts) {
        ListGroupsResponseData out = new ListGroupsResponseData();
        Map<String, Boolean> seen = new HashMap<>();
        Errors error = Errors.NONE;
        int throttle = 0;
        for (AbstractResponse r : parts) {
            if (r == null) {
                if (error == Errors.NONE) {
                    error = Errors.COORDINATOR_NOT_AVAILABLE;
                }
                continue;
            }
            ListGroupsResponseData d = ((ListGroupsResponse) r).data();
            throttle = Math.max(throttle, d.throttleTimeMs());
            if (d.errorCode() != Errors.NONE.code() && error == Errors.NONE) {
                error = Errors.forCode(d.errorCode());
            }
            for (ListGroupsResponseData.ListedGroup g : d.groups()) {
                if (seen.putIfAbsent(g.groupId(), Boolean.TRUE) == null) {
                    out.groups().add(g);
                }
            }
        }
        return new ListGroupsResponse(out.setThrottleTimeMs(throttle).setErrorCode(error.code()));
    }
}
