#!/usr/bin/env bash
# Builds the collector in monitoring/collector/builder-config.yaml with the OpenTelemetry
# Collector Builder, once per (manifest, Go version): the output lives outside the repository,
# under a directory named by that hash, and a second run only prints its path. Go's module and
# build caches (GOMODCACHE, GOCACHE) are Go's defaults, so a rebuild after a manifest change
# reuses every module already downloaded or compiled.
#
#   scripts/build-collector.sh          → builds if needed; the binary's path is the last line of stdout
#   scripts/build-collector.sh --path   → only the path of an existing build (exit 3 when there is none)
#   SWS_COLLECTOR_CACHE=dir             → where builds go (default ~/.cache/sws-collector)
#
# Checksums: the module proxy reachable here does not serve sum.golang.org's records for the
# collector's own modules (go.opentelemetry.io/collector/*, opentelemetry-collector-contrib/*):
# those are exempted from the checksum database (GONOSUMDB) and verified instead against
# monitoring/collector/go.sum, recorded from the first build and committed; every other module
# is still checked against sum.golang.org through the proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=monitoring/collector/builder-config.yaml
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || { echo "build-collector: no Go toolchain (set GO= or put go on PATH)" >&2; exit 1; }
export PATH="$(dirname "$GO"):$PATH"
# The builder's version is the manifest's release (dist.version).
release=$(sed -n 's/^  version: *\([0-9.]*\).*/\1/p' "$manifest" | head -1)
[ -n "$release" ] || { echo "build-collector: no dist.version in $manifest" >&2; exit 1; }
cache=${SWS_COLLECTOR_CACHE:-$HOME/.cache/sws-collector}
key=$( { cat "$manifest" monitoring/collector/go.sum; "$GO" version; } | sha256sum | cut -c1-16)
out="$cache/$key"
bin="$out/otelcol-sws"
if [ "${1:-}" = "--path" ]; then
  [ -x "$bin" ] && { echo "$bin"; exit 0; }
  echo "build-collector: no build for manifest+go $key in $cache (run scripts/build-collector.sh)" >&2; exit 3
fi
if [ -x "$bin" ]; then
  echo "build-collector: cached $bin (manifest+go $key)" >&2
  echo "$bin"; exit 0
fi
# Set before the builder's own install too: the builder (go.opentelemetry.io/collector/cmd/builder)
# is one of those modules, so a fresh cache (CI's) could not install it otherwise.
export GONOSUMDB="go.opentelemetry.io/collector,github.com/open-telemetry/opentelemetry-collector-contrib${GONOSUMDB:+,$GONOSUMDB}"
builder="$cache/builder-v$release/builder"
start=$(date +%s)
if [ ! -x "$builder" ]; then
  echo "build-collector: go install go.opentelemetry.io/collector/cmd/builder@v$release" >&2
  GOBIN="$cache/builder-v$release" nice -n 10 "$GO" install "go.opentelemetry.io/collector/cmd/builder@v$release" >&2
fi
tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# The builder writes its Go sources and the binary into output_path; -trimpath and no symbols:
# the binary is ~30% smaller and reproducible across checkouts.
sed "s#^dist:#dist:\n  output_path: $tmp#" "$manifest" > "$tmp/manifest.yaml"
# The recorded module checksums: `go mod tidy` (run by the builder) verifies every module it
# downloads against them, and the result must be the same file (a new or changed module fails here).
cp monitoring/collector/go.sum "$tmp/go.sum"
echo "build-collector: building v$release ($(nproc) cores) into $out" >&2
nice -n 10 "$builder" --config "$tmp/manifest.yaml" --ldflags="-s -w" >&2
if ! cmp -s monitoring/collector/go.sum "$tmp/go.sum"; then
  echo "build-collector: the build's go.sum differs from monitoring/collector/go.sum (modules added or changed):" >&2
  diff monitoring/collector/go.sum "$tmp/go.sum" | head -40 >&2
  echo "review the change; if it is intended (manifest edited), copy $tmp/go.sum over it" >&2
  trap - EXIT; exit 1
fi
mkdir -p "$out"
mv "$tmp/otelcol-sws" "$bin"
cp "$manifest" "$out/builder-config.yaml"
echo "build-collector: built in $(( $(date +%s) - start )) s: $bin ($(du -m "$bin" | cut -f1) MiB)" >&2
echo "$bin"
