package org.yalis.engine.metrics;

import java.lang.foreign.MemorySegment;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.comm.CommStats;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.DeviceStream;
import org.yalis.engine.model.Linear;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.Norm;
import org.yalis.engine.parallel.LinearRole;
import org.yalis.engine.parallel.ShardingPlan;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.Tensor;

/**
 * Decorators that put a {@link Profiler}'s timers around the modules of a model: linear layers
 * (gemm), attention, and collectives. Installed only when profiling; neither the model nor the
 * sharding plan knows they are there.
 */
public final class ProfiledModules {
    private ProfiledModules() {
    }

    /** Runs {@code body} inside a timer of {@code category}. */
    private static void timed(Profiler profiler, Category category, Runnable body) {
        profiler.enter(category);
        try {
            body.run();
        } finally {
            profiler.exit();
        }
    }

    /** A plan whose linear layers are timed as gemm. */
    public static ShardingPlan plan(ShardingPlan plan, Profiler profiler) {
        return new ShardingPlan() {
            @Override
            public LocalShape localShape(LlamaConfig config) {
                return plan.localShape(config);
            }

            @Override
            public Linear linear(LinearRole role, CheckpointTensor weight, ComputeBackend backend) {
                Linear inner = plan.linear(role, weight, backend);
                return new Linear() {
                    @Override
                    public int inFeatures() {
                        return inner.inFeatures();
                    }

                    @Override
                    public int outFeatures() {
                        return inner.outFeatures();
                    }

                    @Override
                    public long weightBytes() {
                        return inner.weightBytes();
                    }

                    @Override
                    public org.yalis.engine.tensor.DType weightType() {
                        return inner.weightType();
                    }

                    @Override
                    public void forward(Tensor x, Tensor out) {
                        timed(profiler, Category.GEMM, () -> inner.forward(x, out));
                    }
                };
            }

            @Override
            public Norm norm(CheckpointTensor weight, float eps, ComputeBackend backend) {
                return plan.norm(weight, eps, backend);
            }

            @Override
            public Tensor embedding(CheckpointTensor table, ComputeBackend backend) {
                return plan.embedding(table, backend);
            }
        };
    }

    /** Attention timed as attention (KV writes included). */
    public static Attention attention(Attention inner, Profiler profiler) {
        return new Attention() {
            @Override
            public void beginStep(AttentionBatch batch) {
                inner.beginStep(batch);
            }

            @Override
            public void writeKv(int layer, Tensor keys, Tensor values) {
                timed(profiler, Category.ATTENTION, () -> inner.writeKv(layer, keys, values));
            }

            @Override
            public void prefill(int layer, Tensor queries, Tensor out) {
                timed(profiler, Category.ATTENTION, () -> inner.prefill(layer, queries, out));
            }

            @Override
            public void decode(int layer, Tensor queries, Tensor out) {
                timed(profiler, Category.ATTENTION, () -> inner.decode(layer, queries, out));
            }

            @Override
            public long kvCacheBytes() {
                return inner.kvCacheBytes();
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /** A communicator whose collectives are timed as collective, with their message sizes. */
    public static Communicator communicator(Communicator inner, Profiler profiler) {
        return new Communicator() {
            @Override
            public int rank() {
                return inner.rank();
            }

            @Override
            public int size() {
                return inner.size();
            }

            @Override
            public String backend() {
                return inner.backend();
            }

            @Override
            public void allReduceSum(Tensor tensor) {
                timed(profiler, Category.COLLECTIVE, () -> {
                    inner.allReduceSum(tensor);
                    profiler.collective(tensor.byteSize());
                });
            }

            @Override
            public void allGather(Tensor local, Tensor gathered) {
                timed(profiler, Category.COLLECTIVE, () -> {
                    inner.allGather(local, gathered);
                    profiler.collective(local.byteSize());
                });
            }

            @Override
            public void broadcast(Tensor tensor, int root) {
                timed(profiler, Category.COLLECTIVE, () -> {
                    inner.broadcast(tensor, root);
                    profiler.collective(tensor.byteSize());
                });
            }

            @Override
            public void broadcastBytes(MemorySegment bytes, int root) {
                inner.broadcastBytes(bytes, root);
            }

            @Override
            public long[] allGatherLong(long value) {
                return inner.allGatherLong(value);
            }

            @Override
            public void barrier() {
                inner.barrier();
            }

            @Override
            public Communicator split(int color, int key) {
                return communicator(inner.split(color, key), profiler);
            }

            @Override
            public void useDeviceStream(DeviceStream stream) {
                inner.useDeviceStream(stream);
            }

            @Override
            public CommStats stats() {
                return inner.stats();
            }

            @Override
            public void resetStats() {
                inner.resetStats();
            }

            @Override
            public void abort(Throwable cause) {
                inner.abort(cause);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }
}
