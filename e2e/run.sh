#!/usr/bin/env bash
# Runs the end-to-end suite: real guests with real cloud-init under QEMU, driven through a private
# libvirtd inside a network namespace of its own (see e2e/README.md for the safety design).
#
#   e2e/run.sh            # install, build/reuse images, start libvirtd, run Tests/SandboxE2ETests, stop
#   E2E_FLAVOURS=netplan E2E_FILTER=SandboxE2ETests.ExecE2ETests e2e/run.sh   # a subset
#   E2E_FLAVOURS=arm64-netplan E2E_FILTER=SandboxE2ETests.Arm64E2ETests e2e/run.sh   # emulated arm64 only
#
# Results (one JSON line per sandbox) go to ${SANDBOX_E2E_RESULTS:-.build/e2e-results.jsonl}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

e2e/install-deps.sh
flavours=${E2E_FLAVOURS:-netplan eni}
images=""
for flavour in $flavours; do
    folder=$(e2e/build-image.sh "$flavour" | tail -n 1)
    images="${images:+$images,}$flavour=$folder"
done

state=$(mktemp -d /var/tmp/sandboxcore-e2e-state.XXXXXX)
work=$(mktemp -d /var/tmp/sandboxcore-e2e-work.XXXXXX)
# QEMU runs as libvirt-qemu (stock semantics, see libvirtd-netns.sh): it must pass through the work
# folder to the bases and job folders inside it, not list it.
chmod 0711 "$work"
cleanup() {
    e2e/libvirtd-netns.sh stop "$state" || true
    rm -rf "$work" "$state"
}
trap cleanup EXIT
uri=$(e2e/libvirtd-netns.sh start "$state" | tail -n 1)

mkdir -p .build
export SANDBOX_E2E_URI="$uri"
export SANDBOX_E2E_IMAGES="$images"
export SANDBOX_E2E_NETWORK=sandbox-e2e
export SANDBOX_E2E_WORKDIR="$work"
export SANDBOX_E2E_STATE="$state"
export SANDBOX_E2E_RESULTS=${SANDBOX_E2E_RESULTS:-$root/.build/e2e-results.jsonl}
rm -f "$SANDBOX_E2E_RESULTS"
swift build --build-tests
# One suite at a time: real guests on a small host contend for its cores, and the timings that
# the results file records (create to lease) would measure the neighbours' boots too.
# The test process (and the sandbox-server, sandbox-mcp and SSH clients it starts) runs inside the
# daemon's network namespace: whatever it sends to a guest's private address stays in there.
e2e/libvirtd-netns.sh exec "$state" \
    swift test --skip-build --disable-xctest --no-parallel --filter "${E2E_FILTER:-SandboxE2ETests}"
echo "E2E results in $SANDBOX_E2E_RESULTS:"
cat "$SANDBOX_E2E_RESULTS"
python3 e2e/summarize.py "$SANDBOX_E2E_RESULTS" || true
