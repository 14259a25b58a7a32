package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A flow definition from templates/ run with given inputs and checks (for example those of the generated flow that does
 * the same job), their parameter names mapped onto the template's. Registered in {@link NiFiSystemIT#templateRuns}.
 */
final class TemplateScenario implements FlowScenario {

    private final Path template;
    private final FlowChecks inputsAndChecks;
    private final Map<String, String> parameterNames;
    private final Map<String, String> extraParameters;

    /**
     * @param parameterNames  the checks' parameter name -> the template's parameter name; parameters not listed
     *                        keep their name, parameters mapped to null are not set
     * @param extraParameters template parameters to set to fixed values (e.g. an engine choice)
     */
    TemplateScenario(final Path template, final FlowChecks inputsAndChecks, final Map<String, String> parameterNames,
                     final Map<String, String> extraParameters) {
        this.template = template;
        this.inputsAndChecks = inputsAndChecks;
        this.parameterNames = parameterNames;
        this.extraParameters = extraParameters;
    }

    @Override
    public String name() {
        return "template " + template.getFileName();
    }

    @Override
    public byte[] flowDefinition() throws IOException {
        return Files.readAllBytes(template);
    }

    @Override
    public Map<String, String> prepare(final Path workDir) throws IOException {
        final Map<String, String> parameters = new LinkedHashMap<>();
        inputsAndChecks.prepare(workDir).forEach((name, value) -> {
            final String renamed = parameterNames.containsKey(name) ? parameterNames.get(name) : name;
            if (renamed != null) {
                parameters.put(renamed, value);
            }
        });
        parameters.putAll(extraParameters);
        return parameters;
    }

    @Override
    public void verify(final Path workDir, final FlowRunner.RunResult result) throws Exception {
        inputsAndChecks.verify(workDir, result);
    }

    @Override
    public Duration enableTimeout() {
        return inputsAndChecks.enableTimeout();
    }

    @Override
    public Duration runTimeout() {
        return inputsAndChecks.runTimeout();
    }
}
