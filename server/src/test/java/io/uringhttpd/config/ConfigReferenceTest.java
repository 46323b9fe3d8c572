package io.uringhttpd.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference cannot drift from reference.conf: the same keys, and
 * each default as reference.conf has it.
 */
class ConfigReferenceTest {
    /** A reference row: | `key` | `default` | meaning | */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| `(.*?)` \\| (.+) \\|$");

    private static void emptyObjects(com.typesafe.config.ConfigObject o, String prefix, Map<String, ConfigValue> out) {
        o.forEach((name, v) -> {
            if (v instanceof com.typesafe.config.ConfigObject child) {
                if (child.isEmpty()) {
                    out.put(prefix + name, child);
                } else {
                    emptyObjects(child, prefix + name + ".", out);
                }
            }
        });
    }

    @Test
    void everyKeyIsInTheReadmeWithItsDefault() throws Exception {
        Config reference = ConfigFactory.parseResources("reference.conf").getConfig("uring-httpd");
        Map<String, ConfigValue> keys = new TreeMap<>();
        reference.entrySet().forEach(e -> keys.put(e.getKey(), e.getValue()));
        emptyObjects(reference.root(), "", keys); // maps of the user's keys (error-pages = {}): keys too

        String readme = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"));
        section = section.substring(0, section.indexOf("\n## ", 4));
        Map<String, String> documented = new TreeMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }
        assertThat(documented.keySet()).as("keys in README's Configuration table").isEqualTo(keys.keySet());
        documented.forEach((key, readmeDefault) -> {
            Object readmeValue = ConfigFactory.parseString("v = " + readmeDefault).getValue("v").unwrapped();
            assertThat(readmeValue).as("README's default of %s", key).isEqualTo(keys.get(key).unwrapped());
        });
    }
}
