#!/usr/bin/env bash
# Build (or reuse) a Debian 12 guest image for the SandboxCore E2E tests.
#
#   e2e/build-image.sh FLAVOUR [OUTDIR]
#
# FLAVOUR:
#   netplan  cloud-init renders netplan -> systemd-networkd (the flavour on
#            which the "clone keeps the base's MAC-bound network config" bug
#            reproduces)
#   eni      cloud-init renders /etc/network/interfaces (ifupdown + dhclient)
#   arm64-netplan
#            netplan, for an arm64 guest emulated on an x86_64 host
#            (debootstrap --arch=arm64 through qemu-aarch64 user emulation;
#            kernel linux-image-cloud-arm64; console ttyAMA0)
#
# Result: a folder containing base.qcow2, vmlinuz, initrd.img (direct kernel
# boot: root=/dev/vda console=ttyS0, ttyAMA0 on arm64) and build-info.txt
# (with arch=amd64|arm64). Its path is printed on stdout as the LAST line.
#
# Cache: ${E2E_CACHE:-/var/cache/sandboxcore-e2e}/<flavour>-<hash>/ where hash
# covers this script's content (comments excluded) and the flavour; reused when present. OUTDIR,
# if given, overrides the cache root. Built in a temp folder and renamed into
# place, so an interrupted build never leaves a half image. The debootstrap
# package download is shared by both flavours
# (<cache>/debootstrap-<hash>.tgz, made once with --make-tarball).
#
# No loop mounts, no network access other than the Debian mirror that this
# machine's apt already uses (override with E2E_MIRROR).
set -euo pipefail
# The whole script is one { … } group, which bash reads completely before it runs any of it: an edit
# of this file during a build (which takes an hour for arm64 on a busy host) cannot derail the build.
{

FLAVOUR=${1:-}
case "$FLAVOUR" in
    netplan|eni) ARCH=amd64; CONSOLE=ttyS0 ;;
    arm64-netplan) ARCH=arm64; CONSOLE=ttyAMA0 ;;
    *) echo "usage: $0 netplan|eni|arm64-netplan [OUTDIR]" >&2; exit 64 ;;
esac
if [ "$(id -u)" != 0 ]; then echo "build-image.sh: must run as root" >&2; exit 1; fi

SELF=$(readlink -f "$0")
CACHE=${2:-${E2E_CACHE:-/var/cache/sandboxcore-e2e}}
SUITE=bookworm
IMAGE_SIZE=${E2E_IMAGE_SIZE:-3G}

log() { echo "build-image[$FLAVOUR]: $*" >&2; }

# --- mirror: the one this machine's apt uses --------------------------------
detect_mirror() {
    local m=""
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        m=$(awk '/^URIs:/ {for (i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' \
            /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
        m=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' \
            /etc/apt/sources.list)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=${E2E_MIRROR:-$(detect_mirror)}

# --- package sets -----------------------------------------------------------
COMMON_PKGS="cloud-init,linux-image-cloud-$ARCH,initramfs-tools,systemd-sysv,udev,dbus,qemu-guest-agent,openssh-server,iproute2,python3-cffi-backend,ca-certificates"
NETPLAN_PKGS="netplan.io"
ENI_PKGS="ifupdown,isc-dhcp-client"
case "$FLAVOUR" in
    netplan|arm64-netplan) FLAVOUR_PKGS=$NETPLAN_PKGS ;;
    eni)     FLAVOUR_PKGS=$ENI_PKGS ;;
esac

# Comment lines do not change the image, so they do not change the hash either.
HASH=$( { grep -v '^[[:space:]]*#' "$SELF"; echo "flavour=$FLAVOUR"; } | sha256sum | cut -c1-12)
# The download tarball is keyed on what it contains, so flavours of one architecture share it.
if [ "$ARCH" = amd64 ]; then
    ALL_PKGS="$COMMON_PKGS,$NETPLAN_PKGS,$ENI_PKGS"
    TARBALL_NAME=debootstrap-$SUITE
else
    ALL_PKGS="$COMMON_PKGS,$FLAVOUR_PKGS"
    TARBALL_NAME=debootstrap-$SUITE-$ARCH
fi
TARBALL_HASH=$(echo "$SUITE $MIRROR $ALL_PKGS" | sha256sum | cut -c1-12)
FINAL="$CACHE/$FLAVOUR-$HASH"
TARBALL="$CACHE/$TARBALL_NAME-$TARBALL_HASH.tgz"

