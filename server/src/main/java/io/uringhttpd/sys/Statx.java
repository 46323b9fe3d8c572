package io.uringhttpd.sys;

/**
 * struct statx (include/uapi/linux/stat.h, kernel >= 4.11), 256 bytes; offsets checked with
 * offsetof() on Debian 12. Only the fields this server reads are exposed.
 * <pre>
 *  offset  size  field
 *  0       4     u32 stx_mask          which fields the kernel filled (may exceed the request)
 *  4       4     u32 stx_blksize
 *  8       8     u64 stx_attributes
 *  16      4     u32 stx_nlink
 *  20      4     u32 stx_uid
 *  24      4     u32 stx_gid
 *  28      2     u16 stx_mode          file type (S_IFMT bits) | permissions
 *  30      2     u16 __spare0
 *  32      8     u64 stx_ino
 *  40      8     u64 stx_size
 *  48      8     u64 stx_blocks
 *  56      8     u64 stx_attributes_mask
 *  64      16    stx_atime   struct statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 __reserved; }
 *  80      16    stx_btime
 *  96      16    stx_ctime
 *  112     16    stx_mtime   (tv_sec at 112, tv_nsec at 120)
 *  128     4     u32 stx_rdev_major
 *  132     4     u32 stx_rdev_minor
 *  136     4     u32 stx_dev_major
 *  140     4     u32 stx_dev_minor
 *  144     112   newer fields (mnt_id, dio alignment, ...) and spare
 * </pre>
 */
public final class Statx {
    public static final long BYTES = 256;
    static final long MASK_OFFSET = 0;
    static final long MODE_OFFSET = 28;
    static final long INO_OFFSET = 32;
    static final long SIZE_OFFSET = 40;
    static final long MTIME_SEC_OFFSET = 112;
    static final long MTIME_NSEC_OFFSET = 120;
    static final long DEV_MAJOR_OFFSET = 136;
    static final long DEV_MINOR_OFFSET = 140;

    private Statx() {
    }

    /** STATX_* bits the kernel filled in; check before trusting a field on odd filesystems. */
    public static int mask(long address) {
        return NativeMemory.getInt(address + MASK_OFFSET);
    }

    /** File type and permission bits (u16, so never negative); type = {@code mode & S_IFMT}. */
    public static int mode(long address) {
        return NativeMemory.getShort(address + MODE_OFFSET) & 0xFFFF;
    }

    public static long ino(long address) {
        return NativeMemory.getLong(address + INO_OFFSET);
    }

    public static long size(long address) {
        return NativeMemory.getLong(address + SIZE_OFFSET);
    }

    public static long mtimeSec(long address) {
        return NativeMemory.getLong(address + MTIME_SEC_OFFSET);
    }

    /** 0..999_999_999. */
    public static int mtimeNsec(long address) {
        return NativeMemory.getInt(address + MTIME_NSEC_OFFSET);
    }

    public static int devMajor(long address) {
        return NativeMemory.getInt(address + DEV_MAJOR_OFFSET);
    }

    public static int devMinor(long address) {
        return NativeMemory.getInt(address + DEV_MINOR_OFFSET);
    }
}
