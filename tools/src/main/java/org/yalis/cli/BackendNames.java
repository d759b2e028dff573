package org.yalis.cli;

import java.util.Iterator;

import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.tensor.ComputeBackendProvider;
import org.yalis.engine.tensor.ComputeBackends;

/** The backend names picocli lists in --help ({@code ${COMPLETION-CANDIDATES}}), from the registries. */
final class BackendNames {
    private BackendNames() {
    }

    /** Every {@code --device}. */
    static final class Devices implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ComputeBackends.available().stream().map(ComputeBackendProvider::name).iterator();
        }
    }

    /** Every {@code --collective}. */
    static final class Collectives implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return CollectiveBackends.available().stream().map(CollectiveBackend::name).iterator();
        }
    }
}
