package dev.floe.tier;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Sees every HTTP request the real SDK sends (after signing, as it goes on the wire) and can fail chosen ones once
 * before they are sent: fault injection into real requests to a real server, not a fake client.
 */
final class RequestRecorder implements ExecutionInterceptor {
    /** A request as sent: its API operation and its HTTP headers. */
    record Sent(SdkRequest request, SdkHttpRequest http) {
        boolean is(Class<? extends SdkRequest> type) {
            return type.isInstance(request);
        }

        boolean hasHeaderStartingWith(String prefix) {
            return http.headers().keySet().stream().anyMatch(h -> h.toLowerCase().startsWith(prefix));
        }
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    private volatile Predicate<SdkRequest> failOnce = r -> false;
    private final AtomicInteger failuresLeft = new AtomicInteger();

    /** The next {@code times} requests matching {@code which} fail before transmission. */
    void fail(Predicate<SdkRequest> which, int times) {
        failOnce = which;
        failuresLeft.set(times);
    }

    long count(Class<? extends SdkRequest> type) {
        return sent.stream().filter(s -> s.is(type)).count();
    }

    List<Sent> of(Class<? extends SdkRequest> type) {
        return sent.stream().filter(s -> s.is(type)).toList();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        sent.add(new Sent(context.request(), context.httpRequest()));
        if (failOnce.test(context.request()) && failuresLeft.getAndDecrement() > 0) {
            // Not retryable for the SDK (no IOException cause), so the SDK gives up at once and our retry is tested.
            throw SdkClientException.create("injected failure of " + context.request().getClass().getSimpleName());
        }
    }
}
