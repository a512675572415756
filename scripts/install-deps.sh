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

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
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
