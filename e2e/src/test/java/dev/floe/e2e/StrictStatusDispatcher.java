package dev.floe.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * fabric8's CRUD dispatcher, refusing a status update that carries a stale {@code resourceVersion} with 409 Conflict,
 * as a real API server does. The plain mock accepts it, so a writer that read a Topic before someone else's status
 * write (a leader's ISR update, the controller's pass) silently puts the old status back, which no real cluster
 * allows and which every writer in Floe guards against by retrying on 409.
 */
final class StrictStatusDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        String path = request.getPath();
        if (path == null || !path.contains("/status")) {
            return super.handleUpdate(request);
        }
        // One status update at a time, so the check and the write cannot be split by another status write.
        synchronized (this) {
            try {
                String sent = version(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
                MockResponse current = handleGet(path.substring(0, path.indexOf("/status")));
                String stored = current.code() == 200
                        ? version(new String(current.getBody().getBytes(), StandardCharsets.UTF_8)) : null;
                if (sent != null && stored != null && !sent.equals(stored)) {
                    return new MockResponse().setResponseCode(409).setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                            + "\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409,\"message\":\"the object "
                            + "has been modified; please apply your changes to the latest version and try again\"}");
                }
            } catch (IOException unreadable) {
                // Let the plain dispatcher answer what it makes of it.
            }
            return super.handleUpdate(request);
        }
    }

    private static String version(String body) throws IOException {
        JsonNode v = JSON.readTree(body).path("metadata").path("resourceVersion");
        return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
