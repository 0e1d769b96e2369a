#!/usr/bin/env bash
# Runs the benchmarks in release mode and prints Markdown tables (see BENCHMARKS.md).
#
#   scripts/bench.sh            # host side: seed, XML, overlay, prepare on test:///default, 200 sandboxes
#   scripts/bench.sh --daemon   # also create + start on a real libvirtd (private, in a network namespace)
#   scripts/bench.sh --smoke    # a quick run that only proves the benchmarks work
#
# Extra arguments go to sandbox-bench (e.g. --iterations 500).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
daemon=0
args=()
for argument in "$@"; do
    case "$argument" in
        --daemon) daemon=1 ;;
        *) args+=("$argument") ;;
    esac
done
scripts/install-deps.sh >/dev/null
swift build -c release --product sandbox-bench
bench=$(swift build -c release --show-bin-path)/sandbox-bench
if [ "$daemon" = 0 ]; then
    exec "$bench" "${args[@]}"
fi
e2e/install-deps.sh >/dev/null
state=$(mktemp -d /var/tmp/sandboxcore-bench-state.XXXXXX)
cleanup() {
    e2e/libvirtd-netns.sh stop "$state" || true
    rm -rf "$state"
}
trap cleanup EXIT
uri=$(e2e/libvirtd-netns.sh start "$state" | tail -n 1)
"$bench" --uri "$uri" --network sandbox-e2e "${args[@]}"
