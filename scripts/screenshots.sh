#!/usr/bin/env bash
# Takes the README's screenshots (docs/screenshots/*.png) from the running program: the real
# server with the demo feed seeded, driven by headless Chromium through chromedriver (the same
# harness as the browser tests). Needs Debian's chromium and chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
export MODERATO_TEST_BROWSER=1
export MODERATO_SCREENSHOTS="${MODERATO_SCREENSHOTS:-docs/screenshots}"
cargo test -p moderato-server --test browser screenshots -- --ignored --exact
ls -l "$MODERATO_SCREENSHOTS"
