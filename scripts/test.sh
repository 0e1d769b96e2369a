#!/usr/bin/env bash
# Runs the tests: installs the build dependencies and the third-party checkers, lints, runs the unit
# and integration suites (test:///default, no daemon), then the end-to-end suite on real guests
# (a private libvirtd in a network namespace, QEMU, real cloud-init; see e2e/README.md).
#
#   scripts/test.sh          # everything (needs root for the end-to-end part)
#   scripts/test.sh --fast   # unit and integration tests only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift format lint --strict --recursive Sources Tests Examples Package.swift
swift build --build-tests
swift test --skip-build --skip SandboxE2ETests --skip SandboxSSHTests
# SSHCommandRunner against a real sshd on loopback, in a test process of its own: run beside the
# other suites, their processes and these sshd ones starve the 2-core runner's test threads.
timeout 600 swift test --skip-build --filter SandboxSSHTests
if [[ "${1:-}" != "--fast" ]]; then
    e2e/run.sh
fi
