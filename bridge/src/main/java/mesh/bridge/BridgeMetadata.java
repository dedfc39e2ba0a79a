package mesh.bridge;

import org.apache.kafka.clients.producer.internals.ProducerMetadata;
import org.apache.kafka.common.internals.ClusterResourceListeners;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ProducerMetadata that lets go of a topic the cluster does not have once its writes were failed:
 * otherwise every metadata answer for it asks for another update (about once a second, each with
 * a warning) until metadata.max.idle.ms passes. A new write for the topic asks again.
 */
final class BridgeMetadata extends ProducerMetadata {
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();

    BridgeMetadata(long refreshBackoffMs, long refreshBackoffMaxMs, long metadataExpireMs, long metadataIdleMs,
                   LogContext logContext, Time time) {
        super(refreshBackoffMs, refreshBackoffMaxMs, metadataExpireMs, metadataIdleMs, logContext,
                new ClusterResourceListeners(), time);
    }

    void forget(String topic) {
        forgotten.add(topic);
    }

    void want(String topic) {
        forgotten.remove(topic);
    }

    @Override
    public synchronized boolean retainTopic(String topic, boolean isInternal, long nowMs) {
        return super.retainTopic(topic, isInternal, nowMs) && !forgotten.contains(topic);
    }
}
