package dev.floe.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The test's own web origin on loopback: it serves one page and collects what the page POSTs back to it, so a test
 * sees what a browser saw without driving the browser through a debugging protocol.
 */
final class PageServer implements AutoCloseable {
    /** One report from the page: form fields, always with "kind" and "seq". */
    record Report(Map<String, String> fields) {
        String get(String name) {
            return fields.get(name);
        }

        String kind() {
            return fields.get("kind");
        }
    }

    private final HttpServer server;
    private final BlockingQueue<Report> pending = new LinkedBlockingQueue<>();
    private final List<Report> all = new ArrayList<>();

    PageServer(String html) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] page = html.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            switch (exchange.getRequestURI().getPath()) {
                case "/page.html" -> {
                    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                    exchange.sendResponseHeaders(200, page.length);
                    exchange.getResponseBody().write(page);
                }
                case "/report" -> {
                    Report report = new Report(form(exchange));
                    synchronized (all) {
                        all.add(report);
                    }
                    pending.add(report);
                    exchange.sendResponseHeaders(204, -1);
                }
                default -> exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
    }

    String pageUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/page.html";
    }

    /** The next report of this kind; others in between are skipped (but kept for {@link #history()}). */
    Report next(String kind, Duration timeout, Chromium browser) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Report report = left > 0 ? pending.poll(left, TimeUnit.NANOSECONDS) : null;
            if (report == null) {
                throw new AssertionError("no '" + kind + "' report from the page within " + timeout + (browser.alive() ? ""
                        : " (chromium has exited)") + "\nreports so far:\n" + history() + "\nchromium log:\n" + browser.logTail());
            }
            if ("error".equals(report.kind()) && "2".equals(report.get("readyState"))) {
                throw new AssertionError("the page's EventSource gave up (readyState CLOSED): the broker refused the stream"
                        + " or a CORS check failed\nreports so far:\n" + history() + "\nchromium log:\n" + browser.logTail());
            }
            if (kind.equals(report.kind())) {
                return report;
            }
        }
    }

    /** Whatever the page reports within the wait, without blocking longer. */
    List<Report> drain(Duration wait) throws InterruptedException {
        Thread.sleep(wait.toMillis());
        List<Report> out = new ArrayList<>();
        pending.drainTo(out);
        return out;
    }

    String history() {
        synchronized (all) {
            return String.join("\n", all.stream().map(r -> "  " + r.fields()).toList());
        }
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (!pair.isEmpty()) {
                String[] kv = pair.split("=", 2);
                fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return fields;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
