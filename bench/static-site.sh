#!/usr/bin/env bash
# A static site of real bytes for the compression benchmark, and the documented
# way to precompress any site for uring-httpd (or nginx gzip_static/brotli_static,
# or Caddy's file_server precompressed).
#
#   bench/static-site.sh build [DIR]       # DIR/www: 20 files from pinned npm packages,
#                                          # with sidecars; default DIR bench/out/static-site
#   bench/static-site.sh precompress DIR   # FILE.gz, FILE.br, FILE.zst next to each compressible FILE
#   bench/static-site.sh list DIR          # the files (no sidecars) with sizes and their sidecars' sizes
#   bench/static-site.sh strip DIR         # removes the sidecars that precompress made
#
# build: the tarballs come from `npm pack NAME@VERSION` (the exact versions below)
# and are cached in DIR/npm, so a rerun is offline. The two HTML pages are the
# READMEs of bootstrap and bootstrap-icons rendered with marked (pinned too) into
# a page that links the site's CSS, JS and font.
#
# precompress: for every file under DIR whose name ends in one of PRECOMPRESS_EXT
# (default: html htm css js mjs json svg xml txt map wasm ico) and that is not
# itself a sidecar:
#   gzip -9 -n  -> FILE.gz    (no name or time in the header: reproducible)
#   brotli -q 11 -> FILE.br
#   zstd -19    -> FILE.zst
# A sidecar is made again only when it is missing or older than FILE; it gets
# FILE's mtime (touch -r), and it is kept only if it is smaller than FILE. Files
# under PRECOMPRESS_MIN bytes (default 256) get none. Tools: Debian packages
# gzip, brotli, zstd (installed with apt-get when missing).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

# The pinned packages (npm pack NAME@VERSION): the site is the same on every machine.
PACKAGES=(
  bootstrap@5.3.3
  bootstrap-icons@1.11.3
  jquery@3.7.1
  lodash@4.17.21
  d3@7.9.0
  leaflet@1.9.4
  @fontsource/inter@5.0.18
  normalize.css@8.0.1
  marked@12.0.2
)
# site path <- tarball file (npm pack's name) : path inside the tarball
FILES=(
  "css/bootstrap.min.css          bootstrap-5.3.3.tgz:package/dist/css/bootstrap.min.css"
  "css/bootstrap-icons.min.css    bootstrap-icons-1.11.3.tgz:package/font/bootstrap-icons.min.css"
  "css/leaflet.css                leaflet-1.9.4.tgz:package/dist/leaflet.css"
  "css/normalize.css              normalize.css-8.0.1.tgz:package/normalize.css"
  "js/bootstrap.bundle.min.js     bootstrap-5.3.3.tgz:package/dist/js/bootstrap.bundle.min.js"
  "js/jquery.min.js               jquery-3.7.1.tgz:package/dist/jquery.min.js"
  "js/lodash.min.js               lodash-4.17.21.tgz:package/lodash.min.js"
  "js/d3.min.js                   d3-7.9.0.tgz:package/dist/d3.min.js"
  "js/leaflet.js                  leaflet-1.9.4.tgz:package/dist/leaflet.js"
  "img/gear.svg                   bootstrap-icons-1.11.3.tgz:package/icons/gear.svg"
  "img/building.svg               bootstrap-icons-1.11.3.tgz:package/icons/building.svg"
  "img/rocket-takeoff-fill.svg    bootstrap-icons-1.11.3.tgz:package/icons/rocket-takeoff-fill.svg"
  "img/marker-icon.png            leaflet-1.9.4.tgz:package/dist/images/marker-icon.png"
  "img/marker-icon-2x.png         leaflet-1.9.4.tgz:package/dist/images/marker-icon-2x.png"
  "data/bootstrap-icons.json      bootstrap-icons-1.11.3.tgz:package/font/bootstrap-icons.json"
  "fonts/inter-latin-400-normal.woff2 fontsource-inter-5.0.18.tgz:package/files/inter-latin-400-normal.woff2"
  "fonts/inter-latin-700-normal.woff2 fontsource-inter-5.0.18.tgz:package/files/inter-latin-700-normal.woff2"
  "fonts/bootstrap-icons.woff2    bootstrap-icons-1.11.3.tgz:package/font/fonts/bootstrap-icons.woff2"
)
# + index.html (bootstrap's README) and icons.html (bootstrap-icons' README): 20 files.
SITE_VERSION="site-v1 ${PACKAGES[*]}"

