package org.yalis.engine.sample;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
 * counter-based generator. The same (key, counter) gives the same numbers on every rank and in
 * every order, so ranks sample identical tokens without exchanging anything, and a sequence's
 * draws do not depend on which other sequences share its batch.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** The four 32-bit outputs for {@code counter} (4 words) under {@code key} (2 words). */
    public static int[] block(int[] counter, int[] key) {
        int c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
        int k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; round++) {
            long product0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long product1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (product0 >>> 32), lo0 = (int) product0;
            int hi1 = (int) (product1 >>> 32), lo1 = (int) product1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /**
     * A uniform double in {@code [0, 1)} with 53 random bits, for draw {@code step} of stream
     * {@code stream} under {@code seed}.
     */
    public static double uniform(long seed, long stream, long step) {
        int[] out = block(new int[] {(int) step, (int) (step >>> 32), (int) stream, (int) (stream >>> 32)},
                new int[] {(int) seed, (int) (seed >>> 32)});
        long bits = ((out[0] & 0xFFFFFFFFL) << 21) ^ ((out[1] & 0xFFFFFFFFL) >>> 11);
        return (bits & ((1L << 53) - 1)) * 0x1.0p-53;
    }
}
