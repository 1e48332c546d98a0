package dev.floe.operator.autoscale;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads brokers' Prometheus endpoints ({@code http://<advertised-http>/q/metrics}) several at a time on a bounded
 * pool of its own, so a slow or hung broker costs a scrape thread for at most the timeout, never the reconciler's
 * thread or the autoscaler's loop. A broker that cannot be read comes back as an error, never as a guess.
 */
public final class BrokerScraper implements AutoCloseable {
    static final String PATH = "/q/metrics";
    private static final int THREADS = 4;
    private static final int QUEUE = 256;

    /** One broker's outcome: a reading, or why there is none. */
    public record Result(BrokerReading reading, String error) {
        static Result failed(String error) {
            return new Result(null, error);
        }
    }

    private final ExecutorService pool;
    private final ExecutorService httpInternals;
    private final HttpClient http;
    private final Clock clock;

    public BrokerScraper(Clock clock) {
        this.clock = clock;
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                daemon("floe-autoscaler-scrape"), new ThreadPoolExecutor.AbortPolicy());
        this.httpInternals = Executors.newFixedThreadPool(2, daemon("floe-autoscaler-http"));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(httpInternals).build();
    }

    /**
     * Reads every broker at once and waits for all, each for at most {@code timeout}.
     *
     * @param addresses broker id to host:port of its HTTP listener
     */
    public Map<Integer, Result> scrape(Map<Integer, String> addresses, Duration timeout) {
        Map<Integer, Future<Result>> pending = new LinkedHashMap<>();
        Map<Integer, Result> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, String> broker : addresses.entrySet()) {
            try {
                pending.put(broker.getKey(), pool.submit(() -> read(broker.getValue(), timeout)));
            } catch (RejectedExecutionException e) {
                out.put(broker.getKey(), Result.failed("too many reads pending"));
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (Map.Entry<Integer, Future<Result>> p : pending.entrySet()) {
            try {
                out.put(p.getKey(), p.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                p.getValue().cancel(true);
                out.put(p.getKey(), Result.failed("no answer within " + timeout.toMillis() + " ms"));
            } catch (ExecutionException e) {
                out.put(p.getKey(), Result.failed(String.valueOf(e.getCause())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.put(p.getKey(), Result.failed("interrupted"));
            }
        }
        return out;
    }

    private Result read(String address, Duration timeout) {
        URI uri = URI.create("http://" + address + PATH);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Result.failed(uri + " answered HTTP " + response.statusCode());
            }
            return new Result(BrokerReading.parse(clock.instant(), response.body()), null);
        } catch (IllegalArgumentException e) {
            return Result.failed(uri + ": " + e.getMessage());
        } catch (IOException e) {
            return Result.failed(uri + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed("interrupted");
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        pool.shutdownNow();
        httpInternals.shutdownNow();
    }
}
