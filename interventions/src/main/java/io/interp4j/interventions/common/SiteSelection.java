package io.interp4j.interventions.common;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Operation;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.api.plugin.TensorData;
import java.util.List;
import java.util.Optional;

/**
 * Where a plugin acts, read from the settings every single-site plugin shares: {@code site}, {@code
 * layer}, {@code positions} and {@code heads} (their meaning is documented once, at the top of this
 * module's {@code reference.conf}).
 *
 * @param site the site
 * @param positions the positions
 * @param heads the heads, empty for all (or a site without heads)
 */
public record SiteSelection(Site site, Positions positions, List<Integer> heads) {
    /** The shorthand site names, which take their block from {@code layer}. */
    public static final List<String> SHORTHANDS = List.of("layer-output", "contribution", "attn-out", "mlp-out", "head");

    private static final String LAYER_PLACEHOLDER = "{L}";

    /** Checks and copies. */
    public SiteSelection {
        requireNonNull(site, "site is null");
        requireNonNull(positions, "positions is null");
        heads = List.copyOf(requireNonNull(heads, "heads is null"));
    }

    /**
     * Reads {@code site}, {@code layer}, {@code positions} and {@code heads}.
     *
     * @param settings the plugin's settings; problems are recorded there
     * @return the selection, or null when a problem was recorded
     */
    public static SiteSelection read(SettingsReader settings) {
        String name = settings.text("site");
        Integer layer = settings.optionalInteger("layer", 0, "only for a site name with a fixed block number");
        boolean layerOk = settings.isNull("layer") || layer != null;
        Positions positions = settings.positions("positions");
        List<Integer> heads = settings.integers("heads", 0);
        if (name == null || !layerOk) {
            return null;
        }
        Site site = site(settings, name, layer);
        if (site == null || positions == null || heads == null) {
            return null;
        }
        if (name.equals("head") && heads.isEmpty()) {
            settings.invalid("heads", "a non-empty list of query-head indices for site = head, like [0, 3]");
            return null;
        }
        if (!heads.isEmpty() && site.headAxis() < 0) {
            settings.invalid("heads", "[] at site '" + site.name() + "'; heads select rows only at site = head and at attention hook points"
                    + " (attn.hook_q, hook_k, hook_v, hook_rot_q, hook_rot_k, hook_z, hook_attn_scores, hook_pattern)");
            return null;
        }
        return new SiteSelection(site, positions, heads);
    }

    private static Site site(SettingsReader settings, String name, Integer layer) {
        HookSite shorthand = switch (name) {
            case "layer-output" -> HookSite.RESID_POST;
            case "attn-out" -> HookSite.ATTN_OUT;
            case "mlp-out" -> HookSite.MLP_OUT;
            case "head" -> HookSite.ATTN_Z;
            default -> null;
        };
        boolean placeholder = name.contains(LAYER_PLACEHOLDER);
        if ((shorthand != null || name.equals("contribution") || placeholder) && layer == null) {
            settings.invalid("layer", "an integer >= 0: site '" + name + "' takes its block from layer");
            return null;
        }
        if (shorthand != null) {
            return new Site.AtHook(HookPoint.block(layer, shorthand));
        }
        if (name.equals("contribution")) {
            return new Site.Contribution(layer);
        }
        Site site;
        try {
            site = Site.parse(placeholder ? name.replace(LAYER_PLACEHOLDER, Integer.toString(layer)) : name);
        } catch (Interp4jException e) {
            settings.invalid("site", String.join(", ", SHORTHANDS) + ", or a site name: a hook point such as blocks.{L}.hook_resid_mid"
                    + " or hook_embed, or blocks.{L}.contribution ({L} taken from layer, or a block number)");
            return null;
        }
        if (!placeholder && layer != null) {
            settings.invalid("layer", "null: site '" + name + "' names its block itself; write blocks.{L}.<hook> to take it from layer");
            return null;
        }
        return site;
    }

    /**
     * Creates the intervention at this selection.
     *
     * @param operation what to do
     * @param scale the factor of add and scale
     * @param value the value of replace and add
     * @param source where the value came from
     * @return the intervention (not yet checked against a model)
     */
    public Intervention intervention(Operation operation, double scale, Optional<TensorData> value, String source) {
        return new Intervention(operation, site, positions, heads, scale, value, source);
    }

    /**
     * Describes the selection for a plan's one-line description.
     *
     * @return e.g. {@code blocks.2.attn.hook_z query heads [1, 3] (KV head = head / (heads per KV head)), positions last}
     */
    public String describe() {
        StringBuilder text = new StringBuilder(site.name());
        if (!heads.isEmpty()) {
            boolean kv = site instanceof Site.AtHook h && switch (h.point().site()) {
                case ATTN_K, ATTN_V, ATTN_ROT_K -> true;
                default -> false;
            };
            text.append(kv ? " KV heads " + heads : " query heads " + heads + " (each reads KV head h / (heads / kv_heads))");
        }
        return text.append(", positions ").append(positions.render()).toString();
    }
}
