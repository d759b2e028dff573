package org.yalis.nativelib.reference;

import java.util.Arrays;

/**
 * float64 references of the paged attention kernels: {@code yalis_paged_attention_prefill_bf16},
 * {@code yalis_paged_attention_decode_bf16} (unsplit, and its split-K partials) and
 * {@code yalis_paged_attention_decode_reduce_bf16}.
 *
 * <p>Layouts are the kernels' (and CpuAttention's): q and out are {@code rows x heads*headDim} with the
 * given row strides; each cache is {@code slots x kvHeads*headDim} with slot
 * {@code blockTable[pos / blockSize] * blockSize + pos % blockSize}; query head {@code h} reads KV head
 * {@code h / (heads / kvHeads)}; sequence {@code s}'s new token {@code i} is row {@code queryStarts[s] + i}
 * at position {@code contextLengths[s] - queryLengths[s] + i} and attends to positions 0..that position.
 */
public final class PagedAttentionReference {
    /** log2(e): the kernels keep scores in base 2 ({@code score * scale * log2(e)}). */
    public static final double LOG2E = 1.4426950408889634;

    private PagedAttentionReference() {
    }

    /** The head layout and cache geometry of one attention call. */
    public record Shape(int heads, int kvHeads, int headDim, int blockSize, double scale) {
        public Shape {
            if (kvHeads < 1 || heads % kvHeads != 0) {
                throw new IllegalArgumentException(heads + " heads over " + kvHeads + " KV heads");
            }
        }

        int kvDim() {
            return kvHeads * headDim;
        }

        int group() {
            return heads / kvHeads;
        }
    }

    /**
     * Prefill: returns {@code out} as doubles, {@code rows x outStride}, every (row, head) that some
     * sequence owns filled and everything else NaN.
     */
    public static double[] prefill(short[] q, int qStride, short[] kCache, short[] vCache, int[] queryStarts,
                                   int[] queryLengths, int[] contextLengths, int[][] blockTables, int rows,
                                   int outStride, Shape shape) {
        double[] out = new double[rows * outStride];
        Arrays.fill(out, Double.NaN);
        for (int s = 0; s < queryStarts.length; s++) {
            for (int i = 0; i < queryLengths[s]; i++) {
                int row = queryStarts[s] + i;
                int position = contextLengths[s] - queryLengths[s] + i;
                for (int h = 0; h < shape.heads(); h++) {
                    double[] o = attendRange(q, row * qStride + h * shape.headDim(), kCache, vCache, blockTables[s],
                            h / shape.group(), 0, position + 1, shape).normalised();
                    System.arraycopy(o, 0, out, row * outStride + h * shape.headDim(), shape.headDim());
                }
            }
        }
        return out;
    }

    /** Decode: one query (row {@code queryStarts[s]}) per sequence over all its positions; same output form. */
    public static double[] decode(short[] q, int qStride, short[] kCache, short[] vCache, int[] queryStarts,
                                  int[] contextLengths, int[][] blockTables, int rows, int outStride, Shape shape) {
        int[] ones = new int[queryStarts.length];
        Arrays.fill(ones, 1);
        return prefill(q, qStride, kCache, vCache, queryStarts, ones, contextLengths, blockTables, rows, outStride,
                shape);
    }

    /**
     * The split-K first pass's partials in the kernel's layout: index {@code x = (s * heads + h) *
     * maxSplits + i}; {@code max[x]} = max of {@code score * scale * log2(e)} over split {@code i}'s
     * positions, {@code sum[x]} = sum of {@code 2^(that - max)}, {@code out[x * headDim + d]} = sum of
     * {@code 2^(...) * v[d]}. Splits a sequence does not use ({@code i >= ceil(context / partition)})
     * are NaN (the kernel leaves them unwritten).
     */
    public record Partials(double[] max, double[] sum, double[] out) {
    }

