#!/usr/bin/env bash
# TEST FIXTURE, not part of the image users build: stand-ins for the base images that
# docker/Dockerfile and docker/compose.yaml name, for machines that cannot pull them (no route
# to Docker Hub). Never used by the shipped Dockerfile; DockerIT runs it before building.
#
#   docker/test-fixture/stand-in-images.sh        # builds only what `docker pull` cannot get
#
# What each stand-in is, and why it is no richer than the real image (a richer one would hide
# the very bugs the Docker tests exist to find, such as a build step needing a tool the real
# base lacks):
#   eclipse-temurin:25-jdk   Debian bookworm (mmdebstrap, minbase) with exactly the OS packages
#                            the Temurin 25 images install (fontconfig ca-certificates p11-kit
#                            binutils tzdata locales, en_US.UTF-8 generated): no curl, wget or
#                            unzip. This machine's JDK 25 at /opt/java/openjdk, JAVA_HOME, PATH
#                            and LANG/LANGUAGE/LC_ALL as Temurin sets them.
#   eclipse-temurin:25-jre   the same base with a jlinked runtime of this JDK (the JDK's tools
#                            and compiler left out, as in Temurin's JRE).
#   prom/prometheus:v2.53.2  the same base with Debian's prometheus package, /bin/prometheus as
#                            the entrypoint and the official image's default arguments.
# Both JDK and base carry this machine's CA trust (its JDK cacerts and CA bundle), so a build
# in the container reaches Maven Central the way the host does.
# Grafana has no Debian package and no stand-in: tests start the compose stack without it.
#
# Environment: JDK (default /usr/lib/jvm/temurin-25-jdk-amd64), MIRROR (default
# http://deb.debian.org/debian), FORCE=1 to rebuild stand-ins that already exist.
set -euo pipefail
jdk=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
mirror=${MIRROR:-http://deb.debian.org/debian}
base=uring-httpd-test/stand-in-base:bookworm
temurin_packages=fontconfig,ca-certificates,p11-kit,binutils,tzdata,locales

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

have() { [ "${FORCE:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
# An image the registry serves is the real thing: use it. Docker Hub answers at once here when
# it is unreachable (no such host), so trying costs nothing.
pullable() { have "$1" || timeout 120 docker pull -q "$1" >/dev/null 2>&1; }
say() { echo "stand-in-images: $*"; }

build_base() {
  have "$base" && return 0
  say "building $base with mmdebstrap ($temurin_packages)"
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed (Debian package mmdebstrap)" >&2; exit 1; }
  # The machine's apt options that make its mirror usable (a mirror snapshot's Release files
  # may be past Valid-Until) are kept in the root file system, for apt-get in image builds.
  mmdebstrap --quiet --variant=minbase --include="$temurin_packages" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --customize-hook='echo "en_US.UTF-8 UTF-8" >> "$1/etc/locale.gen" && chroot "$1" locale-gen en_US.UTF-8 >/dev/null' \
    --customize-hook='if [ -d /usr/local/share/ca-certificates ]; then cp -a /usr/local/share/ca-certificates/. "$1/usr/local/share/ca-certificates/"; fi; chroot "$1" update-ca-certificates >/dev/null 2>&1' \
    --customize-hook='rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*' \
    bookworm "$work/base.tar" "$mirror"
  docker import "$work/base.tar" "$base" >/dev/null
  rm -f "$work/base.tar"
}

# $1 image name, $2 directory that becomes /opt/java/openjdk
build_java() {
  mkdir -p "$work/ctx"
  cat > "$work/ctx/Dockerfile" <<DOCKERFILE
FROM $base
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=en_US.UTF-8 LANGUAGE=en_US:en LC_ALL=en_US.UTF-8
COPY java/ /opt/java/openjdk/
CMD ["jshell"]
DOCKERFILE
  # -h: the JDK's cacerts is a link into the machine's /etc/ssl: the stand-in gets the file.
  tar -C "$work/ctx" -c Dockerfile -C "$(dirname "$2")" -h --transform "s,^$(basename "$2"),java," "$(basename "$2")" \
    | docker build -q -t "$1" - >/dev/null
  rm -rf "$work/ctx"
}

if ! pullable eclipse-temurin:25-jdk; then
  build_base
  say "building eclipse-temurin:25-jdk from $jdk"
  build_java eclipse-temurin:25-jdk "$jdk"
fi

if ! pullable eclipse-temurin:25-jre; then
  build_base
  say "building eclipse-temurin:25-jre (jlink of $jdk)"
  dev_tools='^(jdk\.compiler|jdk\.editpad|jdk\.hotspot\.agent|jdk\.internal\.ed|jdk\.internal\.le|jdk\.internal\.opt|jdk\.jartool|jdk\.javadoc|jdk\.jcmd|jdk\.jconsole|jdk\.jdeps|jdk\.jdi|jdk\.jlink|jdk\.jpackage|jdk\.jshell|jdk\.jstatd|jdk\.graal\.compiler.*|jdk\.internal\.vm\.ci)$'
  modules=$("$jdk/bin/java" --list-modules | sed 's/@.*//' | grep -Ev "$dev_tools" | paste -sd, -)
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --output "$work/jre"
  cp -L "$jdk/lib/security/cacerts" "$work/jre/lib/security/cacerts"
  build_java eclipse-temurin:25-jre "$work/jre"
  rm -rf "$work/jre"
fi

if ! pullable prom/prometheus:v2.53.2; then
  build_base
  say "building prom/prometheus:v2.53.2 (Debian's prometheus package)"
  mkdir -p "$work/prom"
  # policy-rc.d: the package would start its service; the container runs it as its process.
  cat > "$work/prom/Dockerfile" <<DOCKERFILE
FROM $base
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
 && mkdir -p /prometheus /etc/prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DOCKERFILE
  docker build --network host -q -t prom/prometheus:v2.53.2 "$work/prom" >/dev/null
fi
say "ready: eclipse-temurin:25-jdk, eclipse-temurin:25-jre, prom/prometheus:v2.53.2"
