package io.github.nifirouting.docs;

import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.ConfigurableComponent;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One documentation page per processor and controller service, generated from the components themselves (so they
 * cannot drift): docs/components/&lt;Name&gt;.md and the same text as NiFi additional details
 * (src/main/resources/docs/&lt;class&gt;/additionalDetails.md, shown in NiFi's help). This test fails when a page is
 * missing or stale; regenerate with
 * <pre>./mvnw -B -pl nifi-routing-processors test -Dtest=ComponentDocsTest -Ddocs.generate=true</pre>
 */
class ComponentDocsTest {

    @Test
    void everyComponentHasAnUpToDatePage() throws Exception {
        final Path module = Path.of("").toAbsolutePath();
        final Path repo = module.getParent();
        final boolean generate = Boolean.getBoolean("docs.generate");
        final List<String> stale = new ArrayList<>();
        for (final String services : List.of("META-INF/services/org.apache.nifi.processor.Processor",
                "META-INF/services/org.apache.nifi.controller.ControllerService")) {
            final String listing = new String(getClass().getClassLoader().getResourceAsStream(services).readAllBytes(), StandardCharsets.UTF_8);
            for (final String className : listing.lines().map(String::trim).filter(l -> !l.isEmpty()).toList()) {
                final Class<?> type = Class.forName(className);
                final String page = page(type, (ConfigurableComponent) type.getDeclaredConstructor().newInstance());
                for (final Path target : List.of(repo.resolve("docs/components/" + type.getSimpleName() + ".md"),
                        module.resolve("src/main/resources/docs/" + className + "/additionalDetails.md"))) {
                    if (generate) {
                        Files.createDirectories(target.getParent());
                        Files.writeString(target, page);
                    } else if (!Files.isRegularFile(target) || !Files.readString(target).equals(page)) {
                        stale.add(repo.relativize(target).toString());
                    }
                }
            }
        }
        if (!stale.isEmpty()) {
            fail("component pages missing or stale (regenerate with -Ddocs.generate=true): " + stale);
        }
        assertEquals(false, generate && !stale.isEmpty());
    }

    static String page(final Class<?> type, final ConfigurableComponent component) {
        final StringBuilder md = new StringBuilder();
        md.append("# ").append(type.getSimpleName()).append("\n\n");
        md.append(Processor.class.isAssignableFrom(type) ? "Processor" : "Controller service").append(" `").append(type.getName()).append("`\n\n");
        final CapabilityDescription description = type.getAnnotation(CapabilityDescription.class);
        if (description != null) {
            md.append(description.value()).append("\n\n");
        }
        md.append("## Properties\n\n| Name | Default | Allowed values | Expression Language | Description |\n|---|---|---|---|---|\n");
        for (final PropertyDescriptor property : component.getPropertyDescriptors()) {
            final String allowed = property.getAllowableValues() == null ? "" : property.getAllowableValues().stream()
                    .map(AllowableValue::getValue).collect(Collectors.joining(", "));
            md.append("| ").append(property.getName()).append(property.isRequired() ? " *" : "").append(property.isSensitive() ? " (sensitive)" : "")
                    .append(" | ").append(property.getDefaultValue() == null ? "" : "`" + property.getDefaultValue() + "`")
                    .append(" | ").append(allowed)
                    .append(" | ").append(property.isExpressionLanguageSupported() ? property.getExpressionLanguageScope().name().toLowerCase().replace('_', ' ') : "no")
                    .append(" | ").append(property.getDescription() == null ? "" : property.getDescription().replace("|", "\\|").replace("\n", " "))
                    .append(" |\n");
        }
        md.append("\n\\* required\n");
        if (component instanceof Processor processor) {
            md.append("\n## Relationships\n\n| Name | Description |\n|---|---|\n");
            for (final Relationship relationship : processor.getRelationships().stream().sorted((a, b) -> a.getName().compareTo(b.getName())).toList()) {
                md.append("| ").append(relationship.getName()).append(" | ").append(relationship.getDescription()).append(" |\n");
            }
        }
        final WritesAttributes attributes = type.getAnnotation(WritesAttributes.class);
        if (attributes != null) {
            md.append("\n## Attributes written\n\n| Attribute | Description |\n|---|---|\n");
            for (final WritesAttribute attribute : attributes.value()) {
                md.append("| ").append(attribute.attribute()).append(" | ").append(attribute.description()).append(" |\n");
            }
        }
        final UseCase[] useCases = type.getAnnotationsByType(UseCase.class);
        if (useCases.length > 0) {
            md.append("\n## Examples\n");
            for (final UseCase useCase : useCases) {
                md.append("\n### ").append(useCase.description()).append("\n\n").append(useCase.configuration().strip()).append("\n");
            }
        }
        md.append("\nSee also the guides in the project's docs/ directory (chunking, engines, Parquet, memory, operations).\n");
        return md.toString();
    }
}
