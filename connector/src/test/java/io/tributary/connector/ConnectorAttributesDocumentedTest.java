package io.tributary.connector;

import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's attribute table says what the connector declares: names, directions, types, defaults, descriptions. */
class ConnectorAttributesDocumentedTest {

    @Test
    void readmeTableMatchesTheDeclaredAttributes() throws IOException {
        Map<String, String> declared = new LinkedHashMap<>();
        for (ConnectorAttribute a : TributaryConnector.class.getAnnotationsByType(ConnectorAttribute.class)) {
            String direction = switch (a.direction()) {
                case INCOMING -> "incoming";
                case OUTGOING -> "outgoing";
                case INCOMING_AND_OUTGOING -> "incoming and outgoing";
            };
            String defaultValue = a.mandatory() ? "(required)"
                    : ConnectorAttribute.NO_VALUE.equals(a.defaultValue()) ? null : "`" + a.defaultValue() + "`";
            declared.put(a.name(), direction + " | " + a.type() + " | " + (defaultValue == null ? "*" : defaultValue)
                    + " | " + a.description());
        }
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.substring(1, line.length() - 1).split(" \\| ");
            assertEquals(5, cells.length, "a row of five cells: " + line);
            String name = cells[0].trim().replace("`", "");
            String defaultValue = cells[3].trim();
            documented.put(name, cells[1].trim() + " | " + cells[2].trim() + " | " + defaultValue + " | " + cells[4].trim());
        }
        assertEquals(declared.keySet(), documented.keySet(), "the same attributes, in the same order");
        for (Map.Entry<String, String> e : declared.entrySet()) {
            String doc = documented.get(e.getKey());
            if (e.getValue().contains(" | * | ")) {
                // No declared default: the README may say what the connector derives instead.
                String[] want = e.getValue().split(" \\| ");
                String[] got = doc.split(" \\| ");
                assertEquals(want[0] + want[1] + want[3], got[0] + got[1] + got[3], e.getKey());
                assertTrue(!got[2].startsWith("`"), e.getKey() + ": no literal default is declared");
            } else {
                assertEquals(e.getValue(), doc, e.getKey());
            }
        }
    }
}
