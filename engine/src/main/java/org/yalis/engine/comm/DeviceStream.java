package org.yalis.engine.comm;

import java.util.Objects;

import org.yalis.bindings.cuda.CudaStream;

/**
 * The CUDA stream a rank's compute backend queues its work on, and the GPU it runs on: the hook
 * through which device collectives ({@code nccl}, and {@code mpi} staged through host memory) take
 * their place in the backend's order of work instead of racing it.
 *
 * <h2>Contract for a CUDA compute backend</h2>
 * <ol>
 *   <li><b>Which GPU.</b> Run on {@link LocalGpu#ordinal}: the launcher's local rank modulo the
 *       visible GPUs. The {@code nccl} communicator is created on that GPU before the backend
 *       exists; {@link Communicator#useDeviceStream} refuses a stream of another GPU.</li>
 *   <li><b>Handing over the stream.</b> Implement {@link DeviceStreamSource}. Right after creating
 *       the backend, and before splitting the world into the grid's row and column groups,
 *       {@code EngineRank.load} calls {@code world.useDeviceStream(backend.deviceStream())}; groups
 *       split later inherit the stream. Give one stream for the backend's lifetime.</li>
 *   <li><b>Ordering.</b> A collective is queued on that stream and returns before it runs: it reads
 *       its input after every kernel queued earlier on the stream, and kernels queued later see its
 *       result. Work the backend queues on other streams must be joined into this one (an event
 *       wait) before a collective reads it. Reading a result on the host needs
 *       {@link org.yalis.engine.tensor.ComputeBackend#synchronize}, as for any kernel output.
 *       ({@code mpi} staged through host memory returns only when the result is back on the GPU.)</li>
 *   <li><b>Tensors.</b> {@code Tensor.data()} is a segment whose address is the device pointer and
 *       whose size covers the tensor; the communicators never dereference it on the host.
 *       {@code nccl} reduces f32, bf16 and f16 (and sums i32); {@code mpi} sums f32 directly and
 *       bf16/f16 widened to f32 on the host.</li>
 *   <li><b>Threads.</b> Call collectives from the thread that drives the backend; a communicator
 *       makes its GPU current on a thread it has not seen before ({@code cudaSetDevice}).</li>
 *   <li><b>CUDA graphs.</b> {@code nccl} collectives may be captured with the backend's kernels;
 *       captured calls are not counted in the stats (replays run them without the communicator).</li>
 *   <li><b>Shutdown.</b> Synchronize the stream before destroying it in {@code close()}; the engine
 *       closes the backend before the communicators, which queue nothing more after it.</li>
 * </ol>
 * A backend that does not implement {@link DeviceStreamSource} still works: the {@code nccl}
 * communicator then uses a stream of its own and makes every collective synchronous (the whole
 * device is synchronized before, its stream after): correct, but without overlap.
 *
 * @param device the CUDA device ordinal the stream belongs to
 * @param stream the backend's stream (never the legacy default stream: it would serialize with
 *               every other stream of the context)
 */
public record DeviceStream(int device, CudaStream stream) {
    public DeviceStream {
        Objects.requireNonNull(stream, "stream");
        if (device < 0) {
            throw new IllegalArgumentException("negative device ordinal " + device);
        }
    }
}
