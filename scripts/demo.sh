#!/usr/bin/env bash
# Quick start: the main job for real. Boots a real VM under QEMU, clones it into a sandbox that gets
# its own address, runs `uname -a` inside it, and removes everything again.
#
#   scripts/demo.sh                # the real flow (root + QEMU), else the simulated one
#   scripts/demo.sh --simulated    # the whole flow on libvirt's in-process test driver (test:///default)
#   scripts/demo.sh SUBCOMMAND ... # any sandbox-demo command, e.g. `scripts/demo.sh seed --help`
#
# The real flow: installs what it needs (scripts/install-deps.sh --build-only, e2e/install-deps.sh),
# builds sandbox-demo, builds or reuses the small cached Debian 12 guest image (e2e/build-image.sh
# netplan), starts a private libvirtd inside a network namespace of its own with an isolated network
# (e2e/libvirtd-netns.sh: guest traffic cannot leave this machine), defines a shut-off base VM on the
# image, then `sandbox-demo create` / `exec -- uname -a` / `destroy`. Everything it made (domains,
# daemon, namespace, state folder) is removed on exit, on failure and on Ctrl-C too. The cached image
# is only read: the base VM is never started, sandboxes are qcow2 overlays on its disk.
#
# Environment: DEMO_SUBNET (default 192.168.124, the isolated network's /24 inside the namespace; the
# E2E suite's default is 192.168.123), E2E_CACHE (where images are cached, see e2e/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly DEMO=.build/release/sandbox-demo
readonly BASE=demo-base
readonly NETWORK=sandbox-e2e   # the isolated network e2e/libvirtd-netns.sh defines
readonly STARTED=$SECONDS

# One short line per step, with the seconds since the start.
step() { printf '==> [%4ss] %s\n' "$((SECONDS - STARTED))" "$*"; }

build_demo() {
    scripts/install-deps.sh --build-only
    swift build -c release --product sandbox-demo
}

# The simulated flow: no daemon, no image, made-up addresses (the test driver's).
run_simulated() {
    step "running the flow on libvirt's test driver (test:///default): simulated VMs and addresses"
    exec "$DEMO"
}

# Prints why the real flow cannot run here (and returns 1), or returns 0. Checked before anything
# is installed or started, so that a machine without them falls back at once.
real_flow_blocker() {
    if [ "$(id -u)" != 0 ]; then echo "not root (a private libvirtd and its network namespace need root)"; return 1; fi
    if [ "$(uname -m)" != x86_64 ]; then echo "the guest image is x86_64 and this host is $(uname -m)"; return 1; fi
    if [ ! -c /dev/net/tun ]; then echo "no /dev/net/tun (the VM's network interface is a tap device)"; return 1; fi
    if ! unshare --net true 2>/dev/null; then echo "cannot create a network namespace here"; return 1; fi
    return 0
}

# --- the real flow ---------------------------------------------------------------------------------
state=""      # private libvirtd's state folder (also holds the jobs folder and the base's XML)
uri=""
sandbox=""

# Removes whatever exists of what this run made, in reverse order. Runs on every exit.
cleanup() {
    local status=$?
    trap - EXIT
    trap '' INT TERM   # a second Ctrl-C must not leave half of it behind
    if [ -n "$state" ]; then
        if [ -n "$uri" ]; then
            step "cleaning up: sandbox, base VM, libvirtd, namespace, $state"
            [ -z "$sandbox" ] || "$DEMO" destroy --connect "$uri" --jobs-dir "$state/jobs" "$sandbox" >/dev/null 2>&1 || true
            virsh -q -c "$uri" undefine "$BASE" >/dev/null 2>&1 || true
        fi
        # Destroys any domain and network still there, stops the daemons, deletes the namespace.
        e2e/libvirtd-netns.sh stop "$state" >/dev/null 2>&1 || true
        rm -rf --one-file-system "$state"
    fi
    if [ "$status" = 0 ]; then
        step "done in $((SECONDS - STARTED)) s; nothing left behind"
    else
        step "FAILED (exit $status) after $((SECONDS - STARTED)) s; everything it made was removed"
    fi
    exit "$status"
}

