package io.uringhttpd.engine;

import io.uringhttpd.http.ResponsePlan;
import io.uringhttpd.sys.NativeMemory;

/** What both engines do with a response plan's body before moving bytes their own way. */
public final class PlanBodies {
    private PlanBodies() {
    }

    /** Whether the body is bytes only and fits in {@code free} bytes of output buffer (then it leaves with the head). */
    public static boolean fitsOutput(ResponsePlan p, long free) {
        long total = 0;
        for (int i = 0; i < p.partCount; i++) {
            if (p.partKind[i] != ResponsePlan.PART_BYTES) {
                return false;
            }
            total += p.partLength[i];
        }
        return total <= free;
    }

    /** Copies a body that {@link #fitsOutput fits} to {@code out}; returns the bytes copied. */
    public static int copyToOutput(ResponsePlan p, long out) {
        int n = 0;
        for (int i = 0; i < p.partCount; i++) {
            long len = p.partLength[i];
            NativeMemory.copy(p.partSegment[i], p.partOffset[i], out + n, len);
            n += (int) len;
        }
        return n;
    }
}
