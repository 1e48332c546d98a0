package dev.floe.tier.s3;

import java.util.Locale;

/**
 * When the AWS SDK adds its flexible checksums to requests and validates them on responses.
 * {@code WHEN_SUPPORTED} (the SDK's default, right for AWS) sends a CRC trailer with every upload, as
 * aws-chunked encoding; several S3-compatible stores mishandle that encoding, so {@code WHEN_REQUIRED} sends
 * checksums only where an API demands one. Integrity holds either way: in {@code WHEN_REQUIRED} mode every PUT and
 * part carries our own Content-MD5, which every S3-compatible store checks before it accepts the bytes.
 */
public enum ChecksumMode {
    WHEN_SUPPORTED, WHEN_REQUIRED;

    /** From a setting: {@code when_supported} or {@code when_required}, any case, '-' or '_'. */
    public static ChecksumMode parse(String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ChecksumMode m : values()) {
            if (m.name().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("the S3 checksum mode must be when_supported or when_required, not '"
                + value + "' (FLOE_TIER_S3_CHECKSUM)");
    }
}
