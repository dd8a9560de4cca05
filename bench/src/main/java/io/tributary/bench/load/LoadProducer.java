package io.tributary.bench.load;

/** A producer thread of a run, whatever API it writes through. */
public interface LoadProducer extends Runnable {

    /** Why it stopped early, or {@code null}. */
    Throwable failure();
}
