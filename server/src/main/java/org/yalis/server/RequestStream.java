package org.yalis.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.yalis.engine.Completion;
import org.yalis.engine.FinishReason;
import org.yalis.engine.OnlineEngine;
import org.yalis.engine.tokenizer.TextStream;

/**
 * One request between the loop thread and the HTTP thread that answers it: the loop thread detokenizes
 * each token (so that a stop string ends the request before the next step, as the offline
 * {@code generate --stop} does) and queues the text; the HTTP thread takes it and writes it out.
 */
final class RequestStream implements OnlineEngine.RequestListener {
    /** What the HTTP thread hears: text as it comes, then the end (or the engine's failure). */
    sealed interface Event {
    }

    record Text(String piece) implements Event {
    }

    record End(String finishReason, int promptTokens, int completionTokens) implements Event {
    }

    record Failed(Throwable cause) implements Event {
    }

    private final TextStream text;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final long arrivalNanos = System.nanoTime();
    private volatile long firstTokenNanos;
    private volatile long lastTokenNanos;

    RequestStream(TextStream text) {
        this.text = text;
    }

    @Override
    public void onToken(int token) {
        long now = System.nanoTime();
        if (firstTokenNanos == 0) {
            firstTokenNanos = now;
        }
        lastTokenNanos = now;
        // One event per token, its text possibly empty (bytes of a character still coming, a possible stop
        // string): a client sees every token as it comes, as OpenAI streams, and a gone client is noticed then.
        events.add(new Text(text.add(token)));
    }

    @Override
    public boolean stopped() {
        return text.stopped();
    }

    @Override
    public void onFinish(Completion completion) {
        String rest = text.finish();
        if (!rest.isEmpty()) {
            events.add(new Text(rest));
        }
        // A stop string ends the request by cancelling it: to the client that is a stop like an EOS.
        String reason = text.stopped() ? "stop" : completion.finishReason() == FinishReason.CANCELLED ? "abort"
                : completion.finishReason().label();
        events.add(new End(reason, completion.promptIds().length, completion.generatedIds().length));
    }

    @Override
    public void onFailure(Throwable failure) {
        events.add(new Failed(failure));
    }

    /** The next event, or null after {@code timeoutMillis} without one. */
    Event next(long timeoutMillis) throws InterruptedException {
        return events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    long firstTokenNanos() {
        return firstTokenNanos;
    }

    long lastTokenNanos() {
        return lastTokenNanos;
    }
}
