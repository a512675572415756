#!/usr/bin/env bash
# install-deps.sh: installs, with apt-get, every Debian package weft's build, tests and demo need.
# Idempotent and quick when nothing is missing: it asks dpkg first and installs only what lacks.
# `make`, `make test` and `make demo` run it; run it yourself with --check to only report.
set -euo pipefail

PACKAGES=(
  build-essential   # gcc, make
  cmake             # the build
  pkg-config        # finds cJSON
  libcjson-dev      # JSON: the spec test runner, plugin HTTP requests
  libcurl4-openssl-dev  # libcurl: plugins' outbound HTTP (http_request)
  libmicrohttpd-dev # the HTTP server of weft serve / weft up
  libfyaml-dev      # YAML: app manifests (weft up)
  curl              # the HTTP end-to-end tests drive weft up with it
  wrk               # the HTTP benchmark (bench/http)
  wabt              # wast2json converts the spec testsuite; wat2wasm for test modules
  clang             # libFuzzer + sanitizers; compiles the demo to wasm32
  lld               # wasm-ld links wasm32 modules
  libclang-rt-14-dev  # clang's fuzzer/sanitizer runtimes
  wasi-libc         # C library for wasm32-wasi guests (tests, examples)
  libclang-rt-14-dev-wasm32  # compiler runtime for wasm32 guests
  rustc             # Debian's rustc, for the Rust WASI test guest
  libstd-rust-dev-wasm32     # Rust's std for wasm32-wasi
  nodejs            # node's WASI, the baseline the benchmarks and start-up times compare with
  python3           # generates the fusion test module
)

# npm installs jco (below); nodejs from NodeSource carries its own npm, Debian's does not.
command -v npm > /dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# jco (npm, @bytecodealliance/jco), the component tools the component tests build their test
# components with, into .tools/jco of the repository. Without network it warns: those tests then
# report themselves skipped (never passed).
install_jco() {
  local top jco_dir
  top=$(cd "$(dirname "$0")/.." && pwd)
  jco_dir=$top/.tools/jco
  [ -x "$jco_dir/node_modules/.bin/jco" ] && return 0
  command -v npm > /dev/null || return 0
  echo "install-deps: installing jco 1.10.2 into .tools/jco (npm)"
  mkdir -p "$jco_dir"
  if ! npm install --silent --no-audit --no-fund --prefix "$jco_dir" @bytecodealliance/jco@1.10.2 > "$jco_dir/install.log" 2>&1; then
    echo "install-deps: warning: npm could not install jco (see $jco_dir/install.log); the component binary tests will be skipped" >&2
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--check" ] || install_jco
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_jco
