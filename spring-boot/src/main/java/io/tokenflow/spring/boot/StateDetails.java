package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenFailure;
import io.tokenflow.core.WorkloadState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link WorkloadState} as a JSON-ready map, the names of {@code StatusRoutes}' {@code /status}: for
 * the health details and the {@code tokenflow} endpoint. Absent values are left out (Actuator's health
 * details take no null). Holds no token and no secret: a state has neither.
 */
final class StateDetails {

    private StateDetails() {
    }

    static Map<String, Object> of(WorkloadState state) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status", state.status().name());
        details.put("since", state.since().toString());
        state.tokenExpiresAt().ifPresent(at -> details.put("tokenExpiresAt", at.toString()));
        state.lastFailure().ifPresent(failure -> details.put("lastFailure", failure(failure)));
        state.nextAttemptAt().ifPresent(at -> details.put("nextAttemptAt", at.toString()));
        details.put("consecutiveFailures", state.consecutiveFailures());
        return details;
    }

    private static Map<String, Object> failure(TokenFailure failure) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", failure.kind().name());
        failure.httpStatus().ifPresent(status -> details.put("httpStatus", status));
        failure.oauthError().ifPresent(error -> details.put("oauthError", error));
        details.put("message", failure.message());
        failure.remediation().ifPresent(remediation -> details.put("remediation", remediation));
        return details;
    }
}
