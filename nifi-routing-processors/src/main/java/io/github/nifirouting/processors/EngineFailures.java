package io.github.nifirouting.processors;

import io.github.nifirouting.engine.RoutingException;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;

import java.util.Collection;
import java.util.Map;

/**
 * What the bundle's routing processors do with an engine failure, the NiFi way: an open circuit (UNAVAILABLE) leaves
 * the FlowFile queued and yields, so back-pressure builds upstream; TRANSIENT and RATE_LIMITED go to retry, penalized,
 * until Max Retries; REJECTED goes to failure. Attributes say what happened.
 */
final class EngineFailures {

    static final String RETRY_COUNT = "routing.retry.count";
    static final String ERROR = "routing.error";
    static final String ERROR_KIND = "routing.error.kind";

    private final Relationship retry;
    private final Relationship failure;
    private final ComponentLog logger;

    EngineFailures(final Relationship retry, final Relationship failure, final ComponentLog logger) {
        this.retry = retry;
        this.failure = failure;
        this.logger = logger;
    }

    void route(final ProcessContext context, final ProcessSession session, final FlowFile flowFile, final RoutingException e, final int maxRetries) {
        switch (e.kind()) {
            case UNAVAILABLE -> {
                logger.debug("Engine unavailable ({}); yielding with {} left queued", e.getMessage(), flowFile);
                session.rollback();
                yieldOnOpenCircuit(context, session);
            }
            case TRANSIENT, RATE_LIMITED -> {
                final int retries = retries(flowFile) + 1;
                if (retries > maxRetries) {
                    fail(session, flowFile, "RETRIES_EXHAUSTED", "gave up after " + (retries - 1) + " retries; last error (" + e.kind() + "): "
                            + e.getMessage());
                    return;
                }
                logger.warn("Routing {} failed ({}), retry {}: {}", flowFile, e.kind(), retries, e.getMessage());
                session.transfer(session.penalize(session.putAllAttributes(flowFile, Map.of(RETRY_COUNT, String.valueOf(retries),
                        ERROR, String.valueOf(e.getMessage()), ERROR_KIND, e.kind().name()))), retry);
                session.adjustCounter("FlowFiles routed to retry", 1, false);
            }
            case REJECTED -> fail(session, flowFile, e.kind().name(), e.getMessage());
        }
    }

    /**
     * An open circuit after part of the work was done: {@code waiting} go back to their queue unchanged or with their progress,
     * what the session already did stays, and the processor yields.
     */
    void yieldLeaving(final ProcessContext context, final ProcessSession session, final Collection<FlowFile> waiting, final RoutingException e) {
        logger.debug("Engine unavailable ({}); yielding with {} left queued", e.getMessage(), waiting);
        session.transfer(waiting);
        yieldOnOpenCircuit(context, session);
    }

    private static void yieldOnOpenCircuit(final ProcessContext context, final ProcessSession session) {
        session.adjustCounter("Yields on open circuit", 1, true);
        context.yield();
    }

    void fail(final ProcessSession session, final FlowFile flowFile, final String kind, final String message) {
        logger.error("Routing {} failed ({}): {}", flowFile, kind, message);
        session.transfer(session.putAllAttributes(flowFile, Map.of(ERROR, String.valueOf(message), ERROR_KIND, kind)), failure);
        session.adjustCounter("FlowFiles failed", 1, false);
    }

    private static int retries(final FlowFile flowFile) {
        try {
            final String value = flowFile.getAttribute(RETRY_COUNT);
            return value == null ? 0 : Integer.parseInt(value);
        } catch (final NumberFormatException e) {
            return 0;
        }
    }
}
