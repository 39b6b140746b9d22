package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Identity of an instance. Labels and annotations are sorted by key. */
public record Metadata(
        String name,
        String workspace,
        Environment environment,
        Map<String, String> labels,
        Map<String, String> annotations) {

    public Metadata {
        requireNonNull(name, "name is null");
        requireNonNull(workspace, "workspace is null");
        requireNonNull(environment, "environment is null");
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(labels, "labels is null")));
        annotations = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(annotations, "annotations is null")));
    }
}
