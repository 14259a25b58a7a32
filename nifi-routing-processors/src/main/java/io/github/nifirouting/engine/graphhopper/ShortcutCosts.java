package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.BaseGraph;
import com.graphhopper.storage.RoutingCHEdgeIteratorState;
import com.graphhopper.storage.RoutingCHGraph;
import com.graphhopper.util.EdgeIterator;
import com.graphhopper.util.EdgeIteratorState;
import com.graphhopper.util.GHUtility;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Travel time, distance and the turn weight inside every shortcut of a contraction hierarchy. GraphHopper stores only
 * a shortcut's weight; a matrix needs time and distance along the chosen path too. Each shortcut is unpacked once, on
 * first use, from its two skipped edges (whose own values are memoized the same way), so the cost is one array slot
 * per shortcut (12 bytes: time in ms, distance and inner turn weight as floats; node-based shortcuts may be used in both
 * directions and keep a time per direction, 16 bytes) instead of an unpacking per pair.
 * <p>
 * Thread safe: a slot's values do not depend on who computes them; the time is published last with release semantics
 * and read with acquire semantics, so a reader that sees a time also sees the distance and turn weight written before
 * it, and a reader that sees none computes the same values again.
 */
final class ShortcutCosts {

    private static final VarHandle MILLIS = MethodHandles.arrayElementVarHandle(int[].class);

    private final RoutingCHGraph ch;
    private final BaseGraph base;
    private final Weighting weighting;
    private final boolean edgeBased;
    private final int baseEdges;
    /** Per shortcut (per direction when node-based); -1: not yet computed. */
    private final int[] millis;
    private final float[] meters;
    private final float[] turnWeights;

    ShortcutCosts(final RoutingCHGraph ch, final BaseGraph base, final Weighting weighting) {
        this.ch = ch;
        this.base = base;
        this.weighting = weighting;
        this.edgeBased = ch.isEdgeBased();
        this.baseEdges = base.getEdges();
        final int shortcuts = ch.getShortcuts();
        this.millis = new int[edgeBased ? shortcuts : 2 * shortcuts];
        Arrays.fill(millis, -1);
        this.meters = new float[shortcuts];
        Arrays.fill(meters, Float.NaN);
        this.turnWeights = new float[edgeBased ? shortcuts : 0];
    }

    /** Bytes these arrays take. */
    long bytes() {
        return 4L * millis.length + 4L * meters.length + 4L * turnWeights.length;
    }

    /** Receives the time (ms), distance (m) and inner turn weight of a CH edge. */
    static final class Cost {
        long millis;
        double meters;
        double turnWeight;
    }

    /**
     * The cost of CH edge {@code chEdge} of the base hierarchy travelled from {@code from} to {@code to}, excluding the
     * turn onto its first original edge (the search adds that).
     */
    void cost(final int chEdge, final int from, final int to, final Cost out) {
        if (chEdge < baseEdges) {
            final EdgeIteratorState edge = base.getEdgeIteratorState(chEdge, to);
            out.millis = weighting.calcEdgeMillis(edge, false);
            out.meters = edge.getDistance();
            out.turnWeight = 0;
            return;
        }
        final int shortcut = chEdge - baseEdges;
        final int slot = edgeBased ? shortcut : 2 * shortcut + (to > from ? 0 : 1);
        final int knownMillis = (int) MILLIS.getAcquire(millis, slot);
        if (knownMillis >= 0) {
            final float knownMeters = meters[shortcut];
            out.millis = knownMillis;
            out.meters = knownMeters;
            out.turnWeight = edgeBased ? turnWeights[shortcut] : 0;
            return;
        }
        final RoutingCHEdgeIteratorState state = ch.getEdgeIteratorState(chEdge, to);
        int firstId = state.getSkippedEdge1();
        int secondId = state.getSkippedEdge2();
        // The skipped edge that ends at `to` comes second; the other one must then lead from `from` to the middle node.
        RoutingCHEdgeIteratorState second = ch.getEdgeIteratorState(secondId, to);
        RoutingCHEdgeIteratorState first = second == null ? null : ch.getEdgeIteratorState(firstId, second.getBaseNode());
        if (first == null || first.getBaseNode() != from) {
            final int swap = firstId;
            firstId = secondId;
            secondId = swap;
            second = ch.getEdgeIteratorState(secondId, to);
            first = ch.getEdgeIteratorState(firstId, second.getBaseNode());
        }
        final int middle = second.getBaseNode();
        cost(firstId, from, middle, out);
        long sumMillis = out.millis;
        double sumMeters = out.meters;
        double sumTurnWeight = out.turnWeight;
        cost(secondId, middle, to, out);
        sumMillis += out.millis;
        sumMeters += out.meters;
        sumTurnWeight += out.turnWeight;
        if (edgeBased) {
            final int inEdge = originalEdgeAt(first, middle);
            final int outEdge = originalEdgeAt(second, middle);
            sumMillis += weighting.calcTurnMillis(inEdge, middle, outEdge);
            sumTurnWeight += ch.getTurnWeight(inEdge, middle, outEdge);
            turnWeights[shortcut] = (float) sumTurnWeight;
        }
        if (sumMillis > Integer.MAX_VALUE) {
            throw new IllegalStateException("shortcut " + chEdge + " takes longer than " + Integer.MAX_VALUE + " ms");
        }
        // Return what later calls will read (floats), so a pair's answer does not depend on who computed a shortcut first.
        meters[shortcut] = (float) sumMeters;
        MILLIS.setRelease(millis, slot, (int) sumMillis);
        out.millis = sumMillis;
        out.meters = (float) sumMeters;
        out.turnWeight = (float) sumTurnWeight;
    }

    /** The original edge of a CH edge (an original edge or a shortcut) that touches {@code node}. */
    private int originalEdgeAt(final RoutingCHEdgeIteratorState edge, final int node) {
        if (!edge.isShortcut()) {
            return edge.getOrigEdge();
        }
        final int firstEdge = GHUtility.getEdgeFromEdgeKey(edge.getOrigEdgeKeyFirst());
        final int lastEdge = GHUtility.getEdgeFromEdgeKey(edge.getOrigEdgeKeyLast());
        final int other = edge.getBaseNode() == node ? edge.getAdjNode() : edge.getBaseNode();
        // The first/last keys are not oriented by this iterator state: pick the one not attached to the far end.
        if (firstEdge == lastEdge) {
            return firstEdge;
        }
        return base.isAdjacentToNode(lastEdge, other) ? firstEdge : lastEdge;
    }

    static boolean isValid(final int edge) {
        return edge != EdgeIterator.NO_EDGE && edge >= 0;
    }
}
