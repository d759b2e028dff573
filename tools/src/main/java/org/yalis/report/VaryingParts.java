package org.yalis.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Short labels for a set of configurations: each is described by the same ordered parts (model,
 * workload, grid, ...); only the parts that differ between them go into the labels, and the parts
 * all share are said once, in a caption. Labels stay short enough to sit under a bar or in a legend
 * while still telling every configuration apart.
 *
 * @param labels one per configuration, its varying parts joined by {@value #SEPARATOR}
 * @param common the parts every configuration shares and the labels leave out, joined the same way
 *               (empty if none)
 */
record VaryingParts(List<String> labels, String common) {
    static final String SEPARATOR = " · ";

    /**
     * @param parts        per configuration, its parts (every list the same length)
     * @param alwaysShown  parts that go into the labels even when all configurations share them; when
     *                     this is empty and nothing differs, the labels show every part
     */
    static VaryingParts of(List<List<String>> parts, Set<Integer> alwaysShown) {
        if (parts.isEmpty()) {
            return new VaryingParts(List.of(), "");
        }
        int count = parts.getFirst().size();
        Set<Integer> shown = new LinkedHashSet<>();
        List<String> common = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            boolean varies = parts.stream().map(p -> p.get(index)).distinct().count() > 1;
            if (varies || alwaysShown.contains(i)) {
                shown.add(i);
            } else {
                common.add(parts.getFirst().get(i));
            }
        }
        if (shown.isEmpty()) {
            for (int i = 0; i < count; i++) {
                shown.add(i);
            }
            common.clear();
        }
        List<String> labels = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (List<String> configuration : parts) {
            List<String> kept = shown.stream().map(configuration::get).toList();
            String label = String.join(SEPARATOR, kept);
            int occurrence = seen.merge(label, 1, Integer::sum);
            // The same configuration run twice: both are kept, told apart by a number.
            labels.add(occurrence == 1 ? label : label + " #" + occurrence);
        }
        return new VaryingParts(labels, String.join(SEPARATOR, common));
    }
}
