package org.yalis.attention.plugins;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.HostCompute;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.ComputeBackendProvider;

/**
 * A compute backend from outside the engine, registered only in this module's test resources: the CPU
 * backend behind a proxy that counts its matrix products, offering what the cpu attention backend needs
 * ({@link HostCompute}) through the interface alone.
 */
public final class CountingCpuProvider implements ComputeBackendProvider {
    public static final AtomicLong MATMULS = new AtomicLong();

    @Override
    public String name() {
        return "counting-cpu";
    }

    @Override
    public String description() {
        return "the cpu backend, counting its matrix products (a test plug-in)";
    }

    @Override
    public boolean deviceMemory() {
        return false;
    }

    @Override
    public ComputeBackend open(Settings settings) {
        CpuBackend cpu = new CpuBackend(new CpuBackend.Settings(settings.threads(), settings.weights(),
                settings.batchInvariant(), settings.quantization()));
        return (ComputeBackend) Proxy.newProxyInstance(ComputeBackend.class.getClassLoader(),
                new Class<?>[] {ComputeBackend.class, HostCompute.class}, (proxy, method, args) -> {
                    if (method.getName().equals("matmul")) {
                        MATMULS.incrementAndGet();
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