mkdir -p "$CACHE"

if [ -f "$FINAL/base.qcow2" ] && [ -f "$FINAL/vmlinuz" ] && [ -f "$FINAL/initrd.img" ]; then
    log "reusing $FINAL"
    echo "$FINAL"
    exit 0
fi

# Serialise builds sharing this cache (also protects the shared tarball).
exec 9>"$CACHE/.build.lock"
flock 9
if [ -f "$FINAL/base.qcow2" ]; then   # somebody else built it while we waited
    log "reusing $FINAL"
    echo "$FINAL"
    exit 0
fi

WORK=$(mktemp -d "$CACHE/.tmp-$FLAVOUR-XXXXXX")
REGISTERED_BINFMT=""
cleanup() {
    rm -rf --one-file-system "$WORK" || true
    # Unregister the qemu-aarch64 handler if this run registered it.
    if [ -n "$REGISTERED_BINFMT" ] && [ -e "$REGISTERED_BINFMT" ]; then echo -1 >"$REGISTERED_BINFMT" || true; fi
}
trap cleanup EXIT

# --- 0. foreign architecture: run arm64 binaries through qemu-aarch64 --------
# debootstrap's second stage and the package scripts run inside the arm64
# chroot, so the kernel needs a binfmt_misc handler for aarch64 ELF files.
# Only qemu-aarch64 is registered (with the F flag: the static interpreter is
# opened now, so it works inside the chroot), and removed again at exit.
# Where the time goes (2-core host shared with compilers, load 8-16): download
# 3 min (17:05-17:08), second stage 65 min (to 18:13), of which mkinitramfs
# ran twice (the kernel's postinst, then the initramfs-tools trigger) at
# ~11 min each and Python byte-compiling most of the rest: every exec is
# emulated. On an idle host the whole build took ~8.5 min.
DEBOOTSTRAP_ARCH=()
if [ "$ARCH" != amd64 ]; then
    DEBOOTSTRAP_ARCH=(--arch="$ARCH")
    binfmt=/proc/sys/fs/binfmt_misc
    if [ ! -e "$binfmt/register" ]; then
        log "mounting binfmt_misc"
        mount -t binfmt_misc binfmt_misc "$binfmt"
    fi
    if [ ! -e "$binfmt/qemu-aarch64" ]; then
        interpreter=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
        [ -x "$interpreter" ] || interpreter=/usr/bin/qemu-aarch64-static
        magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
        mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
        flags=F
        [ "$interpreter" = /usr/bin/qemu-aarch64-static ] || flags=PF
        log "registering binfmt qemu-aarch64 -> $interpreter"
        echo ":qemu-aarch64:M::$magic:$mask:$interpreter:$flags" >"$binfmt/register"
        REGISTERED_BINFMT="$binfmt/qemu-aarch64"
    fi
fi

T0=$(date +%s)

# --- 1. shared download tarball ---------------------------------------------
if [ ! -f "$TARBALL" ]; then
    log "downloading packages into $TARBALL (mirror $MIRROR)"
    debootstrap --variant=minbase "${DEBOOTSTRAP_ARCH[@]}" \
        --include="$ALL_PKGS" \
        --make-tarball="$WORK/tarball.tgz" \
        "$SUITE" "$WORK/mk" "$MIRROR" >&2
    mv "$WORK/tarball.tgz" "$TARBALL"
    rm -rf --one-file-system "$WORK/mk"
fi

# --- 2. rootfs (in a private mount namespace: any /proc,/sys mounts that
#        debootstrap makes in the target vanish with it, even on failure) ----
ROOT="$WORK/root"
mkdir -p "$ROOT"
log "debootstrap ($FLAVOUR)"
unshare --mount --propagation private -- \
    debootstrap --variant=minbase "${DEBOOTSTRAP_ARCH[@]}" \
        --include="$COMMON_PKGS,$FLAVOUR_PKGS" \
        --unpack-tarball="$TARBALL" \
        "$SUITE" "$ROOT" "$MIRROR" >&2

# --- 3. configure -----------------------------------------------------------
log "configuring"
cat >"$ROOT/etc/fstab" <<'FSTAB'
/dev/vda  /  ext4  rw,errors=remount-ro  0  1
FSTAB

