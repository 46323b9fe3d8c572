package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Account lookups through glibc's NSS (Debian 12's /etc/passwd and /etc/group). */
class PrivilegesTest {
    @Test
    void looksUpUsers() {
        assertThat(Privileges.user("root")).contains(new Privileges.Account("root", 0, 0));
        assertThat(Privileges.user("nobody")).contains(new Privileges.Account("nobody", 65534, 65534));
        assertThat(Privileges.user("no-such-user")).isEmpty();
        assertThat(Privileges.user("")).isEmpty();
        assertThat(Privileges.user("ro\0ot")).isEmpty();
    }

    @Test
    void looksUpGroups() {
        assertThat(Privileges.group("root")).isEqualTo(OptionalInt.of(0));
        assertThat(Privileges.group("nogroup")).isEqualTo(OptionalInt.of(65534));
        assertThat(Privileges.group("no-such-group")).isEmpty();
    }

    @Test
    void tooSmallBufferIsGrownOnErange() {
        assertThat(Privileges.user("nobody", 1)).contains(new Privileges.Account("nobody", 65534, 65534));
        assertThat(Privileges.group("nogroup", 1)).isEqualTo(OptionalInt.of(65534));
    }

    @Test
    void uidAndEuidMatchProcStatus() throws IOException {
        String[] uids = ChildProcesses.statusLine("self", "Uid").split("\\s+");   // real, effective, saved, fs
        assertThat(Privileges.uid()).isEqualTo(Integer.parseInt(uids[0]));
        assertThat(Privileges.euid()).isEqualTo(Integer.parseInt(uids[1]));
    }
}
