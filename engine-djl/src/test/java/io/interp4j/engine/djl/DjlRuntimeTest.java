package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import io.interp4j.api.model.ThreadPolicy;
import org.junit.jupiter.api.Test;

class DjlRuntimeTest {
    @Test
    void everyInitAppliesTheThreadPolicy() throws InterruptedException {
        String before = System.getProperty(ThreadPolicy.PROPERTY);
        try {
            System.clearProperty(ThreadPolicy.PROPERTY);
            DjlRuntime.init();
            assertThat(JniUtils.getNumThreads()).isEqualTo(ThreadPolicy.current().intraOp());

            int other = ThreadPolicy.current().intraOp() == 1 ? 2 : 1;
            System.setProperty(ThreadPolicy.PROPERTY, Integer.toString(other));
            DjlRuntime.init();
            assertThat(JniUtils.getNumThreads()).isEqualTo(other);
            // a thread that runs its first PyTorch call afterwards starts with the same count
            int[] seen = new int[1];
            Thread fresh = new Thread(() -> seen[0] = JniUtils.getNumThreads());
            fresh.start();
            fresh.join();
            assertThat(seen[0]).isEqualTo(other);
        } finally {
            if (before == null) {
                System.clearProperty(ThreadPolicy.PROPERTY);
            } else {
                System.setProperty(ThreadPolicy.PROPERTY, before);
            }
            DjlRuntime.init();
        }
    }
}
