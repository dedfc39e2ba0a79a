package mesh.bridge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Maps a failed send to the Strimzi error object {"error_code", "message"}.
 *
 * error_code is an HTTP status as in Strimzi (404 unknown topic or partition, 422 a record the
 * broker refuses as invalid, 500 otherwise). The message keeps the Kafka exception's own text and
 * ends with "[<exception class>; kafka_error_code=<n> <NAME>]" so a client can recover the exact
 * Kafka error code.
 */
final class KafkaErrors {
    private KafkaErrors() { }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static Errors kafkaError(Throwable t) {
        // The producer reports a topic missing from metadata as a timeout; to a producer it is
        // the broker's UNKNOWN_TOPIC_OR_PARTITION.
        if (t instanceof TimeoutException && t.getMessage() != null
                && t.getMessage().contains("not present in metadata")) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        // KafkaProducer throws IllegalArgumentException for a partition outside the topic.
        if (t instanceof IllegalArgumentException && t.getMessage() != null
                && t.getMessage().startsWith("Invalid partition")) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        return Errors.forException(t);
    }

    static int httpStatus(Errors e) {
        switch (e) {
            case UNKNOWN_TOPIC_OR_PARTITION:
                return 404;
            case CORRUPT_MESSAGE:
            case MESSAGE_TOO_LARGE:
            case RECORD_LIST_TOO_LARGE:
            case INVALID_TIMESTAMP:
            case INVALID_RECORD:
                return 422;
            default:
                return 500;
        }
    }

    static String message(String text, Throwable t, Errors e) {
        return text + " [" + t.getClass().getName() + "; kafka_error_code=" + e.code() + " " + e.name() + "]";
    }

    static ObjectNode toJson(Throwable failure) {
        Throwable t = unwrap(failure);
        Errors e = kafkaError(t);
        String text = t.getMessage() != null ? t.getMessage() : e.message();
        return error(httpStatus(e), message(text, t, e));
    }

    static ObjectNode error(int code, String message) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("error_code", code);
        n.put("message", message);
        return n;
    }
}
