package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of forward requests, run by a {@link PlanExecutor} in whatever order and grouping it
 * chooses; readouts come back in the requests' order. Its size is the number of forwards it stands
 * for, whatever the executor actually computes.
 *
 * @param requests the requests
 * @since 0.2
 */
@Stable
public record ForwardPlan(List<ForwardRequest> requests) {
    /** Validates the plan and takes a copy. */
    public ForwardPlan {
        requests = List.copyOf(requireNonNull(requests, "requests is null"));
    }

    /**
     * Returns the number of forwards the plan stands for.
     *
     * @return the number of requests
     */
    public int size() {
        return requests.size();
    }

    /**
     * Starts a plan.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects requests and hands out their indices, for reading the readouts back. */
    public static final class Builder {
        private final List<ForwardRequest> requests = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a request.
         *
         * @param request the request
         * @return its index in the plan (and in the readouts)
         */
        public int add(ForwardRequest request) {
            requests.add(requireNonNull(request, "request is null"));
            return requests.size() - 1;
        }

        /**
         * Returns the number of requests added so far.
         *
         * @return the count
         */
        public int size() {
            return requests.size();
        }

        /**
         * Builds the plan.
         *
         * @return the plan
         */
        public ForwardPlan build() {
            return new ForwardPlan(requests);
        }
    }
}
