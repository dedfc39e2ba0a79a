// Builds Kafka protocol messages with Kafka's own generated message classes
// (org.apache.kafka.common.message, kafka-clients) and prints them as an
// AssemblyScript module of byte vectors for tests/unit/messages*.spec.ts.
//
// Every vector is a (message, version, variant) triple. The as-pect suite builds
// the same variant with the AssemblyScript codec and compares bytes and fields,
// so the values below must match tests/unit/messages.builders.ts.
//
// Usage: java -cp kafka-clients.jar:. MessageVectors > tests/fixtures/messages/vectors.ts

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.MemoryRecords;

public class MessageVectors {
    static final Uuid TOPIC_ID_1 = new Uuid(0x0102030405060708L, 0x090a0b0c0d0e0f10L);
    static final Uuid TOPIC_ID_2 = new Uuid(0xf0e0d0c0b0a09080L, 0x7060504030201000L);

    // A record batch as a producer would send it (magic 2, one record, no compression).
    // Written out byte by byte so the same payload is available to the AssemblyScript side.
    static final byte[] RECORDS = hexToBytes(
        "0000000000000000" + "00000046" + "00000000" + "02" + "00000000" + "0000" + "00000000"
        + "0000018bcfe56800" + "0000018bcfe56800" + "ffffffffffffffff" + "ffff" + "ffffffff"
        + "00000001"
        + "28" + "00" + "00" + "00" + "06" + "6b3031" + "1a" + "68c3a96c6c6f2c20776f726c64" + "00");

    static final class Vec {
        final String message; final short version; final String variant; final String description;
        final byte[] bytes; final byte[] reencoded;
        Vec(String message, short version, String variant, String description, byte[] bytes, byte[] reencoded) {
            this.message = message; this.version = version; this.variant = variant;
            this.description = description; this.bytes = bytes; this.reencoded = reencoded;
        }
    }

    static final List<Vec> VECS = new ArrayList<>();

