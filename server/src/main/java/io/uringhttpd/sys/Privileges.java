package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Switching user, as nginx's {@code user} directive does: account lookups through glibc's NSS
 * (getpwnam_r, getgrnam_r: /etc/passwd, LDAP, systemd-userdb... whatever nsswitch.conf says),
 * then setgroups, setgid, setuid. Setup path only; any thread.
 */
public final class Privileges {
    /** A passwd entry: what {@link #drop} needs. */
    public record Account(String name, int uid, int gid) {
    }

    // glibc bits/confname.h (enum values, checked with a C program; sysconf gives 1024 on
    // Debian 12, and -1 would mean "no fixed limit").
    static final int SC_GETGR_R_SIZE_MAX = 69;
    static final int SC_GETPW_R_SIZE_MAX = 70;
    /** When sysconf has no answer, as the getpwnam_r(3) example program does. */
    static final long DEFAULT_BUFFER_BYTES = 16 * 1024;
    /** ERANGE doubles the buffer up to this: a group with a huge member list is not worth more. */
    static final long BUFFER_BYTES_MAX = 4 * 1024 * 1024;

    // struct passwd and struct group of glibc pwd.h / grp.h on x86_64 (offsetof in a C program):
    //   passwd (48 bytes): pw_name ptr @0, pw_passwd ptr @8, pw_uid u32 @16, pw_gid u32 @20,
    //                      pw_gecos ptr @24, pw_dir ptr @32, pw_shell ptr @40
    //   group (32 bytes):  gr_name ptr @0, gr_passwd ptr @8, gr_gid u32 @16, gr_mem ptr @24
    static final long PASSWD_BYTES = 48;
    static final long PW_NAME = 0;
    static final long PW_UID = 16;
    static final long PW_GID = 20;
    static final long GROUP_BYTES = 32;
    static final long GR_GID = 16;

