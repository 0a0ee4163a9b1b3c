package io.interp4j.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ThreadPolicy;

/**
 * Starts PyTorch once, offline (the native libraries come from the bundled jar, nothing is downloaded),
 * and applies the intra-op thread count of {@link ThreadPolicy} at every model load.
 */
final class DjlRuntime {
    private static boolean started;

    private DjlRuntime() {}

    static synchronized void init() {
        ThreadPolicy threads = ThreadPolicy.current();
        try {
            if (!started) {
                // DJL reads these at engine start: never download, never phone home
                System.setProperty("ai.djl.offline", "true");
                System.setProperty("OPT_OUT_TRACKING", "true");
                Engine.getEngine("PyTorch");
                setInteropThreadsOnce();
                started = true;
            }
            // PyTorch keeps the count per thread and hands the last one set to every thread that runs its
            // first operator later (DjlPretrainer pins its own count for the training thread and restores this one)
            JniUtils.setNumThreads(threads.intraOp());
        } catch (RuntimeException | LinkageError e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "cannot start PyTorch through DJL: " + e, e);
        }
    }

    /** One inter-op thread: that pool serves only TorchScript's fork, which nothing here uses. */
    private static void setInteropThreadsOnce() {
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") != null) {
            return; // DJL applied the user's own setting at engine start
        }
        try {
            JniUtils.setNumInteropThreads(1);
        } catch (EngineException e) {
            // PyTorch accepts the count once per process, before the pool starts: whoever came first decided
        }
    }
}
