package org.yalis.engine.cpu;

/**
 * What a compute backend whose tensors are in host memory offers the plug-ins that run beside it (the cpu
 * attention backend): the pool of threads it computes on, so that they split their work the same way.
 * An attention backend asks for this interface, never for a backend's class.
 */
public interface HostCompute {
    ComputePool pool();
}