    static byte[] encode(Message m, short v) {
        ByteBuffer buf = MessageUtil.toByteBufferAccessor(m, v).buffer();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    static void add(String message, int version, String variant, String description, Message m) {
        short v = (short) version;
        byte[] b = encode(m, v);
        VECS.add(new Vec(message, v, variant, description, b, b));
    }

    /** A vector carrying an unknown tagged field: decoders skip it, so it re-encodes without it. */
    static void addWithUnknownTag(String message, int version, String variant, String description, Message m) {
        short v = (short) version;
        byte[] without = encode(m, v);
        m.unknownTaggedFields().add(new RawTaggedField(99, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
        byte[] with = encode(m, v);
        VECS.add(new Vec(message, v, variant, description + ", plus an unknown tagged field 99", with, without));
    }

    // ---- RequestHeader / ResponseHeader

    static RequestHeaderData requestHeader(int v, boolean nullClient) {
        RequestHeaderData h = new RequestHeaderData()
            .setRequestApiKey((short) 0).setRequestApiVersion((short) 11).setCorrelationId(123456789);
        if (v >= 1) h.setClientId(nullClient ? null : "producer-\u00e9\u6f22");
        return h;
    }

    // ---- ApiVersions

    static ApiVersionsRequestData apiVersionsRequest(int v) {
        ApiVersionsRequestData d = new ApiVersionsRequestData();
        if (v >= 3) d.setClientSoftwareName("librdkafka-\u00fc").setClientSoftwareVersion("2.3.0");
        return d;
    }

    static ApiVersionsResponseData apiVersionsResponse(int v, boolean full) {
        ApiVersionsResponseData d = new ApiVersionsResponseData();
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 0).setMinVersion((short) 3).setMaxVersion((short) 13));
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 3).setMinVersion((short) 0).setMaxVersion((short) 13));
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 18).setMinVersion((short) 0).setMaxVersion((short) 4));
        d.setApiKeys(keys);
        if (!full) return d;
        d.setErrorCode((short) 35);
        if (v >= 1) d.setThrottleTimeMs(250);
        if (v >= 3) {
            ApiVersionsResponseData.SupportedFeatureKeyCollection sf = new ApiVersionsResponseData.SupportedFeatureKeyCollection();
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("metadata.version").setMinVersion((short) 1).setMaxVersion((short) 27));
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("kraft.version").setMinVersion((short) 0).setMaxVersion((short) 1));
            d.setSupportedFeatures(sf);
            d.setFinalizedFeaturesEpoch(77L);
            ApiVersionsResponseData.FinalizedFeatureKeyCollection ff = new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
            ff.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName("metadata.version").setMaxVersionLevel((short) 27).setMinVersionLevel((short) 26));
            d.setFinalizedFeatures(ff);
            d.setZkMigrationReady(true);
        }
        return d;
    }

    // ---- Metadata

    static MetadataRequestData metadataRequest(int v, String variant) {
        MetadataRequestData d = new MetadataRequestData();
        switch (variant) {
            case "all-topics": d.setTopics(null); break;
            case "null-name": {
                List<MetadataRequestData.MetadataRequestTopic> t = new ArrayList<>();
                t.add(new MetadataRequestData.MetadataRequestTopic().setTopicId(TOPIC_ID_1).setName(null));
                d.setTopics(t);
                break;
            }
            default: {
                List<MetadataRequestData.MetadataRequestTopic> t = new ArrayList<>();
                MetadataRequestData.MetadataRequestTopic a = new MetadataRequestData.MetadataRequestTopic().setName("app-orders");
                if (v >= 10) a.setTopicId(TOPIC_ID_1);
                t.add(a);
                t.add(new MetadataRequestData.MetadataRequestTopic().setName("b-\u00fcnic\u00f8de-\ud83d\ude00"));
                d.setTopics(t);
                if (v >= 4) d.setAllowAutoTopicCreation(false);
                if (v >= 8 && v <= 10) d.setIncludeClusterAuthorizedOperations(true);
                if (v >= 8) d.setIncludeTopicAuthorizedOperations(true);
            }
        }
        return d;
    }

    static MetadataResponseData metadataResponse(int v, String variant) {
        MetadataResponseData d = new MetadataResponseData();
        if (variant.equals("empty")) return d;
        if (v >= 3) d.setThrottleTimeMs(100);
        MetadataResponseData.MetadataResponseBrokerCollection brokers = new MetadataResponseData.MetadataResponseBrokerCollection();
        MetadataResponseData.MetadataResponseBroker b1 = new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("127.0.0.1").setPort(19092);
        if (v >= 1) b1.setRack("rack-\u00e5");
        brokers.add(b1);
        brokers.add(new MetadataResponseData.MetadataResponseBroker().setNodeId(2).setHost("envoy.local").setPort(19093).setRack(null));
        d.setBrokers(brokers);
        if (v >= 2) d.setClusterId("mesh-cluster");
        if (v >= 1) d.setControllerId(1);
        MetadataResponseData.MetadataResponseTopicCollection topics = new MetadataResponseData.MetadataResponseTopicCollection();
        MetadataResponseData.MetadataResponseTopic t1 = new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 0).setName("app-orders");
        if (v >= 10) t1.setTopicId(TOPIC_ID_1);
        MetadataResponseData.MetadataResponsePartition p0 = new MetadataResponseData.MetadataResponsePartition()
            .setErrorCode((short) 0).setPartitionIndex(0).setLeaderId(1)
            .setReplicaNodes(Arrays.asList(1, 2)).setIsrNodes(Arrays.asList(1));
        if (v >= 7) p0.setLeaderEpoch(7);
        if (v >= 5) p0.setOfflineReplicas(Arrays.asList(2));
        MetadataResponseData.MetadataResponsePartition p1 = new MetadataResponseData.MetadataResponsePartition()
            .setErrorCode((short) 9).setPartitionIndex(1).setLeaderId(-1)
            .setReplicaNodes(new ArrayList<>()).setIsrNodes(new ArrayList<>());
        t1.setPartitions(Arrays.asList(p0, p1));
        if (v >= 8) t1.setTopicAuthorizedOperations(0x0ff8);
        topics.add(t1);
        MetadataResponseData.MetadataResponseTopic t2 = new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 3).setName("cherries");
        if (v >= 1) t2.setIsInternal(true);
        topics.add(t2);
        if (variant.equals("null-name")) {
            MetadataResponseData.MetadataResponseTopic t3 = new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 100).setName(null).setTopicId(TOPIC_ID_2);
            topics.add(t3);
        }
        d.setTopics(topics);
        if (v >= 8 && v <= 10) d.setClusterAuthorizedOperations(1234);
        if (v >= 13) d.setErrorCode((short) 41);
        return d;
    }

    // ---- Produce

    static ProduceRequestData produceRequest(int v, String variant) {
        ProduceRequestData d = new ProduceRequestData();
        if (variant.equals("minimal")) return d.setTransactionalId(null).setAcks((short) 1).setTimeoutMs(1500);
        d.setTransactionalId("tx-\u03bb").setAcks((short) -1).setTimeoutMs(30000);
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceData t1 = new ProduceRequestData.TopicProduceData();
        ProduceRequestData.TopicProduceData t2 = new ProduceRequestData.TopicProduceData();
        if (v >= 13) { t1.setTopicId(TOPIC_ID_1); t2.setTopicId(TOPIC_ID_2); }
        else { t1.setName("app-events"); t2.setName("b-\u00fcn\u00ef"); }
        t1.setPartitionData(Arrays.asList(
            new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.readableRecords(ByteBuffer.wrap(RECORDS))),
            new ProduceRequestData.PartitionProduceData().setIndex(4).setRecords(null)));
        topics.add(t1);
        topics.add(t2);
        d.setTopicData(topics);
        return d;
    }

    static ProduceResponseData produceResponse(int v, String variant) {
        ProduceResponseData d = new ProduceResponseData();
        if (variant.equals("minimal")) return d;
        ProduceResponseData.TopicProduceResponseCollection responses = new ProduceResponseData.TopicProduceResponseCollection();
        ProduceResponseData.TopicProduceResponse t = new ProduceResponseData.TopicProduceResponse();
        if (v >= 13) t.setTopicId(TOPIC_ID_1); else t.setName("app-events");
        ProduceResponseData.PartitionProduceResponse p = new ProduceResponseData.PartitionProduceResponse()
            .setIndex(2).setErrorCode((short) 0).setBaseOffset(1234567890123L)
            .setLogAppendTimeMs(1700000000000L);
        if (v >= 5) p.setLogStartOffset(42L);
        if (v >= 8) {
            p.setRecordErrors(Arrays.asList(
                new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(3).setBatchIndexErrorMessage("bad record \u2603"),
                new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(7).setBatchIndexErrorMessage(null)));
            p.setErrorMessage("partial failure");
        }
        if (v >= 10) p.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(5).setLeaderEpoch(9));
        ProduceResponseData.PartitionProduceResponse p2 = new ProduceResponseData.PartitionProduceResponse()
            .setIndex(3).setErrorCode((short) 6).setBaseOffset(-1L);
        t.setPartitionResponses(Arrays.asList(p, p2));
        responses.add(t);
        d.setResponses(responses);
        d.setThrottleTimeMs(250);
        if (v >= 10) {
            ProduceResponseData.NodeEndpointCollection eps = new ProduceResponseData.NodeEndpointCollection();
            eps.add(new ProduceResponseData.NodeEndpoint().setNodeId(5).setHost("broker-5.example").setPort(9093).setRack("rack-b"));
            eps.add(new ProduceResponseData.NodeEndpoint().setNodeId(6).setHost("h6").setPort(9094).setRack(null));
            d.setNodeEndpoints(eps);
        }
        return d;
    }

    // ---- InitProducerId

    static InitProducerIdRequestData initProducerIdRequest(int v, String variant) {
        InitProducerIdRequestData d = new InitProducerIdRequestData().setTransactionTimeoutMs(60000);
        d.setTransactionalId(variant.equals("idempotent") ? null : "txn-\u00df");
        if (v >= 3) d.setProducerId(1000L).setProducerEpoch((short) 5);
        if (v >= 6) d.setEnable2Pc(true).setKeepPreparedTxn(true);
        return d;
    }

    static InitProducerIdResponseData initProducerIdResponse(int v) {
        InitProducerIdResponseData d = new InitProducerIdResponseData()
            .setThrottleTimeMs(20).setErrorCode((short) 51).setProducerId(4000L).setProducerEpoch((short) 2);
        if (v >= 6) d.setOngoingTxnProducerId(3999L).setOngoingTxnProducerEpoch((short) 1);
        return d;
    }

    public static void main(String[] args) {
        // RequestHeaderData only covers header versions 1-2 (v0, without a client id, is
        // special-cased elsewhere in Kafka), so v0 is left to the round-trip tests.
        for (int v = 1; v <= 2; v++) {
            add("RequestHeader", v, "full", "request header, client id set", requestHeader(v, false));
            add("RequestHeader", v, "null-client", "request header, null client id", requestHeader(v, true));
        }
        for (int v = 0; v <= 1; v++) {
            add("ResponseHeader", v, "full", "response header", new ResponseHeaderData().setCorrelationId(-7));
        }
        for (int v = 0; v <= 4; v++) {
            add("ApiVersionsRequest", v, "full", "client software name and version where they exist", apiVersionsRequest(v));
            add("ApiVersionsResponse", v, "full", "error, three api keys, throttle, features (tagged)", apiVersionsResponse(v, true));
            add("ApiVersionsResponse", v, "keys-only", "three api keys, everything else default", apiVersionsResponse(v, false));
        }
        addWithUnknownTag("ApiVersionsRequest", 3, "full", "client software name and version", apiVersionsRequest(3));
        addWithUnknownTag("ApiVersionsResponse", 3, "full", "error, three api keys, throttle, features", apiVersionsResponse(3, true));
        for (int v = 0; v <= 13; v++) {
            add("MetadataRequest", v, "full", "two topics (unicode name), flags where they exist", metadataRequest(v, "full"));
            if (v >= 1) add("MetadataRequest", v, "all-topics", "null topic list (all topics)", metadataRequest(v, "all-topics"));
            if (v >= 10) add("MetadataRequest", v, "null-name", "topic by id with a null name", metadataRequest(v, "null-name"));
            add("MetadataResponse", v, "full", "two brokers, two topics with partitions", metadataResponse(v, "full"));
            add("MetadataResponse", v, "empty", "all defaults", metadataResponse(v, "empty"));
            if (v >= 12) add("MetadataResponse", v, "null-name", "plus a topic with a null name", metadataResponse(v, "null-name"));
        }
        for (int v = 3; v <= 13; v++) {
            add("ProduceRequest", v, "full", "transactional, two topics, a record batch and null records", produceRequest(v, "full"));
            add("ProduceRequest", v, "minimal", "null transactional id, no topics", produceRequest(v, "minimal"));
            add("ProduceResponse", v, "full", "two partitions, record errors, leader and endpoints (tagged)", produceResponse(v, "full"));
            add("ProduceResponse", v, "minimal", "all defaults", produceResponse(v, "minimal"));
        }
        addWithUnknownTag("ProduceResponse", 10, "full", "two partitions, record errors, leader and endpoints", produceResponse(10, "full"));
        for (int v = 0; v <= 6; v++) {
            add("InitProducerIdRequest", v, "transactional", "transactional id and every field that exists", initProducerIdRequest(v, "transactional"));
            add("InitProducerIdRequest", v, "idempotent", "null transactional id", initProducerIdRequest(v, "idempotent"));
            add("InitProducerIdResponse", v, "full", "every field that exists", initProducerIdResponse(v));
        }
        print();
    }

    static void print() {
        StringBuilder s = new StringBuilder();
        s.append("// Generated by codegen/vectors/generate.sh with Kafka's own message classes (kafka-clients ")
         .append(kafkaVersion()).append("); do not edit.\n");
        s.append("// Source: codegen/vectors/MessageVectors.java.\n\n");
        s.append("export class MessageVector {\n");
        s.append("  constructor(\n    public message: string,\n    public version: i16,\n    public variant: string,\n");
        s.append("    public description: string,\n    /** Kafka's encoding. */\n    public hex: string,\n");
        s.append("    /** What re-encoding the decoded message must give (differs only when unknown tags are dropped). */\n");
        s.append("    public reencodedHex: string,\n  ) {}\n}\n\n");
        s.append("/** The record batch carried by the ProduceRequest vectors. */\n");
        s.append("export const RECORDS_HEX = \"").append(hex(RECORDS)).append("\";\n\n");
        s.append("export const MESSAGE_VECTORS: Array<MessageVector> = [\n");
        for (Vec v : VECS) {
            s.append("  new MessageVector(\"").append(v.message).append("\", ").append(v.version).append(", \"")
             .append(v.variant).append("\", \"").append(v.description).append("\",\n    \"")
             .append(hex(v.bytes)).append("\",\n    \"").append(hex(v.reencoded)).append("\"),\n");
        }
        s.append("];\n\n");
        // Kafka's own table of API keys and header versions, to check api_keys.ts against.
        s.append("export class JavaApiKey {\n  constructor(\n    public name: string,\n    public apiKey: i16,\n");
        s.append("    public lowest: i16,\n    public highest: i16,\n    public latestVersionUnstable: bool,\n");
        s.append("    /** requestHeaderVersion(v), responseHeaderVersion(v) for v = lowest..highest; empty when Kafka refuses the key. */\n");
        s.append("    public headerVersions: Array<i16>,\n  ) {}\n}\n\n");
        s.append("export const JAVA_API_KEYS: Array<JavaApiKey> = [\n");
        for (ApiMessageType t : ApiMessageType.values()) {
            short lo = t.lowestSupportedVersion();
            short hi = t.highestSupportedVersion(true);
            StringBuilder hv = new StringBuilder();
            try {
                for (short v = lo; v <= hi; v++) {
                    if (hv.length() > 0) hv.append(", ");
                    hv.append(t.requestHeaderVersion(v)).append(", ").append(t.responseHeaderVersion(v));
                }
            } catch (UnsupportedVersionException e) {
                hv.setLength(0);
            }
            s.append("  new JavaApiKey(\"").append(t.name).append("\", ").append(t.apiKey()).append(", ")
             .append(lo).append(", ").append(hi).append(", ").append(t.latestVersionUnstable()).append(", [")
             .append(hv).append("]),\n");
        }
        s.append("];\n");
        System.out.print(s);
    }

    /** The kafka-clients version, read from the jar (AppInfoParser would need slf4j). */
    static String kafkaVersion() {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = MessageVectors.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            p.load(in);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("kafka-version.properties not found in kafka-clients", e);
        }
        return p.getProperty("version");
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    static byte[] hexToBytes(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return out;
    }
}
