package io.interp4j.api.model;

import io.interp4j.api.Stable;

/**
 * Where a batch's shorter prompts get their padding. Either way each row's numbers equal its own
 * unpadded forward at its real positions (the contract suite checks every hook point): right padding
 * needs no key mask (causal attention never looks ahead) and keeps position ids as they are; left
 * padding masks the pad keys and numbers each row's positions from its first real token.
 *
 * @since 0.2
 */
@Stable
public enum Padding {
    /** Real tokens first, pad tokens after them: every row starts at index 0. */
    RIGHT,
    /** Pad tokens first: every row ends at the last index, as generation code usually lays it out. */
    LEFT
}
