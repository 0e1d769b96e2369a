#!/usr/bin/env bash
# Runs the test suite: installs the build dependencies and the third-party checkers, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift format lint --strict --recursive Sources Tests Examples Package.swift
swift build --build-tests
swift test --skip-build "$@"
