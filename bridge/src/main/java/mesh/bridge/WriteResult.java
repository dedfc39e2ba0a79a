package mesh.bridge;

import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;

/** What one partition's write came to: the broker's answer, or the bridge's own error. */
final class WriteResult {
    final Errors error;
    final String errorMessage;
    final long baseOffset;
    final long logAppendTimeMs;
    final long logStartOffset;
    final List<ProduceResponseData.BatchIndexAndErrorMessage> recordErrors;

    WriteResult(Errors error, String errorMessage, long baseOffset, long logAppendTimeMs, long logStartOffset,
                List<ProduceResponseData.BatchIndexAndErrorMessage> recordErrors) {
        this.error = error;
        this.errorMessage = errorMessage;
        this.baseOffset = baseOffset;
        this.logAppendTimeMs = logAppendTimeMs;
        this.logStartOffset = logStartOffset;
        this.recordErrors = recordErrors == null ? List.of() : recordErrors;
    }

    static WriteResult error(Errors error, String message) {
        return new WriteResult(error, message, -1, -1, -1, List.of());
    }

    static WriteResult ok(long baseOffset, long logAppendTimeMs, long logStartOffset) {
        return new WriteResult(Errors.NONE, null, baseOffset, logAppendTimeMs, logStartOffset, List.of());
    }

    boolean ok() {
        return error == Errors.NONE;
    }

    ProduceResponseData.PartitionProduceResponse toResponse(int partition) {
        return new ProduceResponseData.PartitionProduceResponse()
                .setIndex(partition)
                .setErrorCode(error.code())
                .setErrorMessage(errorMessage)
                .setBaseOffset(baseOffset)
                .setLogAppendTimeMs(logAppendTimeMs)
                .setLogStartOffset(logStartOffset)
                .setRecordErrors(recordErrors);
    }

    @Override
    public String toString() {
        return ok() ? "offset=" + baseOffset : "error=" + error.name();
    }
}
