#!/usr/bin/env bash
# cbin_test.sh TEST_CBIN OUT_DIR: builds the test components (build_components.sh; its exit 77,
# no jco, is passed on so CTest reports a skip), then runs test_cbin on them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
test_cbin=${1:?usage: cbin_test.sh TEST_CBIN OUT_DIR}
out=${2:?usage: cbin_test.sh TEST_CBIN OUT_DIR}

"$here/build_components.sh" "$out"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
exec "$test_cbin" "$out"
