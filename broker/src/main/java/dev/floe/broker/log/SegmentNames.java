package dev.floe.broker.log;

import java.nio.file.Path;

/** File names of a segment: the 20-digit zero-padded base offset with one suffix per file. */
public final class SegmentNames {
    public static final String LOG = ".log";
    public static final String INDEX = ".index";
    public static final String TIME_INDEX = ".timeindex";
    public static final String DELETED = ".deleted";
    /** A compacted group of segments being written by the log cleaner; never part of the log. */
    public static final String CLEANED = ".cleaned";
    /** A compacted group complete on disk, committed to replace the segments in its offset range. */
    public static final String SWAP = ".swap";

    private SegmentNames() {
    }

    public static String baseName(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    public static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + LOG);
    }

    public static Path indexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + INDEX);
    }

    public static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + TIME_INDEX);
    }

    /**
     * The cleaner's output for the segments in {@code [baseOffset, endOffset)}: {@code <base>.<end>.log.cleaned}
     * while written, {@code .swap} once complete. The end offset is in the name because cleaning may drop the last
     * records of the range, and recovery must know which old segments a swap file replaces.
     */
    public static Path cleanedFile(Path dir, long baseOffset, long endOffset) {
        return dir.resolve(baseName(baseOffset) + "." + baseName(endOffset) + LOG + CLEANED);
    }

    public static Path swapFile(Path dir, long baseOffset, long endOffset) {
        return dir.resolve(baseName(baseOffset) + "." + baseName(endOffset) + LOG + SWAP);
    }

    /** {base, end} of a cleaned or swap file name, or null when the name is not one. */
    public static long[] replacedRange(String fileName) {
        String[] parts = fileName.split("\\.");
        if (parts.length != 4 || parts[0].length() != 20 || parts[1].length() != 20 || !(LOG).equals("." + parts[2])) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The base offset encoded in a segment file name, or -1 when the name is not a segment file. */
    public static long baseOffsetOf(String fileName) {
        int dot = fileName.indexOf('.');
        if (dot != 20) {
            return -1;
        }
        try {
            return Long.parseLong(fileName.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
