package io.uringhttpd.sys;

/**
 * struct statfs as glibc's statfs(2) fills it on x86_64 (bits/statfs.h: eleven 8-byte words and
 * a spare array, 120 bytes); only {@code f_type} is read, the file system's magic number
 * (include/uapi/linux/magic.h and statfs(2)).
 */
public final class Statfs {
    public static final long BYTES = 120;

    /** NFS (v2, v3 and v4). */
    public static final long NFS_SUPER_MAGIC = 0x6969;
    public static final long SMB_SUPER_MAGIC = 0x517B;
    public static final long CIFS_SUPER_MAGIC = 0xFF53_4D42L;
    public static final long SMB2_SUPER_MAGIC = 0xFE53_4D42L;
    /** Every FUSE file system: sshfs, s3fs, bindfs, virtiofs (Docker Desktop's bind mounts), ... */
    public static final long FUSE_SUPER_MAGIC = 0x6573_5546L;
    /** 9p: WSL2's /mnt drives, QEMU's virtfs. */
    public static final long V9FS_MAGIC = 0x0102_1997L;
    public static final long CEPH_SUPER_MAGIC = 0x00C3_6400L;
    public static final long AFS_SUPER_MAGIC = 0x5346_414FL;
    public static final long KAFS_MAGIC = 0x6B41_4653L;
    /** Cluster file systems: other nodes write to the same blocks. */
    public static final long GFS2_MAGIC = 0x0116_1970L;
    public static final long OCFS2_SUPER_MAGIC = 0x7461_636FL;

    private Statfs() {
    }

    public static long type(long statfs) {
        return NativeMemory.getLong(statfs);
    }

    /**
     * The file system's name when changes to it may be made by other machines (or a host kernel)
     * that this kernel's inotify never hears of, else null.
     */
    public static String remoteKind(long type) {
        if (type == NFS_SUPER_MAGIC) return "NFS";
        if (type == SMB_SUPER_MAGIC || type == CIFS_SUPER_MAGIC || type == SMB2_SUPER_MAGIC) return "SMB/CIFS";
        if (type == FUSE_SUPER_MAGIC) return "FUSE";
        if (type == V9FS_MAGIC) return "9p";
        if (type == CEPH_SUPER_MAGIC) return "Ceph";
        if (type == AFS_SUPER_MAGIC || type == KAFS_MAGIC) return "AFS";
        if (type == GFS2_MAGIC) return "GFS2";
        if (type == OCFS2_SUPER_MAGIC) return "OCFS2";
        return null;
    }
}