    private static final MethodHandle SYSCONF = Downcalls.plain("sysconf",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    // int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result)
    // returns the error number itself (0 with *result NULL: not found), so no errno capture.
    private static final MethodHandle GETPWNAM_R = Downcalls.plain("getpwnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETGRNAM_R = Downcalls.plain("getgrnam_r",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETUID = Downcalls.plain("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = Downcalls.plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = Downcalls.plain("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = Downcalls.plain("getegid", FunctionDescriptor.of(JAVA_INT));
    // int setgroups(size_t size, const gid_t *list)
    private static final MethodHandle SETGROUPS = Downcalls.withErrno("setgroups",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SETGID = Downcalls.withErrno("setgid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETUID = Downcalls.withErrno("setuid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Privileges() {
    }

    /**
     * getpwnam_r(3): the account called {@code name}, or empty if there is none.
     *
     * @throws IllegalStateException if the lookup itself fails (EIO, EMFILE, an NSS backend
     *         error...), which must not be mistaken for "no such user"
     */
    public static Optional<Account> user(String name) {
        return user(name, initialBufferBytes(SC_GETPW_R_SIZE_MAX));
    }

    /** {@link #user(String)} starting from a given buffer size (tests force the ERANGE retry). */
    static Optional<Account> user(String name, long bufferBytes) {
        if (name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment passwd = arena.allocate(PASSWD_BYTES, 8);
            MemorySegment found = lookup(GETPWNAM_R, "getpwnam_r", arena, name, passwd, bufferBytes);
            if (found == null) {
                return Optional.empty();
            }
            String accountName = passwd.get(ADDRESS, PW_NAME).reinterpret(Long.MAX_VALUE).getString(0);
            return Optional.of(new Account(accountName, passwd.get(JAVA_INT, PW_UID), passwd.get(JAVA_INT, PW_GID)));
        }
    }

    /**
     * getgrnam_r(3): the gid of the group called {@code name}, or empty if there is none.
     *
     * @throws IllegalStateException if the lookup itself fails (see {@link #user(String)})
     */
    public static OptionalInt group(String name) {
        return group(name, initialBufferBytes(SC_GETGR_R_SIZE_MAX));
    }

    static OptionalInt group(String name, long bufferBytes) {
        if (name.indexOf('\0') >= 0) {
            return OptionalInt.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment group = arena.allocate(GROUP_BYTES, 8);
            MemorySegment found = lookup(GETGRNAM_R, "getgrnam_r", arena, name, group, bufferBytes);
            return found == null ? OptionalInt.empty() : OptionalInt.of(group.get(JAVA_INT, GR_GID));
        }
    }

    /** getuid(2): the real user id (cannot fail). */
    public static int uid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** geteuid(2): the effective user id, the one permission checks use (cannot fail). */
    public static int euid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * Becomes {@code uid}/{@code gid} for good: setgroups(1, {gid}), setgid(gid), setuid(uid),
     * in that order: the first two need CAP_SETGID, and setuid from root to another uid sets
     * the real, effective and saved uid (setuid(2)) and so clears every capability
     * (capabilities(7), "Effect of user ID changes"), after which the others are refused.
     * setgroups is not skipped: setgid alone keeps root's supplementary groups.
     *
     * <p>Then it checks the result instead of trusting it: getuid, geteuid, getgid and getegid
     * must read the new ids, and (unless {@code uid} is 0) setuid(0) must now fail.
     *
     * <p><b>Threads.</b> The kernel keeps credentials per thread, but POSIX wants them per
     * process; glibc's set*id and setgroups wrappers therefore make every thread of the process
     * run the same syscall (NPTL's SIGSETXID broadcast, nptl/nptl_setxid.c; setuid(2) and
     * setgroups(2) "C library/kernel differences"). That covers the JVM's GC, JIT and other
     * threads too; PrivilegesDropTest checks /proc/self/task/N/status of every thread in a
     * child JVM. A raw syscall(SYS_setuid) would change only the calling thread.
     *
     * @return 0; or -errno of the first failing step (-EPERM without CAP_SETGID/CAP_SETUID);
     *         or -EPERM if a check after the switch fails (ids not as asked, or setuid(0) worked)
     */
    public static int drop(int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            MemorySegment groups = arena.allocateFrom(JAVA_INT, gid);
            int r = Downcalls.result((int) SETGROUPS.invokeExact(capture, 1L, groups), capture);
            if (r < 0) {
                return r;
            }
            r = Downcalls.result((int) SETGID.invokeExact(capture, gid), capture);
            if (r < 0) {
                return r;
            }
            r = Downcalls.result((int) SETUID.invokeExact(capture, uid), capture);
            if (r < 0) {
                return r;
            }
            boolean idsAsAsked = (int) GETUID.invokeExact() == uid && (int) GETEUID.invokeExact() == uid
                    && (int) GETGID.invokeExact() == gid && (int) GETEGID.invokeExact() == gid;
            if (!idsAsAsked) {
                return -Errno.EPERM;
            }
            if (uid != 0 && (int) SETUID.invokeExact(capture, 0) == 0) {
                return -Errno.EPERM;
            }
            return 0;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * Runs a *nam_r lookup, doubling the buffer on ERANGE. The strings of the found entry live
     * in a buffer allocated from {@code arena}, so they are read before the arena closes.
     *
     * @return the entry segment ({@code entry}) or null if not found
     */
    private static MemorySegment lookup(MethodHandle function, String functionName, Arena arena, String name,
                                        MemorySegment entry, long bufferBytes) {
        MemorySegment cName = arena.allocateFrom(name);
        MemorySegment result = arena.allocate(ADDRESS);
        long size = bufferBytes;
        while (true) {
            MemorySegment buffer = arena.allocate(size, 8);
            int error;
            try {
                error = (int) function.invokeExact(cName, entry, buffer, size, result);
            } catch (Throwable t) {
                throw Downcalls.rethrow(t);
            }
            if (error == 0) {
                return result.get(ADDRESS, 0).equals(MemorySegment.NULL) ? null : entry;
            }
            if (error == Errno.ERANGE && size < BUFFER_BYTES_MAX) {
                size = Math.min(size * 2, BUFFER_BYTES_MAX);
                continue;
            }
            // getpwnam(3): some systems report "not found" as ENOENT, ESRCH, EBADF or EPERM
            // instead of 0 with a NULL result; glibc's files backend returns 0.
            if (error == Errno.ENOENT || error == Errno.ESRCH || error == Errno.EBADF || error == Errno.EPERM) {
                return null;
            }
            throw new IllegalStateException(functionName + "(\"" + name + "\") failed: " + Errno.describe(error));
        }
    }

    private static long initialBufferBytes(int sysconfName) {
        long size;
        try {
            size = (long) SYSCONF.invokeExact(sysconfName);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
        return size > 0 ? size : DEFAULT_BUFFER_BYTES;
    }
}
