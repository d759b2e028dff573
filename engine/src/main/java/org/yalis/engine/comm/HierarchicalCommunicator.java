package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.yalis.bindings.mpi.MpiDatatype;
import org.yalis.bindings.mpi.MpiOp;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * A two-level all-reduce over MPI, in the structure of NVRAR (arXiv 2511.09557): a reduce-scatter among
 * the ranks of a node, an all-reduce between nodes on each rank's shard (only 1/k of the message, k ranks
 * a node, crosses the network; MPI's all-reduce does recursive doubling at these sizes), and an
 * all-gather among the ranks of the node. The node of a rank is its host: ranks whose hostname is the
 * same share one. With one node (or one rank a node) the all-reduce is one flat call; so is a message
 * whose elements do not split evenly over a node's ranks. Every other collective is the world's.
 */
public final class HierarchicalCommunicator implements Communicator {
    private final MpiCommunicator world;
    /** The ranks of this rank's node, and the ranks with this rank's index on every node. */
    private final MpiCommunicator node;
    private final MpiCommunicator across;
    private final CommStats stats = new CommStats();
    /** Whether every node has as many ranks (the two-level path needs it; agreed when the group is made). */
    private final boolean uniformNodes;
    /** Whether {@link #world} was split for this group (and is closed with it) rather than given. */
    private final boolean ownsWorld;
    /** This process's node, as a key equal on every process of the node. */
    private final long nodeKey;

    private HierarchicalCommunicator(MpiCommunicator world, MpiCommunicator node, MpiCommunicator across,
                                     boolean uniformNodes, boolean ownsWorld, long nodeKey) {
        this.nodeKey = nodeKey;
        this.world = world;
        this.node = node;
        this.across = across;
        this.uniformNodes = uniformNodes;
        this.ownsWorld = ownsWorld;
    }

    /** Over {@code world}, nodes told apart by hostname. Collective over {@code world}. */
    public static HierarchicalCommunicator over(MpiCommunicator world) {
        return over(world, hostKey(), false);
    }

    /**
     * Over {@code world}, this process on the node {@code nodeKey} names (the hostname's hash in a real run;
     * a test groups the processes of one host into pretend nodes). Collective over {@code world}.
     */
    static HierarchicalCommunicator over(MpiCommunicator world, long nodeKey, boolean ownsWorld) {
        long[] keys = world.allGatherLong(nodeKey);
        // A node's color is the lowest rank on it; a rank's index within its node orders it there.
        int color = 0;
        while (keys[color] != keys[world.rank()]) {
            color++;
        }
        int indexOnNode = 0;
        for (int r = 0; r < world.rank(); r++) {
            if (keys[r] == keys[world.rank()]) {
                indexOnNode++;
            }
        }
        MpiCommunicator node = (MpiCommunicator) world.split(color, world.rank());
        MpiCommunicator across = (MpiCommunicator) world.split(indexOnNode, world.rank());
        boolean uniform = Arrays.stream(world.allGatherLong(node.size())).distinct().count() == 1;
        return new HierarchicalCommunicator(world, node, across, uniform, ownsWorld, nodeKey);
    }

    /** The hostname (this UTS namespace's), hashed alike in every JVM. */
    private static long hostKey() {
        String name;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
            name = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    /** Ranks on this rank's node. */
    public int ranksPerNode() {
        return node.size();
    }

    /** Nodes in the group. */
    public int nodes() {
        return across.size();
    }

    @Override
    public int rank() {
        return world.rank();
    }

    @Override
    public int size() {
        return world.size();
    }

    @Override
    public String backend() {
        return "hier";
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        if (tensor.dtype() != DType.F32) {
            throw new IllegalArgumentException("the hierarchical all-reduce sums f32 tensors, got " + tensor);
        }
        long start = System.nanoTime();
        long count = tensor.elementCount();
        MemorySegment data = tensor.data().asSlice(0, tensor.byteSize());
        int perNode = node.size();
        if (!uniformNodes || across.size() == 1 || perNode == 1 || count % perNode != 0) {
            world.mpiComm().allreduceInPlace(data, count, MpiDatatype.FLOAT, MpiOp.SUM);
        } else {
            long shard = count / perNode;
            long shardBytes = shard * Float.BYTES;
            // 1. Within the node: rank i of the node gets the node's sum of shard i, at the buffer's start.
            node.mpiComm().reduceScatterBlockInPlace(data, shard, MpiDatatype.FLOAT, MpiOp.SUM);
            // 2. Between nodes: the same shard of every node summed, 1/perNode of the message on the network.
            MemorySegment mine = data.asSlice(node.rank() * shardBytes, shardBytes);
            MemorySegment.copy(data, 0, mine, 0, shardBytes);
            across.mpiComm().allreduceInPlace(mine, shard, MpiDatatype.FLOAT, MpiOp.SUM);
            // 3. Within the node: every rank gathers every shard, in place.
            node.mpiComm().allgatherInPlace(data, shard, MpiDatatype.FLOAT);
        }
        stats.record(CommStats.Operation.ALL_REDUCE, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long start = System.nanoTime();
        world.allGather(local, gathered);
        stats.record(CommStats.Operation.ALL_GATHER, local.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        long start = System.nanoTime();
        world.broadcast(tensor, root);
        stats.record(CommStats.Operation.BROADCAST, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        world.broadcastBytes(bytes, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        return world.allGatherLong(value);
    }

    @Override
    public void barrier() {
        world.barrier();
    }

    /** A group of this one, hierarchical in its turn (its ranks find their nodes again, by hostname). */
    @Override
    public Communicator split(int color, int key) {
        return over((MpiCommunicator) world.split(color, key), nodeKey, true);
    }

    @Override
    public CommStats stats() {
        return stats;
    }


    @Override
    public void abort(Throwable cause) {
        world.abort(cause);
    }

    @Override
    public void close() {
        across.close();
        node.close();
        if (ownsWorld) {
            world.close();
        }
    }
}
