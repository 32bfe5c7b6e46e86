package org.postern.smtp.queue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable mail queue: where receiving sessions commit messages ({@link QueueSink}), the
 * scheduler that delivers them through {@link Transport}s, and the administration API
 * ({@link QueueAdmin}) the control socket serves.
 *
 * <p>Life cycle: {@link #open} creates the directory layout and recovers what a previous run left
 * (idempotent: incomplete files removed, corrupt ones moved aside); sessions may commit at once;
 * {@link #start} starts deliveries; {@link #close} stops them (messages stay queued).
 */
public final class DurableQueue implements QueueSink, QueueAdmin, AutoCloseable {
    private static final Logger QMGR = LoggerFactory.getLogger("qmgr");

    private final QueueStore store;
    private final Qmgr qmgr;
    private final QueueConfig config;

    private DurableQueue(QueueStore store, Qmgr qmgr, QueueConfig config) {
        this.store = store;
        this.qmgr = qmgr;
        this.config = config;
    }

    /**
     * Opens (and recovers) the queue.
     *
     * @param queueDir      the queue directory (QueueSettings.QUEUE_DIRECTORY resolved against the data directory)
     * @param config        see {@link QueueConfig#from}
     * @param transports    by name: "local" (a {@link LocalTransport}) and, once remote delivery exists, "smtp"
     * @param isLocalDomain whether a recipient domain (ASCII, lower case) is ours: routes to "local"
     *                      (typically {@code directory::isLocalDomain}); may throw DirectoryUnavailableException
     */
    public static DurableQueue open(Path queueDir, QueueConfig config, Map<String, Transport> transports,
                                    Predicate<String> isLocalDomain) throws IOException {
        QueueStore store = new QueueStore(queueDir.toAbsolutePath(), config.groupCommit());
        try {
            Qmgr qmgr = new Qmgr(store, config, transports, isLocalDomain);
            List<QueuedMessage> recovered = store.recover();
            for (QueuedMessage m : recovered) {
                qmgr.add(m);
            }
            store.onCommit(qmgr::add);
            if (!recovered.isEmpty()) {
                QMGR.info("queue {}: recovered {} messages", queueDir, recovered.size());
            }
            return new DurableQueue(store, qmgr, config);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Starts the scheduler: recovered and new messages are delivered from now on. */
    public void start() {
        qmgr.start();
    }

    @Override
    public Incoming begin() throws IOException {
        return store.begin();
    }

    @Override
    public List<Entry> list() {
        return qmgr.list();
    }

    @Override
    public Optional<Details> show(String id) throws IOException {
        return qmgr.show(id);
    }

    @Override
    public int flush() {
        return qmgr.flush();
    }

    @Override
    public int delete(String idOrAll) {
        return qmgr.delete(idOrAll);
    }

    @Override
    public int hold(String idOrAll) {
        return qmgr.hold(idOrAll);
    }

    @Override
    public int release(String idOrAll) {
        return qmgr.release(idOrAll);
    }

    /** Messages queued now (all queues). */
    public int size() {
        return qmgr.size();
    }

    public Path directory() {
        return store.root();
    }

    public QueueConfig config() {
        return config;
    }

    /**
     * Durability work so far: {directory fsyncs done, commits and state changes that needed one}.
     * With group commit under load the first is much smaller than the second.
     */
    public long[] fsyncCounts() {
        return new long[] {store.syncer.rounds(), store.syncer.requests()};
    }

    @Override
    public void close() {
        qmgr.close();
        store.close();
    }
}
