#!/usr/bin/env bash
# Installs what the CI command needs beyond the Rust toolchain itself.
# Idempotent: tools already present at the pinned version are kept.
# Used by .ci/run; developers run it once after cloning.
set -euo pipefail

# Pinned versions of the cargo tools CI uses.
NEXTEST_VERSION=0.9.143
DENY_VERSION=0.20.2
FUZZ_VERSION=0.13.1


install_cargo_tool() { # crate, version, command to check
  local crate=$1 version=$2 check=$3
  if $check 2>/dev/null | grep -q "$version"; then
    echo "setup: $crate $version present"
    return
  fi
  echo "setup: installing $crate $version (cargo install --locked; a few minutes on 2 cores)"
  cargo install --locked --quiet "$crate" --version "$version"
}

install_cargo_tool cargo-nextest "$NEXTEST_VERSION" "cargo nextest --version"
install_cargo_tool cargo-deny "$DENY_VERSION" "cargo deny --version"
install_cargo_tool cargo-fuzz "$FUZZ_VERSION" "cargo fuzz --version"
echo "setup: done"
