#!/usr/bin/env bash
# Installs the Debian packages SandboxCore builds against and the third-party checkers its tests use.
# Idempotent: does nothing when everything is there. Needs root (or sudo) on Debian 12.
set -euo pipefail

build_packages=(pkg-config libvirt-dev libisofs-dev)
# Checkers written by others: libvirt's virsh and schema validator, the ISO readers, cloud-init's
# schema check, netplan's generator, qemu-img, and the fork-based tools the benchmarks compare with.
test_packages=(libvirt-clients libxml2-utils genisoimage util-linux cloud-init netplan.io qemu-utils
  cloud-image-utils python3-yaml)

wanted=("${build_packages[@]}")
if [[ "${1:-}" != "--build-only" ]]; then wanted+=("${test_packages[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
