#!/usr/bin/env bash
# Quick start: installs what it needs, builds, and runs the whole sandbox flow on libvirt's
# in-process test driver (test:///default): no daemon, no VM image, nothing left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
swift build -c release --product sandbox-demo
exec .build/release/sandbox-demo "$@"
