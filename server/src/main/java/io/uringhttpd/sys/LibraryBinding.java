package io.uringhttpd.sys;

import java.util.Objects;

/**
 * A shared library that is either bound ({@link #library} set) or unavailable, with the reason
 * as the loader gave it ({@link #unavailableReason} set). Optional libraries (libzstd,
 * libbrotlienc) report through this instead of throwing, so the caller decides whether a missing
 * one is fatal or only means one feature is not offered.
 */
public record LibraryBinding<T>(T library, String unavailableReason) {
    public LibraryBinding {
        if ((library == null) == (unavailableReason == null)) {
            throw new IllegalArgumentException("exactly one of library and unavailableReason");
        }
    }

    public static <T> LibraryBinding<T> bound(T library) {
        return new LibraryBinding<>(Objects.requireNonNull(library), null);
    }

    public static <T> LibraryBinding<T> unavailable(String reason) {
        return new LibraryBinding<>(null, Objects.requireNonNull(reason));
    }

    public boolean available() {
        return library != null;
    }

    /** The loader's message, or the exception's class when it has none. */
    static String reasonOf(RuntimeException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    }
}
