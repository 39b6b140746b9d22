package dev.roost.server.instances;

import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.store.Session;
import java.util.Optional;
import java.util.UUID;

/** Reads a stored manifest version back in its typed form, for code that acts on what an instance declares. */
public final class StoredManifests {
    private StoredManifests() {
    }

    /** Version {@code version} of the instance's manifest; empty when there is no such version. */
    public static Optional<ValidatedManifest> find(Session session, UUID instanceId, int version) {
        return session.manifests().find(instanceId, version)
                .map(v -> ManifestValidator.validate(ManifestFormats.json().readTree(v.manifestJson())));
    }
}