PRECOMPRESS_EXT=${PRECOMPRESS_EXT:-html htm css js mjs json svg xml txt map wasm ico}
PRECOMPRESS_MIN=${PRECOMPRESS_MIN:-256}
SIDECAR_EXT="gz br zst"

is_sidecar() { case $1 in *.gz|*.br|*.zst) [ -e "${1%.*}" ] ;; *) return 1 ;; esac; }
compressible() {
  local e
  for e in $PRECOMPRESS_EXT; do case $1 in *."$e") return 0 ;; esac; done
  return 1
}

# make_sidecar FILE EXT: FILE.EXT if missing or older than FILE; dropped when not smaller.
make_sidecar() {
  local f=$1 ext=$2 out=$1.$2 tmp
  if [ -e "$out" ] && [ ! "$out" -ot "$f" ]; then return 0; fi
  tmp=$out.tmp.$$
  case $ext in
    gz)  gzip -9 -n -c -- "$f" > "$tmp" ;;
    br)  brotli -q 11 -c -- "$f" > "$tmp" ;;
    zst) zstd -19 -q -c -- "$f" > "$tmp" ;;
  esac
  if [ "$(stat -c %s "$tmp")" -lt "$(stat -c %s "$f")" ]; then
    chmod --reference="$f" "$tmp"
    touch -r "$f" "$tmp"
    mv -f "$tmp" "$out"
  else
    rm -f "$tmp" "$out"
  fi
}

precompress() {
  local dir=${1:?usage: static-site.sh precompress DIR} f ext n=0
  [ -d "$dir" ] || die "$dir is not a directory"
  need_tools gzip:gzip brotli:brotli zstd:zstd
  while IFS= read -r -d '' f; do
    is_sidecar "$f" && continue
    compressible "$f" || continue
    [ "$(stat -c %s "$f")" -ge "$PRECOMPRESS_MIN" ] || continue
    for ext in $SIDECAR_EXT; do make_sidecar "$f" "$ext"; done
    n=$((n + 1))
  done < <(find "$dir" -type f ! -name '*.tmp.*' -print0 | sort -z)
  say "precompressed $n file(s) under $dir (gzip -9 -n, brotli -q 11, zstd -19)"
}

strip_sidecars() {
  local dir=${1:?usage: static-site.sh strip DIR} f
  while IFS= read -r -d '' f; do
    is_sidecar "$f" && rm -f -- "$f"
  done < <(find "$dir" -type f \( -name '*.gz' -o -name '*.br' -o -name '*.zst' \) -print0)
}

