package mesh.bridge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns a Strimzi produce request body into ProducerRecords.
 *
 * Body: {"records":[{"key":..,"value":..,"partition":n,"timestamp":ms,"headers":[{"key":"k","value":b64}]}]}.
 * Key and value are Base64 (binary), any JSON (json, serialized back to bytes) or strings (text,
 * UTF-8); header values are always Base64. "partition" and "timestamp" are not allowed when the
 * partition is in the path, as in the Strimzi OpenAPI schema. Shape errors raise {@link Invalid}
 * with 400 (the schema validation answer), undecodable content with 422.
 */
final class RecordParser {
    enum Format { BINARY, JSON, TEXT }

    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Invalid(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static final Set<String> RECORD_FIELDS = Set.of("key", "value", "partition", "timestamp", "headers");
    private static final Set<String> PARTITION_RECORD_FIELDS = Set.of("key", "value", "headers");

    private final ObjectMapper mapper;

    RecordParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Content type without parameters, or null when it is not a produce format. */
    static Format format(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return Format.BINARY; // Strimzi's default when the header is missing
        }
        int semi = contentType.indexOf(';');
        String base = (semi >= 0 ? contentType.substring(0, semi) : contentType).trim().toLowerCase();
        switch (base) {
            case "application/vnd.kafka.binary.v2+json":
                return Format.BINARY;
            case "application/vnd.kafka.json.v2+json":
                return Format.JSON;
            case "application/vnd.kafka.text.v2+json":
                return Format.TEXT;
            default:
                return null;
        }
    }

    List<ProducerRecord<byte[], byte[]>> parse(byte[] body, Format format, String topic, Integer pathPartition)
            throws Invalid {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Invalid(400, "Validation error on: body - invalid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new Invalid(400, "Validation error on: body - " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(400, "Validation error on: body - expected a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("records")) {
                throw new Invalid(400, "Validation error on: body - unexpected property " + f);
            }
        }
        JsonNode records = root.get("records");
        if (records == null || !records.isArray()) {
            throw new Invalid(400, "Validation error on: body - records must be an array");
        }
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(records.size());
        int index = 0;
        for (JsonNode r : records) {
            out.add(record(r, index++, format, topic, pathPartition));
        }
        return out;
    }

    private ProducerRecord<byte[], byte[]> record(JsonNode r, int index, Format format, String topic,
                                                  Integer pathPartition) throws Invalid {
        String where = "body - records[" + index + "]";
        if (!r.isObject()) {
            throw new Invalid(400, "Validation error on: " + where + " must be an object");
        }
        Set<String> allowed = pathPartition == null ? RECORD_FIELDS : PARTITION_RECORD_FIELDS;
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new Invalid(400, "Validation error on: " + where + " - unexpected property " + f);
            }
        }
        if (!r.has("value")) {
            throw new Invalid(400, "Validation error on: " + where + " - value is required");
        }
        byte[] value = payload(r.get("value"), format, true, where + ".value");
        byte[] key = r.has("key") ? payload(r.get("key"), format, false, where + ".key") : null;

        Integer partition = pathPartition;
        JsonNode p = r.get("partition");
        if (p != null) {
            if (!p.isIntegralNumber() || !p.canConvertToInt()) {
                throw new Invalid(400, "Validation error on: " + where + ".partition must be an int32");
            }
            partition = p.intValue();
        }
        Long timestamp = null;
        JsonNode ts = r.get("timestamp");
        if (ts != null) {
            if (!ts.isIntegralNumber() || !ts.canConvertToLong()) {
                throw new Invalid(400, "Validation error on: " + where + ".timestamp must be an int64");
            }
            timestamp = ts.longValue();
        }
        RecordHeaders headers = new RecordHeaders();
        JsonNode hs = r.get("headers");
        if (hs != null) {
            if (!hs.isArray()) {
                throw new Invalid(400, "Validation error on: " + where + ".headers must be an array");
            }
            int h = 0;
            for (JsonNode header : hs) {
                String hw = where + ".headers[" + h++ + "]";
                JsonNode hk = header.get("key");
                JsonNode hv = header.get("value");
                if (!header.isObject() || hk == null || !hk.isTextual() || hv == null || !hv.isTextual()
                        || header.size() != 2) {
                    throw new Invalid(400, "Validation error on: " + hw + " must be {\"key\": string, \"value\": base64 string}");
                }
                headers.add(hk.textValue(), base64(hv.textValue(), hw + ".value"));
            }
        }
        return new ProducerRecord<>(topic, partition, timestamp, key, value, headers);
    }

    private byte[] payload(JsonNode n, Format format, boolean nullable, String where) throws Invalid {
        if (n.isNull()) {
            if (nullable) {
                return null; // tombstone
            }
            throw new Invalid(400, "Validation error on: " + where + " must not be null");
        }
        switch (format) {
            case BINARY:
                if (!n.isTextual()) {
                    throw new Invalid(422, where + " must be a Base64 string");
                }
                return base64(n.textValue(), where);
            case TEXT:
                if (!n.isTextual()) {
                    throw new Invalid(422, where + " must be a string");
                }
                return n.textValue().getBytes(StandardCharsets.UTF_8);
            default:
                try {
                    return mapper.writeValueAsBytes(n);
                } catch (JsonProcessingException e) {
                    throw new Invalid(422, where + ": " + e.getOriginalMessage());
                }
        }
    }

    private static byte[] base64(String s, String where) throws Invalid {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Invalid(422, where + " is not valid Base64: " + e.getMessage());
        }
    }
}
