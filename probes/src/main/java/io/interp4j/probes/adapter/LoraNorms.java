package io.interp4j.probes.adapter;

/** Frobenius norms of LoRA factors and of their product, in double precision. */
final class LoraNorms {
    private LoraNorms() {}

    /** Returns {@code ‖M‖_F = sqrt(Σ m²)}. */
    static double frobenius(float[] m) {
        double sum = 0;
        for (float v : m) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    /**
     * Returns {@code ‖B·A‖_F} without forming the {@code out × in} product: {@code ‖BA‖_F² =
     * trace(Aᵀ Bᵀ B A) = trace((BᵀB)(AAᵀ)) = Σ_ij (BᵀB)_ij (AAᵀ)_ij}, both factors {@code r × r} and
     * symmetric.
     *
     * @param a {@code [r, in]} row-major
     * @param b {@code [out, r]} row-major
     * @param r the rank
     * @return the norm
     */
    static double productFrobenius(float[] a, float[] b, int r) {
        int in = a.length / r;
        int out = b.length / r;
        double[] gram = new double[r * r]; // BᵀB
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < r; i++) {
                double bi = b[o * r + i];
                for (int j = 0; j < r; j++) {
                    gram[i * r + j] += bi * b[o * r + j];
                }
            }
        }
        double sum = 0;
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double aat = 0; // (AAᵀ)_ij
                for (int c = 0; c < in; c++) {
                    aat += (double) a[i * in + c] * a[j * in + c];
                }
                sum += gram[i * r + j] * aat;
            }
        }
        // the exact value is a sum of squares; rounding can leave a tiny negative number for B·A ≈ 0
        return Math.sqrt(Math.max(0, sum));
    }
}
