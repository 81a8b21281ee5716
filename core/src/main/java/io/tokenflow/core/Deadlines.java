package io.tokenflow.core;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * The timers of every service on one scheduler, in one place: a heap of {@link Deadline}s (two
 * per service, re-armed in place) and <em>one</em> task on the scheduler, for the earliest. An idle
 * service holds no scheduler task of its own, however many services there are.
 *
 * <p>Moving a deadline later never touches the scheduler: the task already scheduled fires early,
 * finds nothing due and schedules itself for the next deadline. Only a deadline earlier than the
 * scheduled task replaces it, and the task is cancelled when no deadline is left, so a disposed
 * service (or registry) leaves nothing on the scheduler.
 *
 * <p>Times are the scheduler's ({@code now(MILLISECONDS)}), so a {@code VirtualTimeScheduler}
 * drives them. Due tasks run on the scheduler's thread, outside this object's lock, each once.
 * Thread-safe; every method is short and never blocks but for the lock.
 */
final class Deadlines {

    private static final long NONE = Long.MAX_VALUE;
    /** One per scheduler; weak keys, and a weak reference back: a scheduler nobody uses any more can go. */
    private static final Map<Scheduler, Deadlines> BY_SCHEDULER = new WeakHashMap<>();

    private final WeakReference<Scheduler> scheduler;
    // Guarded by this.
    private Deadline[] heap = new Deadline[16];
    private int size;
    private long scheduledAt = NONE;
    private @Nullable Disposable scheduled;
    /** Numbers the scheduled tasks: one that was replaced while it started finds it is stale. */
    private long epoch;

    private Deadlines(Scheduler scheduler) {
        this.scheduler = new WeakReference<>(scheduler);
    }

    /** The deadlines of every service on {@code scheduler}. */
    static Deadlines on(Scheduler scheduler) {
        synchronized (BY_SCHEDULER) {
            return BY_SCHEDULER.computeIfAbsent(scheduler, Deadlines::new);
        }
    }

    /** What runs when a deadline is due: told the tag the deadline was set with. */
    interface Task {
        void due(long tag);
    }

    /** A deadline that is not set; {@link #set} arms it. */
    Deadline deadline() {
        return new Deadline();
    }

    /**
     * Runs {@code task} {@code delayMillis} from now (at once when not positive), in place of what
     * {@code d} held. {@code task} is told {@code tag} (what it was set for, e.g. a token generation):
     * one task object per service, not a closure per setting.
     */
    void set(Deadline d, long delayMillis, Task task, long tag) {
        Scheduler s = scheduler();
        long due = saturatedAdd(s.now(TimeUnit.MILLISECONDS), Math.max(0, delayMillis));
        synchronized (this) {
            d.task = task;
            d.tag = tag;
            d.due = due;
            if (d.index < 0) {
                add(d);
            } else {
                siftUp(d.index);
                siftDown(d.index);
            }
            if (due < scheduledAt) {
                scheduleLocked(s, due);
            }
        }
    }

    /** Unsets {@code d}; the scheduler's task is cancelled when no deadline is left. */
    void cancel(Deadline d) {
        synchronized (this) {
            d.task = null;
            if (d.index < 0) {
                return;
            }
            removeAt(d.index);
            if (size == 0 && scheduled != null) {
                scheduled.dispose();
                scheduled = null;
                scheduledAt = NONE;
                epoch++;
            }
        }
    }

    /** Deadlines set, for tests. */
    synchronized int size() {
        return size;
    }

    /** The scheduler's task number {@code ofEpoch}: runs what is due, then schedules itself for the next deadline. */
    private void fire(long ofEpoch) {
        List<Task> due = new ArrayList<>(2);
        List<Long> tags = new ArrayList<>(2);
        Scheduler s = scheduler.get();
        if (s == null) {
            return;
        }
        synchronized (this) {
            if (ofEpoch != epoch) {
                // Replaced by an earlier deadline's task while it started: that one runs what is due.
                return;
            }
            scheduled = null;
            scheduledAt = NONE;
            long now = s.now(TimeUnit.MILLISECONDS);
            while (size > 0 && heap[0].due <= now) {
                Deadline d = heap[0];
                removeAt(0);
                due.add(d.task);
                tags.add(d.tag);
                d.task = null;
            }
            if (size > 0) {
                scheduleLocked(s, heap[0].due);
            }
        }
        for (int i = 0; i < due.size(); i++) {
            try {
                due.get(i).due(tags.get(i));
            } catch (RuntimeException e) {
                // One service's failure must not cost the others their timers.
                Operators.onErrorDropped(e, Context.empty());
            }
        }
    }

    private void scheduleLocked(Scheduler s, long due) {
        Disposable previous = scheduled;
        long delay = Math.max(0, due - s.now(TimeUnit.MILLISECONDS));
        long next = epoch + 1;
        scheduled = s.schedule(() -> fire(next), delay, TimeUnit.MILLISECONDS);
        epoch = next;
        scheduledAt = due;
        if (previous != null) {
            previous.dispose();
        }
    }

    private Scheduler scheduler() {
        Scheduler s = scheduler.get();
        if (s == null) {
            // Only reachable when no service holds the scheduler any more, and so none can set a deadline.
            throw new IllegalStateException("the scheduler is gone");
        }
        return s;
    }

    // ---------------------------------------------------------------- the heap, ordered by due time

    private void add(Deadline d) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = d;
        d.index = size;
        size++;
        siftUp(d.index);
    }

    private void removeAt(int i) {
        Deadline removed = heap[i];
        size--;
        Deadline last = heap[size];
        heap[size] = null;
        removed.index = -1;
        if (i < size) {
            heap[i] = last;
            last.index = i;
            siftUp(i);
            siftDown(last.index);
        }
        if (heap.length > 16 && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    private void siftUp(int i) {
        Deadline d = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Deadline p = heap[parent];
            if (p.due <= d.due) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = d;
        d.index = i;
    }

    private void siftDown(int i) {
        Deadline d = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].due < heap[child].due) {
                child = right;
            }
            if (d.due <= heap[child].due) {
                break;
            }
            heap[i] = heap[child];
            heap[i].index = i;
            i = child;
        }
        heap[i] = d;
        d.index = i;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE - 1 : sum;
    }

    /** One timer of one service, re-armed in place. All fields guarded by the {@link Deadlines}. */
    static final class Deadline {
        private long due;
        private int index = -1;
        private long tag;
        private @Nullable Task task;

        private Deadline() {
        }
    }
}
