#!/usr/bin/env bash
# capi_test.sh TEST_CAPI OUT_DIR: the public component API (test_capi.c) on the components of
# cbin/, built with clang and jco by build_components.sh (without jco it exits 77, which CTest
# reports as a skip, never as a pass).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
test_capi=${1:?usage: capi_test.sh TEST_CAPI OUT_DIR}
out=${2:?usage}
"$here/build_components.sh" "$out"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
exec "$test_capi" "$out"
