package org.yalis.engine.cuda;

/** The device has no room for a block: the pool drops its cached blocks and tries once more. */
public final class DeviceOutOfMemoryException extends RuntimeException {
    public DeviceOutOfMemoryException(long bytes, Throwable cause) {
        super("out of device memory for a block of " + bytes + " bytes", cause);
    }
}
