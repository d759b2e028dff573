package org.yalis.attention.plugins;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.LocalCommunicator;

/**
 * A collective from outside the engine, registered only in this module's test resources: ranks as threads,
 * whose world counts the all-reduces it does (delegating them to in-process ranks) so that a test can tell
 * it was the one chosen.
 */
public final class RecordingCollective implements CollectiveBackend {
    /** All-reduces done by any rank of any group this backend made. */
    public static final AtomicLong ALL_REDUCES = new AtomicLong();

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public String description() {
        return "in-process ranks that count their all-reduces (a test plug-in)";
    }

    @Override
    public Ranks ranks() {
        return Ranks.THREADS;
    }

    @Override
    public boolean movesHostBuffers() {
        return true;
    }

    @Override
    public boolean movesDeviceBuffers() {
        return false;
    }

    @Override
    public List<Communicator> threadRanks(int size) {
        return LocalCommunicator.createGroup(size).stream().map(RecordingCollective::counting).toList();
    }

    /** {@code inner}, its all-reduces (and those of the groups split from it) counted. */
    private static Communicator counting(Communicator inner) {
        return (Communicator) java.lang.reflect.Proxy.newProxyInstance(Communicator.class.getClassLoader(),
                new Class<?>[] {Communicator.class}, (proxy, method, args) -> {
                    if (method.getName().equals("allReduceSum")) {
                        ALL_REDUCES.incrementAndGet();
                    }
                    Object result;
                    try {
                        result = method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    return method.getName().equals("split") ? counting((Communicator) result) : result;
                });
    }
}
