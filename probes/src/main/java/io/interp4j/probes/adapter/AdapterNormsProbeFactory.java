package io.interp4j.probes.adapter;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** {@code adapter-norms}: Frobenius norms of a PEFT LoRA adapter's matrices, per module and per layer. */
public final class AdapterNormsProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "adapter-norms";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Frobenius norms of a LoRA adapter's A, B and B·A per module, and their root-sum-square per layer (needs no model)";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        String adapter = s.nonEmptyString("adapter", "the path of a PEFT adapter directory (adapter_config.json + adapter_model.safetensors)");
        Path path = null;
        if (!adapter.isEmpty()) {
            try {
                path = Path.of(adapter);
            } catch (InvalidPathException e) {
                s.problem("adapter", "\"" + adapter + "\" (" + e.getReason() + ")", "a file system path");
            }
        }
        s.check();
        return new AdapterNormsProbe(path);
    }
}
