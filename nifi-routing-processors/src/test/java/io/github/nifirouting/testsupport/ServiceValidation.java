package io.github.nifirouting.testsupport;

import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.util.MockProcessContext;
import org.apache.nifi.util.MockValidationContext;
import org.apache.nifi.util.TestRunner;

import java.util.List;

/** The explanations a controller service gives for being invalid, as NiFi would show them before enabling. */
public final class ServiceValidation {

    private ServiceValidation() {
    }

    public static List<String> problems(final TestRunner runner, final ControllerService service) {
        final MockValidationContext context = new MockValidationContext((MockProcessContext) runner.getProcessContext(), runner.getStateManager());
        return service.validate(context.getControllerServiceValidationContext(service)).stream()
                .filter(result -> !result.isValid())
                .map(ValidationResult::getExplanation)
                .toList();
    }
}
