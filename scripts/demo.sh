#!/usr/bin/env bash
# Sets up, builds and runs the demo territory on http://127.0.0.1:8080/fhir.
# This is command (1) of the README. Extra arguments go to `parcours demo`
# (e.g. --patients 20000 --seed 7).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release --target parcours
exec build/release/src/parcours demo --data .parcours-demo --listen 127.0.0.1:8080 "$@"
