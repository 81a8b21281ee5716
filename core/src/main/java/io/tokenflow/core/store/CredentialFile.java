package io.tokenflow.core.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;
import reactor.core.scheduler.Schedulers;

/**
 * Blocking I/O on one credential file: read it (refusing links, folders and oversized files),
 * replace it atomically (temp file in the same folder, {@code force}, {@code ATOMIC_MOVE}),
 * delete it. Files it creates are {@code 0600} on POSIX file systems. Call only from threads that
 * may block ({@code Schedulers.boundedElastic()}). Thread-safe; callers serialize writes.
 */
final class CredentialFile {

    /** Larger files are refused: a credential is a few KiB. */
    static final int MAX_BYTES = 1024 * 1024;

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> SHARED = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path file;
    private final Path folder;
    private final String tempPrefix;
    private final boolean posix;
    private volatile @Nullable String warnedPermissions;

    CredentialFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
        Path parent = this.file.getParent();
        if (parent == null || this.file.getFileName() == null) {
            throw new IllegalArgumentException("not a file path: " + file);
        }
        this.folder = parent;
        this.tempPrefix = "." + this.file.getFileName() + ".";
        this.posix = this.file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    Path path() {
        return file;
    }

    /** {@code <file>.lock}, next to the file. */
    Path lockFile() {
        return folder.resolve(file.getFileName() + ".lock");
    }

    /** Whether {@code candidate} is one of this file's temp files (a crashed writer may leave one behind). */
    boolean isTempFile(Path candidate) {
        String name = candidate.getFileName().toString();
        return name.startsWith(tempPrefix) && name.endsWith(".tmp");
    }

