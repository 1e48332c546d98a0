package dev.floe.tier.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/** An input stream whose bytes are paid for in an {@link UploadThrottle} as they are read. */
public final class ThrottledInputStream extends FilterInputStream {
    private final UploadThrottle throttle;

    public ThrottledInputStream(InputStream in, UploadThrottle throttle) {
        super(in);
        this.throttle = throttle;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            pay(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            pay(n);
        }
        return n;
    }

    private void pay(int n) throws IOException {
        try {
            throttle.acquire(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted while throttled");
        }
    }
}
