package dev.floe.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;

import java.util.List;

/**
 * What one Fetch request means once its session is taken into account (Kafka's FetchContext): which partitions to
 * read, and how the read becomes the response. {@link #respond} is called once, with the final read (after a
 * parked fetch woke up, too), and is where an incremental session leaves out what has nothing to report.
 */
public interface FetchContext {

    /** The partitions to read, topic names resolved (a name is null for an unknown topic id). */
    List<FetchRequestData.FetchTopic> toRead();

    /** The response the fetcher gets for {@code read}, the read of {@link #toRead()}. */
    FetchResponseData respond(FetchResponseData read);
}
