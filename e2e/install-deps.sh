#!/usr/bin/env bash
# Idempotent install of everything the SandboxCore E2E tests need (Debian 12).
#
# Deliberately installs the *minimal* libvirt packages (libvirt-daemon +
# libvirt-daemon-driver-qemu), not libvirt-daemon-system: the latter ships
# init scripts/units that would start a host libvirtd and its default NAT
# network. The E2E daemon is started by hand, inside a private network
# namespace, by e2e/libvirtd-netns.sh.
#
# As an extra guard, a policy-rc.d that forbids starting services is in place
# for the duration of the install (an existing one is left untouched).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: must run as root" >&2
    exit 1
fi

PACKAGES=(
    # libvirt daemon (qemu + network + storage drivers), no service units
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
    # libvirt's network filters (clean-traffic …), as libvirt-daemon-system brings them to a
    # stock host: the service refuses to start without clean-traffic unless told otherwise
    libvirt-daemon-config-nwfilter
    # dnsmasq binary for libvirt's DHCP on the isolated network (no service)
    dnsmasq-base
    # firewall tooling libvirt's network driver calls (rules land in the netns)
    iptables
    # emulator (TCG) + firmware/option ROMs for virtio-net
    qemu-system-x86 qemu-utils seabios ipxe-qemu
    # emulated arm64 guests (the arm64-netplan flavour): qemu-system-aarch64, AAVMF UEFI
    # firmware, and qemu-aarch64 user emulation + binfmt-support for debootstrap --arch=arm64
    # (build-image.sh registers only qemu-aarch64, and only while it needs it)
    qemu-system-arm qemu-efi-aarch64 qemu-user-static binfmt-support
    # image building / seeds / namespaces
    debootstrap e2fsprogs genisoimage iproute2 util-linux ca-certificates
    # ping from inside the test network's namespace (fixed-address sandboxes must answer)
    iputils-ping
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps.sh: all packages already installed"
else
    POLICY=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$POLICY" ]; then
        printf '#!/bin/sh\n# temporary: installed by sandboxcore e2e/install-deps.sh\nexit 101\n' >"$POLICY"
        chmod 755 "$POLICY"
        created_policy=1
    fi
    cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$POLICY"; fi; }
    trap cleanup EXIT

    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only if the lists look empty/stale for our packages
    if ! apt-cache policy "${missing[0]}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update -q
    fi
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Safety check: nothing may have started a libvirtd/dnsmasq in the host
# namespace. (Only report; we never kill processes we did not start.)
hostns=$(readlink /proc/self/ns/net)
bad=0
for pid in $(pgrep -x libvirtd; pgrep -x dnsmasq; pgrep -x virtlogd) ; do
    if [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$hostns" ]; then
        echo "install-deps.sh: WARNING: pid $pid ($(cat /proc/$pid/comm)) runs in the HOST network namespace" >&2
        bad=1
    fi
done
[ "$bad" = 0 ] || exit 2
echo "install-deps.sh: ok"
