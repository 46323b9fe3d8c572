package io.uringhttpd.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Extension -> Content-Type header value, immutable and shareable between loops.
 *
 * <p>Lookup works on the request path bytes: it finds the extension of the last segment and probes an
 * open-addressing table whose keys are lowercased ASCII extensions, comparing case-insensitively in place,
 * so a lookup allocates nothing. Values are the pre-encoded header value bytes; textual types carry
 * {@code ; charset=utf-8} (RFC 9110 8.3.1: without it browsers guess, and an unlabelled text body is a
 * classic XSS vector through charset sniffing).
 */
public final class MimeTypes {
    /** Longer "extensions" are not looked up (no registered type has one; keeps the probe bounded). */
    static final int EXTENSION_BYTES_MAX = 32;

    private static final byte[] DEFAULT = ascii("application/octet-stream");
    private static final String CHARSET = "; charset=utf-8";

    /** Built-in table; mostly what nginx's conf/mime.types and Apache's mime.types agree on, plus modern web types. */
    private static final String[][] BUILT_IN = {
            {"text/html", "html", "htm", "shtml"},
            {"text/css", "css"},
            {"text/javascript", "js", "mjs"},
            {"text/plain", "txt", "text", "log", "conf", "ini"},
            {"text/markdown", "md", "markdown"},
            {"text/csv", "csv"},
            {"text/xml", "xml"},
            {"text/yaml", "yaml", "yml"},
            {"text/calendar", "ics"},
            {"text/vtt", "vtt"},
            {"application/json", "json", "map"},
            {"application/ld+json", "jsonld"},
            {"application/manifest+json", "webmanifest"},
            {"application/xhtml+xml", "xhtml"},
            {"application/rss+xml", "rss"},
            {"application/atom+xml", "atom"},
            {"application/wasm", "wasm"},
            {"application/pdf", "pdf"},
            {"application/zip", "zip"},
            {"application/gzip", "gz"},
            {"application/x-tar", "tar"},
            {"application/x-bzip2", "bz2"},
            {"application/x-xz", "xz"},
            {"application/zstd", "zst"},
            {"application/x-7z-compressed", "7z"},
            {"application/java-archive", "jar"},
            {"application/rtf", "rtf"},
            {"application/msword", "doc"},
            {"application/vnd.ms-excel", "xls"},
            {"application/vnd.ms-powerpoint", "ppt"},
            {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
            {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
            {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
            {"application/vnd.oasis.opendocument.text", "odt"},
            {"application/epub+zip", "epub"},
            {"application/octet-stream", "bin", "exe", "dll", "iso", "img", "dmg", "deb", "rpm"},
            {"image/png", "png"},
            {"image/jpeg", "jpg", "jpeg"},
            {"image/gif", "gif"},
            {"image/webp", "webp"},
            {"image/avif", "avif"},
            {"image/svg+xml", "svg"},
            {"image/x-icon", "ico"},
            {"image/bmp", "bmp"},
            {"image/tiff", "tif", "tiff"},
            {"image/apng", "apng"},
            {"font/woff", "woff"},
            {"font/woff2", "woff2"},
            {"font/ttf", "ttf"},
            {"font/otf", "otf"},
            {"application/vnd.ms-fontobject", "eot"},
            {"video/mp4", "mp4", "m4v"},
            {"video/webm", "webm"},
            {"video/ogg", "ogv"},
            {"video/quicktime", "mov"},
            {"video/x-msvideo", "avi"},
            {"video/mpeg", "mpeg", "mpg"},
            {"video/mp2t", "ts"},
            {"application/vnd.apple.mpegurl", "m3u8"},
            {"application/dash+xml", "mpd"},
            {"audio/mpeg", "mp3"},
            {"audio/ogg", "ogg", "oga", "opus"},
            {"audio/wav", "wav"},
            {"audio/flac", "flac"},
            {"audio/aac", "aac"},
            {"audio/mp4", "m4a"},
            {"audio/webm", "weba"},
            {"audio/midi", "mid", "midi"},
    };

    private final Map<String, String> byExtension; // setup-time view, for withFile() merges and toString()
    private final byte[][] keys;
    private final byte[][] values;
    private final int mask;

    private MimeTypes(Map<String, String> byExtension) {
        this.byExtension = Collections.unmodifiableMap(byExtension);
        int capacity = Integer.highestOneBit(Math.max(8, byExtension.size() * 2) - 1) << 1; // load <= 0.5
        keys = new byte[capacity][];
        values = new byte[capacity][];
        mask = capacity - 1;
        for (Map.Entry<String, String> e : byExtension.entrySet()) {
            byte[] key = ascii(e.getKey());
            byte[] value = ascii(headerValue(e.getValue()));
            int i = hash(key, 0, key.length) & mask;
            while (keys[i] != null) i = (i + 1) & mask;
            keys[i] = key;
            values[i] = value;
        }
    }

    public static MimeTypes builtIn() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String[] row : BUILT_IN) {
            for (int i = 1; i < row.length; i++) map.put(row[i], row[0]);
        }
        return new MimeTypes(map);
    }

    /**
     * A table with this one's entries plus those of a mime.types file, which win on conflicts (as later
     * entries do in nginx). Both formats are accepted:
     * nginx ({@code types { text/html html htm; }}) and Apache ({@code text/html html htm} per line);
     * {@code #} starts a comment in both.
     *
     * @throws IOException on read errors and on malformed content, with file:line
     */
    public MimeTypes withFile(Path mimeTypesFile) throws IOException {
        String text = Files.readString(mimeTypesFile, StandardCharsets.UTF_8);
        Map<String, String> map = new LinkedHashMap<>(byExtension);
        new Parser(mimeTypesFile.toString(), text, map).parse();
        return new MimeTypes(map);
    }

    /** Content-Type for the extension of the path's last segment; application/octet-stream when unknown. */
    public byte[] contentType(byte[] path, int len) {
        int dot = -1;
        for (int i = len - 1; i >= 0; i--) {
            byte b = path[i];
            if (b == '.') {
                dot = i;
                break;
            }
            if (b == '/') return DEFAULT;
        }
        // "/.profile": a leading dot names a hidden file; it is not an extension
        if (dot <= 0 || path[dot - 1] == '/') return DEFAULT;
        int from = dot + 1;
        int extLen = len - from;
        if (extLen == 0 || extLen > EXTENSION_BYTES_MAX) return DEFAULT;
        byte[][] keys = this.keys;
        int i = hash(path, from, len) & mask;
        for (byte[] key; (key = keys[i]) != null; i = (i + 1) & mask) {
            if (key.length == extLen && equalsIgnoreAsciiCase(key, path, from)) return values[i];
        }
        return DEFAULT;
    }

    /** Setup-time convenience: the type of a file name, as a String. */
    public String contentType(String fileName) {
        byte[] b = fileName.getBytes(StandardCharsets.UTF_8);
        return new String(contentType(b, b.length), StandardCharsets.US_ASCII);
    }

    public static byte[] defaultType() {
        return DEFAULT.clone();
    }

    public int size() {
        return byExtension.size();
    }

    @Override
    public String toString() {
        return "MimeTypes[" + byExtension.size() + " extensions]";
    }

    // FNV-1a over lowercased bytes, folded so the low bits used by the mask see the high bits too
    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ lower(b[i])) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b | 0x20 : b & 0xff;
    }

    /** key is already lowercase. */
    private static boolean equalsIgnoreAsciiCase(byte[] key, byte[] b, int from) {
        for (int i = 0; i < key.length; i++) {
            if (key[i] != (byte) lower(b[from + i])) return false;
        }
        return true;
    }

    static String headerValue(String type) {
        if (type.indexOf(';') >= 0 || !isTextual(type)) return type;
        return type + CHARSET;
    }

    private static boolean isTextual(String type) {
        return type.startsWith("text/")
                || type.equals("application/javascript")
                || type.equals("application/json")
                || type.equals("application/xml")
                || type.endsWith("+xml")
                || type.endsWith("+json");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Tokenizer shared by both formats: words, and ';' '{' '}' as tokens of their own; '#' to end of line ignored. */
    private static final class Parser {
        private final String file;
        private final String text;
        private final Map<String, String> out;
        private int pos;
        private int line = 1;
        private int tokenLine;

        Parser(String file, String text, Map<String, String> out) {
            this.file = file;
            this.text = text;
            this.out = out;
        }

        void parse() throws IOException {
            int save = pos;
            String first = next();
            if ("types".equals(first) && "{".equals(next())) {
                parseNginx();
            } else {
                pos = save;
                line = 1;
                parseApache();
            }
        }

        private void parseNginx() throws IOException {
            List<String> statement = new ArrayList<>();
            int statementLine = 0;
            for (String t; (t = next()) != null; ) {
                switch (t) {
                    case "}" -> {
                        if (!statement.isEmpty()) throw error(statementLine, "missing ';' after '" + String.join(" ", statement) + "'");
                        String extra = next();
                        if (extra != null) throw error(tokenLine, "unexpected '" + extra + "' after the closing '}'");
                        return;
                    }
                    case ";" -> {
                        if (statement.isEmpty()) throw error(tokenLine, "empty statement");
                        add(statement, statementLine);
                        statement.clear();
                    }
                    case "{" -> throw error(tokenLine, "unexpected '{'");
                    default -> {
                        if (statement.isEmpty()) statementLine = tokenLine;
                        statement.add(t);
                    }
                }
            }
            throw error(line, "missing closing '}' of 'types {'");
        }

        private void parseApache() throws IOException {
            String[] lines = text.split("\n", -1);
            for (int n = 0; n < lines.length; n++) {
                String l = lines[n];
                int hash = l.indexOf('#');
                if (hash >= 0) l = l.substring(0, hash);
                l = l.strip();
                if (l.isEmpty()) continue;
                if (l.indexOf('{') >= 0 || l.indexOf('}') >= 0 || l.indexOf(';') >= 0) {
                    throw error(n + 1, "unexpected '{', '}' or ';' (nginx format must start with 'types {')");
                }
                add(List.of(l.split("\\s+")), n + 1);
            }
        }

        private void add(List<String> words, int atLine) throws IOException {
            String type = words.get(0);
            if (!isMediaType(type)) throw error(atLine, "invalid media type '" + type + "'");
            for (int i = 1; i < words.size(); i++) {
                String ext = words.get(i).toLowerCase(Locale.ROOT);
                if (!isExtension(ext)) throw error(atLine, "invalid extension '" + words.get(i) + "' for " + type);
                out.put(ext, type.toLowerCase(Locale.ROOT));
            }
        }

        /** type/subtype made of RFC 9110 token characters: nothing that could break a header line. */
        private static boolean isMediaType(String s) {
            int slash = s.indexOf('/');
            if (slash <= 0 || slash == s.length() - 1 || s.indexOf('/', slash + 1) >= 0) return false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '/' && !isTokenChar(c)) return false;
            }
            return true;
        }

        private static boolean isExtension(String s) {
            if (s.isEmpty() || s.length() > EXTENSION_BYTES_MAX) return false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '.' || !isTokenChar(c)) return false;
            }
            return true;
        }

        private static boolean isTokenChar(char c) {
            return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }

        private String next() {
            String s = text;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '\n') {
                    line++;
                    pos++;
                } else if (Character.isWhitespace(c)) {
                    pos++;
                } else if (c == '#') {
                    while (pos < s.length() && s.charAt(pos) != '\n') pos++;
                } else {
                    break;
                }
            }
            if (pos >= s.length()) return null;
            tokenLine = line;
            char c = s.charAt(pos);
            if (c == ';' || c == '{' || c == '}') {
                pos++;
                return String.valueOf(c);
            }
            int start = pos;
            while (pos < s.length()) {
                c = s.charAt(pos);
                if (Character.isWhitespace(c) || c == ';' || c == '{' || c == '}' || c == '#') break;
                pos++;
            }
            return s.substring(start, pos);
        }

        private IOException error(int atLine, String message) {
            return new IOException(file + ":" + atLine + ": " + message);
        }
    }
}
