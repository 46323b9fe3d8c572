package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutoindexTest {
    @Test
    void escapesTextAndEncodesHref() {
        String html = new String(Autoindex.render("/a&b/<x>/", List.of(
                new Autoindex.Item("<script>alert(1)</script>.txt", false, 12, 0),
                new Autoindex.Item("Tom & Jerry's \"best\".html", false, 3, 0),
                new Autoindex.Item("javascript:alert(1)", false, 1, 0),
                new Autoindex.Item("caf\u00e9 q?#", true, 0, 0))), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html).doesNotContain("<script>").doesNotContain("<x>");
        assertThat(html).contains("Index of /a&amp;b/&lt;x&gt;/");
        assertThat(html).contains("<a href=\"%3Cscript%3Ealert%281%29%3C%2Fscript%3E.txt\">&lt;script&gt;alert(1)&lt;/script&gt;.txt</a>");
        assertThat(html).contains("<a href=\"Tom%20%26%20Jerry%27s%20%22best%22.html\">Tom &amp; Jerry&#39;s &quot;best&quot;.html</a>");
        assertThat(html).contains("href=\"javascript%3Aalert%281%29\"");
        assertThat(html).contains("<a href=\"caf%C3%A9%20q%3F%23/\">caf\u00e9 q?#/</a>");
        assertThat(html).contains("<a href=\"../\">");
    }

    @Test
    void directoriesFirstThenByName() {
        String html = new String(Autoindex.render("/", List.of(
                new Autoindex.Item("b.txt", false, 1, 0),
                new Autoindex.Item("z", true, 0, 0),
                new Autoindex.Item("a.txt", false, 1, 0),
                new Autoindex.Item("c", true, 0, 0))), StandardCharsets.UTF_8);
        assertThat(html.indexOf(">c/<")).isLessThan(html.indexOf(">z/<"));
        assertThat(html.indexOf(">z/<")).isLessThan(html.indexOf(">a.txt<"));
        assertThat(html.indexOf(">a.txt<")).isLessThan(html.indexOf(">b.txt<"));
        assertThat(html).doesNotContain("../"); // no parent link at the root
        assertThat(html).contains("01-Jan-1970 00:00");
        assertThat(html).doesNotContain("Only the first");
    }

    @Test
    void truncationIsAnnounced() {
        String html = new String(Autoindex.render("/", List.of(new Autoindex.Item("a", false, 1, 0)), true),
                StandardCharsets.UTF_8);
        assertThat(html).contains("Only the first 1 entries");
    }
}
