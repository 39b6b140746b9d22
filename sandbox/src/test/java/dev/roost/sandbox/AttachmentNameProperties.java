package dev.roost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever name a task body brings, an accepted attachment lands inside the working directory. */
class AttachmentNameProperties {
    private static final Path WORK = Path.of("/srv/roost/jobs/job-1/work");

    @Property(tries = 2000)
    void accepted_names_stay_inside_the_working_directory(@ForAll("hostileNames") String name) {
        SandboxJob job;
        try {
            job = SandboxJob.script("job", "true").withAttachments(Map.of(name, new byte[0]));
        } catch (IllegalArgumentException refused) {
            return;
        }
        String accepted = job.attachments().keySet().iterator().next();
        Path target = WORK.resolve(accepted).normalize();
        assertThat(target.startsWith(WORK) && !target.equals(WORK)).as(target.toString()).isTrue();
        assertThat(WORK.relativize(target).toString()).isEqualTo(accepted);
    }

    @Provide
    Arbitrary<String> hostileNames() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("..", ".", "", "out", "a", "~", "-", " ", "a b", "..."),
                Arbitraries.strings().withChars("ab./\\\0~-").ofMinLength(0).ofMaxLength(6));
        return segment.list().ofMinSize(1).ofMaxSize(5).map(parts -> String.join("/", parts))
                .flatMap(path -> Arbitraries.of(path, "/" + path, path + "/"));
    }
}