cat >"$ROOT/etc/cloud/cloud.cfg.d/90-sandboxcore-e2e.cfg" <<'CFG'
# SandboxCore E2E image: the sandbox's seed CD-ROM, NoCloud (cidata) or ConfigDrive (config-2).
datasource_list: [NoCloud, ConfigDrive, None]
# minbase has no locales/locale-gen: cc_locale would make `cloud-init status`
# report an error. A string, not the boolean: bookworm's cloud-init (22.4)
# types `locale` as a string in its schema, so `locale: false` made every boot
# log "schema.py[WARNING]: Invalid cloud-config provided" (its boot check
# validates the merged config, cloud.cfg.d included; `cloud-init schema
# --system` only the user-data). cc_locale reads "false" as off all the same.
locale: "false"
CFG

case "$FLAVOUR" in
netplan|arm64-netplan)
    cat >"$ROOT/etc/cloud/cloud.cfg.d/91-sandboxcore-renderer.cfg" <<'CFG'
system_info:
  network:
    renderers: [netplan]
    activators: [netplan]
CFG
    chroot "$ROOT" systemctl enable systemd-networkd.service >&2
    ;;
eni)
    cat >"$ROOT/etc/cloud/cloud.cfg.d/91-sandboxcore-renderer.cfg" <<'CFG'
system_info:
  network:
    renderers: [eni]
    activators: [eni]
CFG
    cat >"$ROOT/etc/network/interfaces" <<'ENI'
auto lo
iface lo inet loopback

source /etc/network/interfaces.d/*
ENI
    mkdir -p "$ROOT/etc/network/interfaces.d"
    chroot "$ROOT" systemctl disable systemd-networkd.service >/dev/null 2>&1 || true
    ;;
esac

# The image's own cloud config must pass the guest's cloud-init schema: at boot cloud-init
# validates the merged config and only logs a warning, so an invalid key would go unnoticed.
chroot "$ROOT" python3 -c '
import sys, yaml
from cloudinit.config.schema import get_schema, validate_cloudconfig_schema
for path in sys.argv[1:]:
    with open(path) as f:
        validate_cloudconfig_schema(yaml.safe_load(f), get_schema(), strict=True)
' /etc/cloud/cloud.cfg.d/90-sandboxcore-e2e.cfg /etc/cloud/cloud.cfg.d/91-sandboxcore-renderer.cfg >&2

# Clones must look like fresh machines.
: >"$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
rm -f "$ROOT"/etc/ssh/ssh_host_*        # cloud-init's cc_ssh regenerates them
rm -rf "$ROOT/var/lib/cloud"
echo "localhost" >"$ROOT/etc/hostname"
# Console login for debugging only (isolated test network): root / sandbox
echo 'root:sandbox' | chroot "$ROOT" chpasswd
# Keep the image small.
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*

# --- 4. kernel + initrd, image ------------------------------------------------
kernel=$(ls "$ROOT"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$ROOT"/boot/initrd.img-* | sort -V | tail -1)
OUT="$WORK/out"
mkdir -p "$OUT"
cp "$kernel" "$OUT/vmlinuz"
cp "$initrd" "$OUT/initrd.img"

log "mkfs.ext4 -d (size $IMAGE_SIZE)"
mkfs.ext4 -q -F -L sbxroot -d "$ROOT" "$WORK/root.raw" "$IMAGE_SIZE" >&2
qemu-img convert -f raw -O qcow2 "$WORK/root.raw" "$OUT/base.qcow2" >&2
rm -f "$WORK/root.raw"

{
    echo "flavour=$FLAVOUR"
    echo "arch=$ARCH"
    echo "suite=$SUITE"
    echo "mirror=$MIRROR"
    echo "kernel=$(basename "$kernel")"
    echo "packages=$COMMON_PKGS,$FLAVOUR_PKGS"
    echo "cloud-init=$(chroot "$ROOT" dpkg-query -W -f='${Version}' cloud-init)"
    echo "cmdline=root=/dev/vda rw console=$CONSOLE"
    echo "built=$(date -u +%FT%TZ) in $(( $(date +%s) - T0 ))s"
} >"$OUT/build-info.txt"

rm -rf --one-file-system "$FINAL"   # a stale partial dir cannot exist, but be safe
mv "$OUT" "$FINAL"
log "done in $(( $(date +%s) - T0 ))s"
echo "$FINAL"
exit 0
}
