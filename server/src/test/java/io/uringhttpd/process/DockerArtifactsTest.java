package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of docker/ without a Docker engine (none runs on these machines): the
 * Dockerfile copies what exists, the configurations it bakes in load, the compose file and the
 * Prometheus configuration pass their own tools, and the Kubernetes manifests agree with the
 * image and the server (ports, probe paths, image name). The dashboard's PromQL is checked
 * against a real Prometheus in {@link PrometheusIT}.
 */
class DockerArtifactsTest {
    private static final Path REPO = Child.repoDir();
    private static final Path DOCKER = REPO.resolve("docker");

    @TempDir
    Path dir;

    private static String read(String path) throws Exception {
        return Files.readString(DOCKER.resolve(path));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object yaml, String... path) {
        Object node = yaml;
        for (String key : path) {
            node = key.matches("\\d+") ? ((List<Object>) node).get(Integer.parseInt(key)) : ((Map<String, Object>) node).get(key);
            assertThat(node).as("%s in %s", key, String.join(".", path)).isNotNull();
        }
        return (T) node;
    }

    @Test
    void theDockerfileCopiesWhatExists() throws Exception {
        // COPY SRC... DEST, build context = the repository root; --from=stage copies come from a stage.
        Matcher copy = Pattern.compile("(?m)^COPY\\s+(?!--from)(.+)$").matcher(read("Dockerfile"));
        List<String> sources = new ArrayList<>();
        while (copy.find()) {
            String[] words = copy.group(1).trim().split("\\s+");
            sources.addAll(List.of(words).subList(0, words.length - 1));
        }
        assertThat(sources).contains("docker/uring-httpd.conf", "www/", "server/src/", "mvnw");
        for (String source : sources) {
            assertThat(REPO.resolve(source)).as("COPY %s", source).exists();
        }
        assertThat(read("Dockerfile")).contains("EXPOSE 8080 9145").contains("STOPSIGNAL SIGTERM").contains("HEALTHCHECK")
                .contains("USER 10001");
    }

    @Test
    void theImagesConfigurationsLoadAndListenWhereTheImageSays() throws Exception {
        // The image's site is /srv/www (COPY www/ /srv/www/): here, the same site from the repository.
        assertThat(read("Dockerfile")).contains("COPY www/ /srv/www/");
        List<String> siteHere = List.of("uring-httpd.root=\"" + REPO.resolve("www") + "\"");
        for (String name : List.of("uring-httpd.conf", "uring-httpd-compare.conf")) {
            assertThat(ConfigFactory.parseFile(DOCKER.resolve(name).toFile()).getString("uring-httpd.root")).isEqualTo("/srv/www");
            ServerConfig config = ConfigLoader.load(DOCKER.resolve(name), siteHere);
            assertThat(config.listen()).as(name).extracting(ServerConfig.ListenAddress::port).containsExactly(8080);
            assertThat(config.metrics().enabled()).isTrue();
            assertThat(config.metrics().listen().port()).isEqualTo(9145);
            assertThat(config.metrics().path()).isEqualTo("/metrics");
        }
        ServerConfig compare = ConfigLoader.load(DOCKER.resolve("uring-httpd-compare.conf"), siteHere);
        assertThat(compare.workers()).isEqualTo(2);
        assertThat(compare.engineOfWorker(0)).isEqualTo(ServerConfig.Engine.EPOLL);
        assertThat(compare.engineOfWorker(1)).isEqualTo(ServerConfig.Engine.IO_URING);
    }

    @Test
    void theKubernetesManifestsMatchTheImageAndTheServer() throws Exception {
        Yaml yaml = new Yaml();
        Object deployment = yaml.load(read("k8s/deployment.yaml"));
        Map<String, Object> container = at(deployment, "spec", "template", "spec", "containers", "0");
        Object compose = yaml.load(read("compose.yaml"));
        assertThat(container.get("image")).as("the image compose builds").isEqualTo(at(compose, "services", "uring-httpd", "image"));
        List<Map<String, Object>> ports = at(container, "ports");
        assertThat(ports).extracting(p -> p.get("name") + ":" + p.get("containerPort")).containsExactly("http:8080", "metrics:9145");
        // The probes ask what the image's server really answers: its site's index and its metrics path.
        assertThat((String) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/");
        assertThat(REPO.resolve("www/index.html")).isRegularFile();
        assertThat((String) at(container, "readinessProbe", "httpGet", "port")).isEqualTo("http");
        assertThat((String) at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/metrics");
        assertThat((String) at(container, "livenessProbe", "httpGet", "port")).isEqualTo("metrics");
        Map<String, String> annotations = at(deployment, "spec", "template", "metadata", "annotations");
        assertThat(annotations).containsEntry("prometheus.io/port", "9145").containsEntry("prometheus.io/path", "/metrics");
        assertThat((Integer) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"))
                .as("more than the default shutdown-timeout (10 s)").isGreaterThan(10);
        assertThat((Integer) at(deployment, "spec", "template", "spec", "securityContext", "runAsUser")).isEqualTo(10001);

        Object service = yaml.load(read("k8s/service.yaml"));
        List<Map<String, Object>> servicePorts = at(service, "spec", "ports");
        assertThat(servicePorts).extracting(p -> p.get("targetPort")).containsExactly("http", "metrics");
        Object hpa = yaml.load(read("k8s/hpa.yaml"));
        assertThat((String) at(hpa, "spec", "scaleTargetRef", "name")).isEqualTo(at(deployment, "metadata", "name"));
    }

    @Test
    void composeAndPrometheusConfigsPassTheirTools() throws Exception {
        Object compose = new Yaml().load(read("compose.yaml"));
        Map<String, Object> services = at(compose, "services");
        assertThat(services).containsKeys("uring-httpd", "prometheus", "grafana", "load");
        assertThat(DOCKER.resolve("seccomp-io_uring.json")).as("the seccomp profile compose names").isRegularFile();

        Path compose1 = Path.of("/usr/bin/docker-compose");
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(compose1) && Files.isExecutable(promtool),
                "docker-compose and promtool not installed (Debian packages docker-compose, prometheus)");
        // `config` parses, interpolates and validates against the compose schema; it needs no engine.
        // Run from docker/, as the README says: the seccomp path is read relative to there.
        Child.Result checked = Child.run(List.of(compose1.toString(), "-f", "compose.yaml", "config", "-q"),
                DOCKER, dir, "docker-compose", env -> {}, Duration.ofSeconds(60));
        assertThat(checked.exit()).as("docker-compose config: %s", checked).isZero();
        Child.Result promtoolChecked = Child.run(List.of(promtool.toString(), "check", "config",
                DOCKER.resolve("prometheus/prometheus.yml").toString()), REPO, dir, "promtool", env -> {}, Duration.ofSeconds(60));
        assertThat(promtoolChecked.exit()).as("promtool check config: %s", promtoolChecked).isZero();
    }
}