# list DIR: "path bytes gz br zst" for each file that is not a sidecar ("-": no sidecar)
list_site() {
  local dir=${1:?usage: static-site.sh list DIR} f rel ext s total=0 n=0 line
  printf '%-36s %9s %9s %9s %9s\n' file bytes .gz .br .zst
  while IFS= read -r -d '' f; do
    is_sidecar "$f" && continue
    rel=${f#"$dir"/}
    s=$(stat -c %s "$f"); total=$((total + s)); n=$((n + 1))
    line=$(printf '%-36s %9s' "$rel" "$s")
    for ext in $SIDECAR_EXT; do
      if [ -e "$f.$ext" ]; then line+=$(printf ' %9s' "$(stat -c %s "$f.$ext")"); else line+=$(printf ' %9s' -); fi
    done
    echo "$line"
  done < <(find "$dir" -type f -print0 | sort -z)
  printf '%d files, %d bytes\n' "$n" "$total"
}

# paths DIR: the site's URL paths (no sidecars), one a line
list_paths() {
  local dir=${1:?} f
  while IFS= read -r -d '' f; do
    is_sidecar "$f" && continue
    echo "/${f#"$dir"/}"
  done < <(find "$dir" -type f -print0 | sort -z)
}

fetch_packages() {
  local cache=$1 p tgz
  mkdir -p "$cache"
  for p in "${PACKAGES[@]}"; do
    # npm pack's file name: scope without @, / -> -
    tgz=${p%@*}; tgz=${tgz#@}; tgz=${tgz//\//-}-${p##*@}.tgz
    [ -s "$cache/$tgz" ] && continue
    need_tools npm:npm
    say "npm pack $p"
    (cd "$cache" && npm pack "$p" --silent >/dev/null) || die "npm pack $p failed (is the npm registry reachable?)"
    [ -s "$cache/$tgz" ] || die "npm pack $p did not write $cache/$tgz"
  done
}

render_page() { # render_page MARKED_DIR README TITLE OUT
  # shellcheck disable=SC2016  # JavaScript in single quotes
  node -e '
    const { marked } = require(process.argv[1] + "/lib/marked.cjs");
    const fs = require("fs");
    const md = fs.readFileSync(process.argv[2], "utf8");
    const title = process.argv[3];
    const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/css/normalize.css">
<link rel="stylesheet" href="/css/bootstrap.min.css">
<link rel="stylesheet" href="/css/bootstrap-icons.min.css">
<link rel="stylesheet" href="/css/leaflet.css">
<link rel="preload" href="/fonts/inter-latin-400-normal.woff2" as="font" type="font/woff2" crossorigin>
<style>@font-face{font-family:Inter;font-weight:400;src:url(/fonts/inter-latin-400-normal.woff2) format("woff2")}
@font-face{font-family:Inter;font-weight:700;src:url(/fonts/inter-latin-700-normal.woff2) format("woff2")}
body{font-family:Inter,system-ui,sans-serif}</style>
</head>
<body>
<nav class="navbar navbar-expand-lg bg-body-tertiary"><div class="container">
<a class="navbar-brand" href="/index.html"><img src="/img/gear.svg" width="24" height="24" alt=""> Static site</a>
<a class="nav-link" href="/icons.html"><img src="/img/building.svg" width="16" height="16" alt=""> Icons</a>
</div></nav>
<main class="container py-4">
${marked.parse(md)}
<div id="map" style="height:240px"><img src="/img/marker-icon.png" alt="marker"></div>
</main>
<script src="/js/jquery.min.js"></script>
<script src="/js/lodash.min.js"></script>
<script src="/js/d3.min.js"></script>
<script src="/js/leaflet.js"></script>
<script src="/js/bootstrap.bundle.min.js"></script>
</body>
</html>
`;
    fs.writeFileSync(process.argv[4], page);
  ' "$1" "$2" "$3" "$4"
}

build() {
  local dir=${1:-$bench_dir/out/static-site} www tmp entry dst src tgz inner
  need_tools tar:tar
  www=$dir/www
  fetch_packages "$dir/npm"
  if [ -d "$www" ] && [ -f "$dir/site-version" ] && [ "$(cat "$dir/site-version")" = "$SITE_VERSION" ]; then
    say "site up to date in $www"
  else
    say "assembling $www from $dir/npm"
    need_tools node:nodejs
    rm -rf "$www" "$dir/site-version"; mkdir -p "$www"
    tmp=$(mktemp -d /tmp/static-site.XXXXXX)
    # shellcheck disable=SC2064  # expand tmp now
    trap "rm -rf '$tmp'" EXIT
    for tgz in "$dir"/npm/*.tgz; do
      mkdir -p "$tmp/${tgz##*/}"
      tar -xzf "$tgz" -C "$tmp/${tgz##*/}"
    done
    for entry in "${FILES[@]}"; do
      read -r dst src <<< "$entry"
      tgz=${src%%:*}; inner=${src#*:}
      [ -f "$tmp/$tgz/$inner" ] || die "$inner is not in $tgz"
      mkdir -p "$(dirname "$www/$dst")"
      cp "$tmp/$tgz/$inner" "$www/$dst"
    done
    render_page "$tmp/marked-12.0.2.tgz/package" "$tmp/bootstrap-5.3.3.tgz/package/README.md" "Bootstrap" "$www/index.html"
    render_page "$tmp/marked-12.0.2.tgz/package" "$tmp/bootstrap-icons-1.11.3.tgz/package/README.md" "Bootstrap Icons" "$www/icons.html"
    rm -rf "$tmp"; trap - EXIT
    find "$www" -type d -exec chmod 755 {} +
    find "$www" -type f -exec chmod 644 {} +
    echo "$SITE_VERSION" > "$dir/site-version"
  fi
  precompress "$www"
  list_site "$www"
}

case ${1:-} in
  build) build "${2:-}" ;;
  precompress) precompress "${2:-}" ;;
  list) list_site "${2:?usage: static-site.sh list DIR}" ;;
  paths) list_paths "${2:?usage: static-site.sh paths DIR}" ;;
  strip) strip_sidecars "${2:?usage: static-site.sh strip DIR}" ;;
  *) die "usage: ${0##*/} build [DIR] | precompress DIR | list DIR | paths DIR | strip DIR" ;;
esac
