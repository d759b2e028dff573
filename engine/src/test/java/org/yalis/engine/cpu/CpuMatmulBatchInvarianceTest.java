package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The property batched greedy decoding relies on: a token's matmul result is bitwise the same whether
 * it is computed alone or at any position of a batch, on one thread or two.
 */
class CpuMatmulBatchInvarianceTest {
    /** Distinct token rows; batches are windows over them, so every batch position is checked. */
    private static final int TOKEN_POOL = 70;
    /** 33-35: a full 32-token block (the array kernels) and a short one (the segment kernels) in one call. */
    private static final int[] BATCH_SIZES = {2, 3, 4, 5, 6, 7, 8, 9, 33, 34, 35, 70};
    /** (out, in) shapes: partial row tiles, in features off the vector width, and one big enough to go parallel. */
    private static final int[][] SHAPES = {{37, 300}, {5, 33}, {13, 100}, {3, 7}};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void tokenResultIsBitwiseIndependentOfBatchAndThreads(DType weightType) {
        Random random = new Random(99 + weightType.ordinal());
        try (Arena host = Arena.ofShared();
             CpuBackend oneThread = new CpuBackend(1, WeightPlacement.COPY);
             CpuBackend twoThreads = new CpuBackend(2, WeightPlacement.MMAP)) {
            for (int[] shape : SHAPES) {
                int outFeatures = shape[0];
                int in = shape[1];
                Tensor hostWeight = HostTensors.hostTensor(host, weightType, outFeatures, in,
                        HostTensors.uniform(random, outFeatures * in));
                float[] tokenRows = HostTensors.uniform(random, TOKEN_POOL * in);

                int[][] aloneBits = new int[TOKEN_POOL][];
                for (int token = 0; token < TOKEN_POOL; token++) {
                    float[] row = Arrays.copyOfRange(tokenRows, token * in, (token + 1) * in);
                    aloneBits[token] = bits(multiply(oneThread, oneThread.loadWeight(hostWeight), row, 1, in));
                    int[] aloneOnTwoThreads = bits(multiply(twoThreads, twoThreads.loadWeight(hostWeight), row, 1, in));
                    assertArrayEquals(aloneBits[token], aloneOnTwoThreads,
                            weightType + " " + outFeatures + "x" + in + ": token " + token + " alone, 1 vs 2 threads");
                }

                for (CpuBackend backend : new CpuBackend[] {oneThread, twoThreads}) {
                    Tensor weight = backend.loadWeight(hostWeight);
                    for (int batch : BATCH_SIZES) {
                        for (int firstToken : new int[] {0, 1, 5, TOKEN_POOL - batch}) {
                            float[] batchRows = new float[batch * in];
                            for (int i = 0; i < batch; i++) {
                                int token = (firstToken + i) % TOKEN_POOL;
                                System.arraycopy(tokenRows, token * in, batchRows, i * in, in);
                            }
                            float[] batchOut = multiply(backend, weight, batchRows, batch, in);
                            for (int i = 0; i < batch; i++) {
                                int token = (firstToken + i) % TOKEN_POOL;
                                int[] rowBits = bits(Arrays.copyOfRange(batchOut, i * outFeatures, (i + 1) * outFeatures));
                                assertArrayEquals(aloneBits[token], rowBits, weightType + " " + outFeatures + "x" + in
                                        + ", " + backend.threads() + " threads: token " + token + " at position " + i
                                        + " of a batch of " + batch);
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] multiply(CpuBackend backend, Tensor weight, float[] rows, int tokens, int in) {
        Tensor x = HostTensors.activations(backend, tokens, in, rows);
        Tensor out = backend.allocate(DType.F32, tokens, weight.rows());
        backend.matmul(x, weight, out);
        return HostTensors.read(backend, out);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