# A shut-off base VM on the cached image: direct kernel boot (the image ships its kernel and initrd),
# domain type qemu (TCG: /dev/kvm may exist, but stock guest kernels do not run on it on every host,
# see e2e/README.md), a NIC on the isolated network, the guest-agent channel `sandbox-demo exec`
# needs. Sandboxes inherit all of it and get their own overlay, seed CD-ROM, MAC and console log.
write_base_xml() {
    local image=$1
    cat <<XML
<domain type='qemu'>
  <name>$BASE</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$image/vmlinuz</kernel>
    <initrd>$image/initrd.img</initrd>
    <cmdline>root=/dev/vda rw console=ttyS0</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$image/base.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='$NETWORK'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
  </devices>
</domain>
XML
}

run_real() {
    step "installing the VM stack (e2e/install-deps.sh: libvirt daemon, QEMU, dnsmasq; no host services)"
    if ! e2e/install-deps.sh >/dev/null; then
        step "cannot install QEMU/libvirt here; falling back to the simulated flow"
        run_simulated
    fi

    # A first build (debootstrap of a minimal Debian 12 with cloud-init) takes minutes and prints
    # pages; its output goes to a log that is kept only when the build fails.
    local image image_log
    image_log=$(mktemp /var/tmp/sbx-demo-image.XXXXXX.log)
    step "building or reusing the guest image (e2e/build-image.sh netplan; a first build takes minutes)"
    if ! image=$(e2e/build-image.sh netplan 2>"$image_log" | tail -n 1) || [ ! -f "$image/base.qcow2" ]; then
        tail -n 5 "$image_log" >&2
        step "cannot build the guest image here (log: $image_log); falling back to the simulated flow"
        run_simulated
    fi
    rm -f "$image_log"
    step "image: $image"

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    state=$(mktemp -d /var/tmp/sbx-demo.XXXXXX)
    step "starting a private libvirtd in a network namespace of its own (state $state)"
    uri=$(E2E_SUBNET=${DEMO_SUBNET:-192.168.124} e2e/libvirtd-netns.sh start "$state" | tail -n 1)
    step "libvirt URI: $uri (isolated network $NETWORK, ${DEMO_SUBNET:-192.168.124}.0/24, no route out)"

    # QEMU runs as libvirt-qemu: it must be able to pass through the state folder to the job folders.
    mkdir -p "$state/jobs"
    chmod 0711 "$state" "$state/jobs"
    write_base_xml "$image" >"$state/$BASE.xml"
    virsh -q -c "$uri" define "$state/$BASE.xml" >/dev/null
    step "defined base VM $BASE (shut off; disk $image/base.qcow2, never written)"

    step "creating a sandbox: overlay, seed, domain, boot, DHCP lease (emulated CPU: 1-3 minutes)"
    local line _state mac ip job
    line=$("$DEMO" create --connect "$uri" --jobs-dir "$state/jobs" --base "$BASE" --progress)
    IFS=$'\t' read -r sandbox _state mac ip job <<<"$line"
    step "sandbox $sandbox is up: MAC $mac, IP $ip (a real DHCP lease), job folder $job"

    step "running 'uname -a' inside $sandbox through the guest agent"
    # The guest agent starts a little after the address is known: exec waits for it (within its
    # timeout), as the library and the service do.
    local uname
    uname=$("$DEMO" exec --connect "$uri" --jobs-dir "$state/jobs" --timeout 5m "$sandbox" -- uname -a)
    printf '    %s\n' "$uname"

    step "destroying $sandbox"
    "$DEMO" destroy --connect "$uri" --jobs-dir "$state/jobs" "$sandbox"
    sandbox=""
    virsh -q -c "$uri" undefine "$BASE" >/dev/null
    step "undefined base VM $BASE; stopping libvirtd"
    # cleanup (the EXIT trap) stops the daemon and removes the state folder.
}

main() {
    case "${1:-}" in
        "")
            build_demo
            local blocker
            if ! blocker=$(real_flow_blocker); then
                step "cannot run a real VM here: $blocker; running the simulated flow instead"
                run_simulated
            fi
            run_real
            ;;
        --simulated)
            build_demo
            run_simulated
            ;;
        *)
            build_demo
            exec "$DEMO" "$@"
            ;;
    esac
}

main "$@"
