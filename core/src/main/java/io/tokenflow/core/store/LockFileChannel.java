package io.tokenflow.core.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * The operating system's side of a {@link PathLock}: one channel on {@code <file>.lock}, kept
 * open for as long as its holder lives, and the OS lock taken through it. Not thread-safe: its
 * {@code PathLock} calls it holding {@link PathLock#io}, on blocking threads only.
 */
final class LockFileChannel {

    private final CredentialFile file;
    private final Path lockFile;
    private @Nullable FileChannel channel;
    /** {@link #lockFileKey()} when {@link #channel} was opened. */
    private @Nullable Object channelKey;
    private @Nullable FileLock osLock;

    LockFileChannel(CredentialFile file) {
        this.file = file;
        this.lockFile = file.lockFile();
    }

    /**
     * One try for the OS lock. A lock held through another channel of this JVM (another holder of
     * the same file: another class loader, or a spelling {@link PathLock#canonical} could not
     * resolve) shows as {@code OverlappingFileLockException}: busy, like a lock held by another process.
     */
    boolean tryLock(StoreLog log) throws IOException {
        FileLock lock;
        try {
            lock = openChannel(log).tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return false;
        }
        if (lock == null) {
            return false;
        }
        osLock = lock;
        return true;
    }

    /** Drops the OS lock, if held; the channel stays open (see {@link #openChannel}). */
    void unlock(StoreLog log) {
        CredentialFile.requireBlockingThread();
        FileLock lock = osLock;
        osLock = null;
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException e) {
            log.at(Level.DEBUG).log("releasing the lock on {}: {}", lockFile, e.toString());
        }
    }

    /**
     * The channel on the lock file, reopened only when the lock file was replaced or deleted.
     * Closing a channel drops every POSIX lock this process holds on the file, through any channel,
     * so a channel is never closed while another holder might hold the lock through its own.
     */
    private FileChannel openChannel(StoreLog log) throws IOException {
        FileChannel open = channel;
        Object current = lockFileKey();
        if (open != null && open.isOpen() && current != null && current.equals(channelKey)) {
            return open;
        }
        if (open != null) {
            // Its file is gone or replaced: nobody locks through it any more.
            closeQuietly(open, log);
        }
        open = file.openLockFile();
        channel = open;
        channelKey = lockFileKey();
        return open;
    }

    /** The lock file's identity (device and inode on POSIX), or null when it does not exist or has none. */
    private @Nullable Object lockFileKey() {
        try {
            return Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException | UnsupportedOperationException none) {
            return null;
        }
    }

    private void closeQuietly(FileChannel open, StoreLog log) {
        try {
            open.close();
        } catch (IOException e) {
            log.at(Level.DEBUG).log("closing {}: {}", lockFile, e.toString());
        }
    }
}
