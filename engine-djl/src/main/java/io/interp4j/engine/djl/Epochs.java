package io.interp4j.engine.djl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Hands out examples in seeded shuffled epochs: every example once per epoch, a new order each epoch. */
final class Epochs<T> {
    private final List<T> data;
    private final Random random;
    private final List<Integer> order = new ArrayList<>();
    private int cursor;

    Epochs(List<T> data, Random random) {
        this.data = List.copyOf(data);
        this.random = random;
    }

    List<T> next(int count) {
        List<T> batch = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            if (cursor == order.size()) {
                order.clear();
                for (int i = 0; i < data.size(); i++) {
                    order.add(i);
                }
                Collections.shuffle(order, random);
                cursor = 0;
            }
            batch.add(data.get(order.get(cursor++)));
        }
        return batch;
    }
}