    /**
     * The file's content, or {@code null} when there is no file. Warns (once per permission set)
     * when group or others may access it.
     *
     * @param log where the warning goes
     * @throws CredentialFileException for a link, a folder, a special or oversized file, or a read failure
     */
    byte @Nullable [] read(StoreLog log) {
        requireBlockingThread();
        BasicFileAttributes attributes = attributes();
        if (attributes == null) {
            return null;
        }
        if (attributes instanceof PosixFileAttributes p) {
            warnIfShared(p.permissions(), log);
        }
        if (attributes.size() > MAX_BYTES) {
            throw CredentialFileException.invalid(file, "it has " + attributes.size() + " bytes, more than the "
                    + MAX_BYTES + " a credential file may have");
        }
        try (SeekableByteChannel channel = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteArrayOutputStream content = new ByteArrayOutputStream((int) Math.min(MAX_BYTES, attributes.size() + 64));
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0) {
                content.write(buffer.array(), 0, buffer.position());
                buffer.clear();
                if (content.size() > MAX_BYTES) {
                    throw CredentialFileException.invalid(file, "it has more than the " + MAX_BYTES
                            + " bytes a credential file may have");
                }
            }
            return content.toByteArray();
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw CredentialFileException.unreadable(file, e);
        }
    }

    /**
     * Replaces the file with {@code content}: a crash at any point leaves the old file or the new
     * one. The new file is {@code 0600}; stale temp files of crashed writers are removed.
     * The caller holds the file's lock.
     */
    void write(byte[] content, StoreLog log) {
        requireBlockingThread();
        attributes();
        Path temp = folder.resolve(tempPrefix + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            createFolder();
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            try (FileChannel channel = FileChannel.open(temp, options, ownerOnly())) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (posix) {
                // The umask may have narrowed the mode given at creation; it must be exactly 0600.
                Files.setPosixFilePermissions(temp, OWNER_ONLY);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(temp, log);
            throw CredentialFileException.unwritable(file, e);
        } catch (RuntimeException e) {
            deleteQuietly(temp, log);
            throw e;
        }
        syncFolder(log);
        removeStaleTempFiles(log);
    }

    /** Deletes the file; {@code false} when there was none. The caller holds the file's lock. */
    boolean delete(StoreLog log) {
        requireBlockingThread();
        attributes();
        try {
            boolean deleted = Files.deleteIfExists(file);
            syncFolder(log);
            removeStaleTempFiles(log);
            return deleted;
        } catch (IOException e) {
            throw CredentialFileException.unwritable(file, e);
        }
    }

    /**
     * Why this process cannot create files next to the credential file, when {@code failure} (of
     * such an attempt) comes from that: a folder it may not write, or a read-only file system (a
     * Kubernetes Secret or ConfigMap volume). {@code null} for any other failure. Decided by the
     * exception's type and the file store, not by its text.
     */
    @Nullable String whyReadOnly(IOException failure) {
        if (failure instanceof AccessDeniedException) {
            return "its folder is not writable by this process";
        }
        try {
            Path existing = folder;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            // access(2) answers for the mount as it is (a read-only bind mount included), where
            // FileStore.isReadOnly() may name the underlying, writable file system.
            if (existing != null && (!Files.isWritable(existing) || Files.getFileStore(existing).isReadOnly())) {
                return "its folder is on a read-only file system, or not writable by this process";
            }
        } catch (IOException | RuntimeException unknown) {
            // Not known to be read-only.
        }
        return null;
    }

    /** Opens (creating it {@code 0600}) the lock file next to the credential file. */
    FileChannel openLockFile() throws IOException {
        requireBlockingThread();
        createFolder();
        return FileChannel.open(lockFile(), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                ownerOnly());
    }

    /**
     * File I/O must never run on a non-blocking thread. BlockHound does not see NIO file calls,
     * so this guard is what keeps them on {@code boundedElastic} (and what tests trip over).
     */
    static void requireBlockingThread() {
        if (Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException("credential file I/O attempted on non-blocking thread "
                    + Thread.currentThread().getName() + "; it belongs on Schedulers.boundedElastic()");
        }
    }

    /** The file's attributes (not following links), or null when it does not exist; refuses what is not a regular file. */
    private @Nullable BasicFileAttributes attributes() {
        BasicFileAttributes attributes;
        try {
            attributes = posix
                    ? Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    : Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw CredentialFileException.unreadable(file, e);
        }
        if (attributes.isSymbolicLink()) {
            throw CredentialFileException.symbolicLink(file, linkTarget());
        }
        if (attributes.isDirectory()) {
            throw CredentialFileException.directory(file);
        }
        if (!attributes.isRegularFile()) {
            throw CredentialFileException.notRegularFile(file);
        }
        return attributes;
    }

    private @Nullable Path linkTarget() {
        try {
            return Files.readSymbolicLink(file);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private void warnIfShared(Set<PosixFilePermission> permissions, StoreLog log) {
        Set<PosixFilePermission> shared = new HashSet<>(permissions);
        shared.retainAll(SHARED);
        if (shared.isEmpty()) {
            warnedPermissions = null;
            return;
        }
        String mode = PosixFilePermissions.toString(permissions);
        if (!mode.equals(warnedPermissions)) {
            warnedPermissions = mode;
            log.at(Level.WARN).log("credential file {} is accessible to its group or to others ({}); it holds secrets: "
                    + "make it readable by its owner only (chmod 600)", file, mode);
        }
    }

    private FileAttribute<?>[] ownerOnly() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
    }

    private void createFolder() throws IOException {
        if (!Files.isDirectory(folder)) {
            if (posix) {
                Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER));
            } else {
                Files.createDirectories(folder);
            }
        }
    }

    /** Makes the rename durable; not every platform can sync a folder, and the rename itself is already atomic. */
    private void syncFolder(StoreLog log) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException notSupported) {
            log.at(Level.TRACE).log("cannot sync folder {}: {}", folder, notSupported.toString());
        }
    }

    /** Temp files of writers that crashed; safe to remove under the file's lock, as no writer is active. */
    private void removeStaleTempFiles(StoreLog log) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder, this::isTempFile)) {
            for (Path temp : temps) {
                deleteQuietly(temp, log);
                log.at(Level.DEBUG).log("removed {}, left by a writer that did not finish", temp);
            }
        } catch (IOException | RuntimeException e) {
            log.at(Level.DEBUG).log("cannot list {} for stale temp files: {}", folder, e.toString());
        }
    }

    private static void deleteQuietly(Path path, StoreLog log) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.at(Level.DEBUG).log("cannot delete {}: {}", path, e instanceof FileSystemException f ? f.getReason() : e.toString());
        }
    }
}
