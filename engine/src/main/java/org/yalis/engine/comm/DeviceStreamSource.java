package org.yalis.engine.comm;

/**
 * A compute backend whose work is ordered on one CUDA stream, which device collectives must join;
 * see {@link DeviceStream} for the contract.
 */
public interface DeviceStreamSource {

    /** The backend's stream and GPU, alive until the backend closes. */
    DeviceStream deviceStream();
}
