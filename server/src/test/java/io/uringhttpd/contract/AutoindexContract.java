package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Directory listings with `uring-httpd.autoindex=on`: escaped names, encoded links, no dotfiles. */
public abstract class AutoindexContract extends ServerContract {
    private static final Pattern HREF = Pattern.compile("href=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.autoindex=on"};
    }

    private RawHttp.Response listing(String dir) throws IOException {
        RawHttp.Response r = exchange(RawHttp.get(dir));
        assertThat(r.status()).as("listing of %s:\n%s", dir, r).isEqualTo(200);
        assertThat(StaticFilesContract.mediaType(r.header("Content-Type"))).isEqualTo("text/html;charset=utf-8");
        if (r.header("Content-Length") != null) { // chunked framing would be fine too
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(r.body().length));
        }
        return r;
    }

    private static List<String> hrefs(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = HREF.matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void directoryWithoutIndexIsListed() throws IOException {
        String html = listing("/noindex/").bodyText();
        assertThat(html).contains("a.txt", "sub/");
        assertThat(hrefs(html)).anySatisfy(h -> assertThat(h).endsWith("a.txt"));
        assertThat(hrefs(html)).anySatisfy(h -> assertThat(h).endsWith("sub/"));
    }

    @Test
    void namesAreHtmlEscaped() throws IOException {
        String html = listing("/noindex/").bodyText();
        assertThat(html).doesNotContain("<script>");
        assertThat(html).contains("&lt;script&gt;&amp;");
        // The quote must not end an attribute early: as text it is &quot; or &#34; / &#x22;, in a URL %22.
        assertThat(html).doesNotContain("&\".txt");
    }

    @Test
    void hrefsArePercentEncoded() throws IOException {
        List<String> hrefs = hrefs(listing("/noindex/").bodyText());
        assertThat(hrefs).anySatisfy(h -> assertThat(h).containsIgnoringCase("%3Cscript%3E%26%22.txt"));
        assertThat(hrefs).anySatisfy(h -> assertThat(h).endsWith("sp%20ace.txt"));
        assertThat(hrefs).anySatisfy(h -> assertThat(h.toUpperCase(java.util.Locale.ROOT)).endsWith("%C3%BC.TXT"));
        for (String h : hrefs) {
            assertThat(h).as("href %s", h).doesNotContain(" ", "<", ">", "\"");
        }
    }

    @Test
    void everyListedLinkWorks() throws IOException {
        for (String href : hrefs(listing("/noindex/").bodyText())) {
            if (href.startsWith("?") || href.startsWith("#")) {
                continue; // sort links, if any
            }
            String target = href.startsWith("/") ? href : "/noindex/" + href;
            if (target.equals("/noindex/../") || target.equals("/")) {
                continue; // the parent link
            }
            RawHttp.Response r = exchange(RawHttp.get(target));
            assertThat(r.status()).as("GET %s (from href %s)", target, href).isEqualTo(200);
        }
        RawHttp.Response nasty = exchange(RawHttp.get("/noindex/%3Cscript%3E%26%22.txt"));
        assertThat(nasty.body()).isEqualTo(files.bytes("/noindex/" + Fixtures.NASTY_NAME));
    }

    @Test
    void dotfilesAreNotListed() throws IOException {
        String html = listing("/noindex/").bodyText();
        assertThat(html).doesNotContain(".secret");
        assertThat(hrefs(html)).noneSatisfy(h -> assertThat(h).contains(".secret"));
    }

    @Test
    void subdirectoryIsListed() throws IOException {
        String html = listing("/noindex/sub/").bodyText();
        assertThat(hrefs(html)).anySatisfy(h -> assertThat(h).endsWith("x.txt"));
        assertThat(html).doesNotContain("a.txt");
    }

    @Test
    void indexFileStillWinsOverListing() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/dir/"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/dir/index.html"));
    }

    @Test
    void directoryWithoutSlashIsStillRedirected() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/noindex"));
        assertThat(r.status()).isEqualTo(301);
        assertThat(DirectoryContract.locationTarget(r.header("Location"))).isEqualTo("/noindex/");
    }
}
