package dev.floe.tier.s3;

import dev.floe.tier.store.ObjectStoreException;
import dev.floe.tier.store.UploadThrottle;
import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * One file to one S3 object as a multipart upload: parts streamed from the file, several in flight (on a pool
 * shared by every upload of the process, so the bound is global), each retried on its own. Nothing is visible
 * under the key until the upload completes; a failure aborts it so its parts stop costing storage, and parts a
 * killed process left behind are found and aborted at the next start ({@link S3ObjectStore#abortIncompleteUploads}).
 */
final class MultipartUploader {
    private static final Logger LOG = LoggerFactory.getLogger(MultipartUploader.class);
    static final int PART_ATTEMPTS = 3;
    private static final long FIRST_BACKOFF_MS = 200;

    private final S3Client s3;
    private final String bucket;
    private final S3Tuning tuning;
    private final UploadThrottle throttle;
    private final ExecutorService parts;
    private final Counter partRetries;
    private final Counter partBytes;

    MultipartUploader(S3Client s3, String bucket, S3Tuning tuning, UploadThrottle throttle, ExecutorService parts,
                      Counter partRetries, Counter partBytes) {
        this.partBytes = partBytes;
        this.s3 = s3;
        this.bucket = bucket;
        this.tuning = tuning;
        this.throttle = throttle;
        this.parts = parts;
        this.partRetries = partRetries;
    }

    void upload(String key, Path file, long size) {
        boolean crc = tuning.checksumMode() == ChecksumMode.WHEN_SUPPORTED;
        String uploadId = s3.createMultipartUpload(b -> {
            b.bucket(bucket).key(key);
            if (crc) {
                // The SDK checksums each part with CRC32 in this mode; declaring it lets S3 verify the whole object.
                b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
            }
        }).uploadId();
        long partSize = tuning.partSizeFor(size);
        int count = (int) ((size + partSize - 1) / partSize);
        long started = System.nanoTime();
        List<Future<CompletedPart>> pending = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                long offset = i * partSize;
                FileRange range = new FileRange(file, offset, Math.min(partSize, size - offset));
                int number = i + 1;
                pending.add(parts.submit(() -> uploadPart(key, uploadId, number, count, range, crc)));
            }
            List<CompletedPart> done = new ArrayList<>(count);
            for (Future<CompletedPart> f : pending) {
                done.add(f.get());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(done)));
            LOG.debug("uploaded {} ({} bytes) in {} parts in {} ms", key, size, count,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(key, uploadId, pending);
            throw new ObjectStoreException("multipart upload of " + key + " interrupted");
        } catch (ExecutionException e) {
            abort(key, uploadId, pending);
            Throwable cause = e.getCause();
            throw cause instanceof ObjectStoreException ose ? ose
                    : new ObjectStoreException("multipart upload of " + key + " failed: " + cause.getMessage(), cause);
        } catch (SdkException | UncheckedIOException | java.util.concurrent.RejectedExecutionException e) {
            abort(key, uploadId, pending);
            throw new ObjectStoreException("multipart upload of " + key + " failed: " + e.getMessage(), e);
        }
    }

    private CompletedPart uploadPart(String key, String uploadId, int number, int count, FileRange range, boolean crc)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                UploadPartRequest.Builder request = UploadPartRequest.builder().bucket(bucket).key(key)
                        .uploadId(uploadId).partNumber(number).contentLength(range.length());
                if (crc) {
                    request.checksumAlgorithm(ChecksumAlgorithm.CRC32);
                } else {
                    request.contentMD5(range.md5Base64());
                }
                UploadPartResponse response = s3.uploadPart(request.build(), range.body(throttle));
                partBytes.increment(range.length());
                // Progress of a large segment, part by part (the segment's own line comes when it commits).
                LOG.debug("{}: part {} of {} ({} bytes) uploaded", key, number, count, range.length());
                return CompletedPart.builder().partNumber(number).eTag(response.eTag())
                        .checksumCRC32(response.checksumCRC32()).build();
            } catch (SdkException | UncheckedIOException e) {
                if (attempt >= PART_ATTEMPTS || Thread.currentThread().isInterrupted()) {
                    throw new ObjectStoreException("part " + number + " of " + count + " of " + key + " failed "
                            + attempt + " times; last: " + e.getMessage(), e);
                }
                partRetries.increment();
                long backoff = FIRST_BACKOFF_MS << (attempt - 1);
                LOG.warn("{}: part {} of {} failed (attempt {} of {}), retrying in {} ms: {}", key, number, count,
                        attempt, PART_ATTEMPTS, backoff, e.getMessage());
                Thread.sleep(backoff);
            }
        }
    }

    private void abort(String key, String uploadId, List<Future<CompletedPart>> pending) {
        for (Future<CompletedPart> f : pending) {
            f.cancel(true);
        }
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // Left for the next start's sweep (or the bucket's lifecycle rule); the object itself never appeared.
            LOG.warn("could not abort multipart upload {} of {}: {}", uploadId, key, e.getMessage());
        }
    }
}
