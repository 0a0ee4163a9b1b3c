package io.interp4j.engine.djl;

import ai.djl.engine.Engine;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;

/** Starts PyTorch once, offline: the native libraries come from the bundled jar, nothing is downloaded. */
final class DjlRuntime {
    private static boolean started;

    private DjlRuntime() {}

    static synchronized void init() {
        if (started) {
            return;
        }
        // DJL reads these at engine start: never download, never phone home
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        try {
            Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, "cannot start PyTorch through DJL: " + e, e);
        }
        started = true;
    }
}
