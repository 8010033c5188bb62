#!/usr/bin/env bash
# Installs everything Parcours needs on a fresh Debian 12 machine. Idempotent:
# apt-get runs (after one `apt-get update`) only when a package is missing,
# npm only when its lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang-format python3
  libboost1.81-dev libboost-json1.81-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  libcli11-dev libspdlog-dev libfmt-dev libsodium-dev libssl-dev libhpdf-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgoogle-perftools-dev
  curl wrk
)
# Node.js and npm may come from another packaging of Node; ask apt only when absent.
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Official FHIR R4 definitions and examples (npm registry).
npm_install() {
  local dir=$1 stamp="$1/node_modules/.parcours-lock"
  if [[ ! -f $stamp ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
npm_install third_party/fhir-packages
# HL7's fhirpath.js, the baseline that bench/fhirpath.sh measures against.
npm_install bench/fhirpath-js