    public static Partials decodePartials(short[] q, int qStride, short[] kCache, short[] vCache, int[] queryStarts,
                                          int[] contextLengths, int[][] blockTables, int partitionSize,
                                          int maxSplits, Shape shape) {
        int sequences = queryStarts.length;
        int entries = sequences * shape.heads() * maxSplits;
        double[] max = new double[entries];
        double[] sum = new double[entries];
        double[] out = new double[entries * shape.headDim()];
        Arrays.fill(max, Double.NaN);
        Arrays.fill(sum, Double.NaN);
        Arrays.fill(out, Double.NaN);
        for (int s = 0; s < sequences; s++) {
            int splits = splits(contextLengths[s], partitionSize);
            if (splits > maxSplits) {
                throw new IllegalArgumentException("sequence " + s + " needs " + splits + " splits, max " + maxSplits);
            }
            for (int h = 0; h < shape.heads(); h++) {
                for (int i = 0; i < splits; i++) {
                    int lo = i * partitionSize;
                    int hi = Math.min(contextLengths[s], lo + partitionSize);
                    Range r = attendRange(q, queryStarts[s] * qStride + h * shape.headDim(), kCache, vCache,
                            blockTables[s], h / shape.group(), lo, hi, shape);
                    int x = (s * shape.heads() + h) * maxSplits + i;
                    max[x] = r.max;
                    sum[x] = r.sum;
                    System.arraycopy(r.weighted, 0, out, x * shape.headDim(), shape.headDim());
                }
            }
        }
        return new Partials(max, sum, out);
    }

    /**
     * The reduction, in double, of partials in the kernel's layout (for example the f32 ones a GPU
     * wrote): {@code out[queryStarts[s], h] = sum_i 2^(m_i - M) o_i / sum_i 2^(m_i - M) l_i}. Returns
     * {@code rows x outStride} doubles, NaN where no (sequence, head) writes.
     */
    public static double[] decodeReduce(double[] max, double[] sum, double[] partialOut, int[] queryStarts,
                                        int[] contextLengths, int rows, int outStride, int heads, int headDim,
                                        int partitionSize, int maxSplits) {
        double[] out = new double[rows * outStride];
        Arrays.fill(out, Double.NaN);
        for (int s = 0; s < queryStarts.length; s++) {
            int splits = Math.min(maxSplits, splits(contextLengths[s], partitionSize));
            for (int h = 0; h < heads; h++) {
                int base = (s * heads + h) * maxSplits;
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < splits; i++) {
                    m = Math.max(m, max[base + i]);
                }
                double total = 0;
                for (int i = 0; i < splits; i++) {
                    total += sum[base + i] * Math.pow(2, max[base + i] - m);
                }
                for (int d = 0; d < headDim; d++) {
                    double acc = 0;
                    for (int i = 0; i < splits; i++) {
                        acc += Math.pow(2, max[base + i] - m) * partialOut[(base + i) * headDim + d];
                    }
                    out[queryStarts[s] * outStride + h * headDim + d] = acc / total;
                }
            }
        }
        return out;
    }

    public static double[] decodeReduce(Partials partials, int[] queryStarts, int[] contextLengths, int rows,
                                        int outStride, int heads, int headDim, int partitionSize, int maxSplits) {
        return decodeReduce(partials.max(), partials.sum(), partials.out(), queryStarts, contextLengths, rows,
                outStride, heads, headDim, partitionSize, maxSplits);
    }

    /** Splits sequence of {@code context} positions uses: {@code ceil(context / partitionSize)}. */
    public static int splits(int context, int partitionSize) {
        return Math.ceilDiv(context, partitionSize);
    }

    /** Softmax state of one query head over a range of positions, base 2. */
    private record Range(double max, double sum, double[] weighted) {
        double[] normalised() {
            double[] o = weighted.clone();
            for (int d = 0; d < o.length; d++) {
                o[d] /= sum;
            }
            return o;
        }
    }

    private static Range attendRange(short[] q, int qOffset, short[] kCache, short[] vCache, int[] blockTable,
                                     int kvHead, int lo, int hi, Shape shape) {
        int d = shape.headDim();
        double[] scores = new double[hi - lo];
        double max = Double.NEGATIVE_INFINITY;
        for (int pos = lo; pos < hi; pos++) {
            int row = slot(blockTable, pos, shape.blockSize()) * shape.kvDim() + kvHead * d;
            double dot = 0;
            for (int e = 0; e < d; e++) {
                dot += (double) Bf16.toFloat(q[qOffset + e]) * Bf16.toFloat(kCache[row + e]);
            }
            scores[pos - lo] = dot * shape.scale() * LOG2E;
            max = Math.max(max, scores[pos - lo]);
        }
        double sum = 0;
        double[] weighted = new double[d];
        for (int pos = lo; pos < hi; pos++) {
            double p = Math.pow(2, scores[pos - lo] - max);
            sum += p;
            int row = slot(blockTable, pos, shape.blockSize()) * shape.kvDim() + kvHead * d;
            for (int e = 0; e < d; e++) {
                weighted[e] += p * Bf16.toFloat(vCache[row + e]);
            }
        }
        return new Range(max, sum, weighted);
    }

    private static int slot(int[] blockTable, int position, int blockSize) {
        return blockTable[position / blockSize] * blockSize + position % blockSize;
    }
}
