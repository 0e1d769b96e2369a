#!/usr/bin/env bash
# Installs the Debian packages SandboxCore builds against and the third-party checkers its tests use.
# Idempotent: does nothing when everything is there. Needs root (or sudo) on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(pkg-config libvirt-dev libisofs-dev libsqlite3-dev)
# Checkers written by others: libvirt's virsh and schema validator, the ISO readers, cloud-init's
# schema check, netplan's generator, qemu-img, and the fork-based tools the benchmarks compare with.
test_packages=(libvirt-clients libxml2-utils genisoimage util-linux cloud-init netplan.io qemu-utils
  cloud-image-utils python3-yaml python3-venv
  # OpenSSH's own server and ssh-keygen: SandboxSSHTests run SSHCommandRunner against a real sshd
  # on loopback and read the keys it writes with ssh-keygen (no sshd service is started: see below)
  openssh-server openssh-client)

wanted=("${build_packages[@]}")
if [[ "${1:-}" != "--build-only" ]]; then wanted+=("${test_packages[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  # Packages install no running services (openssh-server would start sshd on port 22): a
  # policy-rc.d that refuses every start is in place during the install, unless one already is.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary: from sandboxcore scripts/install-deps.sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    made_policy=1
    # removed however the install ends
    trap '$sudo rm -f "$policy"' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ $made_policy == 1 ]]; then
    $sudo rm -f "$policy"
    trap - EXIT
  fi
fi

# The original system's own Python SDK, unchanged from PyPI, in a venv of its own: the
# compatibility tests drive sandbox-server with it (Tests/Compatibility/original_client.py).
if [[ "${1:-}" != "--build-only" ]]; then
  sdk=.build/original-sdk
  if ! "$sdk/bin/python3" -c "import virsh_sandbox" 2>/dev/null; then
    echo "installing the original SDK (virsh_sandbox 0.0.21b0) into $sdk" >&2
    mkdir -p .build
    python3 -m venv "$sdk"
    "$sdk/bin/pip" install -q "virsh_sandbox==0.0.21b0"
  fi
  # schemathesis fuzzes the running sandbox-server against its own OpenAPI document.
  st=.build/schemathesis
  if ! "$st/bin/st" --version >/dev/null 2>&1; then
    echo "installing schemathesis into $st" >&2
    mkdir -p .build
    python3 -m venv "$st"
    "$st/bin/pip" install -q "schemathesis==4.32.5"
  fi
fi
