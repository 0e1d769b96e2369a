#!/usr/bin/env bash
# Manual proof (not a test): base boot, good clone, bug clone.
#
#   e2e/manual-proof.sh STATE_DIR IMAGE_DIR WORK_DIR
#
# Needs a running e2e/libvirtd-netns.sh daemon for STATE_DIR and an image
# folder from e2e/build-image.sh. Prints timings (start -> DHCP lease).
set -euo pipefail
S=$(readlink -f "$1"); IMG=$(readlink -f "$2"); W=$3
mkdir -p "$W"; W=$(readlink -f "$W")
URI="qemu:///system?socket=$S/run/libvirt-sock"
V() { virsh -q -c "$URI" "$@"; }
NET=sandbox-e2e
FL=$(sed -n 's/^flavour=//p' "$IMG/build-info.txt")
TAG=${TAG:-$FL}
BASE=base-$TAG
BASE_IID=iid-$BASE
# MACs unique per run: leases of earlier runs stay in the lease table.
R=$(od -An -tx1 -N2 /dev/urandom | tr -d ' \n'); R=${R:0:2}:${R:2:2}
BASE_MAC=52:54:00:$R:01
GOOD_MAC=52:54:00:$R:02
BUG_MAC=52:54:00:$R:03

mkseed() {  # mkseed OUT.iso INSTANCE_ID HOSTNAME [MAC]
    local out=$1 iid=$2 host=$3 mac=${4:-} d
    d=$(mktemp -d "$W/seed-XXXX")
    printf 'instance-id: %s\nlocal-hostname: %s\n' "$iid" "$host" >"$d/meta-data"
    printf '#cloud-config\nhostname: %s\n' "$host" >"$d/user-data"
    if [ -n "$mac" ]; then
        cat >"$d/network-config" <<NC
version: 2
ethernets:
  eth0:
    match:
      macaddress: "$mac"
    set-name: eth0
    dhcp4: true
    dhcp-identifier: mac
NC
        genisoimage -quiet -output "$out" -volid cidata -joliet -rock \
            "$d/user-data" "$d/meta-data" "$d/network-config"
    else
        genisoimage -quiet -output "$out" -volid cidata -joliet -rock \
            "$d/user-data" "$d/meta-data"
    fi
    cp -r "$d" "${out%.iso}.d"; rm -rf "$d"
}

domxml() {  # domxml NAME DISK SEED MAC
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$IMG/vmlinuz</kernel>
    <initrd>$IMG/initrd.img</initrd>
    <cmdline>root=/dev/vda rw console=ttyS0</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='$2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$3'/>
      <target dev='sda' bus='scsi'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <interface type='network'>
      <mac address='$4'/>
      <source network='$NET'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='$W/$1.console.log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='virtio'/>
  </devices>
</domain>
XML
}

lease_of() { V net-dhcp-leases "$NET" --mac "$1" 2>/dev/null | awk '{print $5}' | head -1; }

# wait_lease MAC TIMEOUT -> prints seconds-since-T0 and ip, or returns 1
wait_lease() {
    local mac=$1 to=$2 ip
    while :; do
        ip=$(lease_of "$mac")
        if [ -n "$ip" ]; then echo "at $(( $(date +%s) - T0 ))s ($ip)"; return 0; fi
        [ $(( $(date +%s) - T0 )) -ge "$to" ] && return 1
        sleep 1
    done
}
wait_agent() {  # wait_agent DOM TIMEOUT
    local to=$2
    while ! V qemu-agent-command "$1" '{"execute":"guest-ping"}' >/dev/null 2>&1; do
        [ $(( $(date +%s) - T0 )) -ge "$to" ] && return 1
        sleep 1
    done
    echo "$(( $(date +%s) - T0 ))"
}
gexec() {  # gexec DOM /bin/sh -c '...'  (guest-exec, prints stdout)
    local dom=$1; shift
    local args pid out
    args=$(printf '"%s",' "${@:2}"); args="[${args%,}]"
    pid=$(V qemu-agent-command "$dom" "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"$1\",\"arg\":$args,\"capture-output\":true}}" | sed 's/.*"pid":\([0-9]*\).*/\1/')
    for _ in $(seq 1 30); do
        out=$(V qemu-agent-command "$dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}")
        case "$out" in *'"exited":true'*) break ;; esac; sleep 1
    done
    echo "$out" | sed -n 's/.*"out-data":"\([^"]*\)".*/\1/p' | base64 -d
}
wait_cloudinit() { # wait_cloudinit DOM TIMEOUT
    local to=$2 st
    while :; do
        st=$(gexec "$1" /usr/bin/cloud-init status 2>/dev/null || true)
        case "$st" in *done*|*error*|*degraded*) echo "$(( $(date +%s) - T0 )) ${st//$'\n'/ }"; return 0 ;; esac
        [ $(( $(date +%s) - T0 )) -ge "$to" ] && { echo "timeout: $st"; return 1; }
        sleep 2
    done
}

echo "== flavour $FL, image $IMG"
# ---- base: first boot with the base's instance-id (no network-config: fallback)
cp --reflink=auto "$IMG/base.qcow2" "$W/$BASE.qcow2"
mkseed "$W/$BASE-seed.iso" "$BASE_IID" "$BASE"
domxml "$BASE" "$W/$BASE.qcow2" "$W/$BASE-seed.iso" "$BASE_MAC" >"$W/$BASE.xml"
V define "$W/$BASE.xml" >/dev/null
T0=$(date +%s); V start "$BASE" >/dev/null
r=$(wait_lease "$BASE_MAC" 300) && echo "BASE lease: ${r}" || echo "BASE: NO LEASE in 300s"
a=$(wait_agent "$BASE" 600) && echo "BASE guest-ping ok at ${a}s" || echo "BASE: no guest-ping in 600s"
c=$(wait_cloudinit "$BASE" 900) && echo "BASE cloud-init: ${c}"
echo "--- base network config rendered by cloud-init:"
gexec "$BASE" /bin/sh -c 'cat /etc/netplan/*.yaml /etc/network/interfaces.d/* 2>/dev/null; ip -4 -br addr'
V shutdown "$BASE" >/dev/null
for _ in $(seq 1 120); do V domstate "$BASE" | grep -q 'shut off' && break; sleep 1; done
V domstate "$BASE"

# ---- good clone: new MAC, new instance-id, network-config matching the MAC
run_clone() {  # run_clone NAME MAC IID WITH_NETCFG LEASE_TIMEOUT
    local n=$1 mac=$2 iid=$3 nc=$4 to=$5
    qemu-img create -q -f qcow2 -F qcow2 -b "$W/$BASE.qcow2" "$W/$n.qcow2"
    if [ "$nc" = yes ]; then mkseed "$W/$n-seed.iso" "$iid" "$n" "$mac"; else mkseed "$W/$n-seed.iso" "$iid" "$n"; fi
    domxml "$n" "$W/$n.qcow2" "$W/$n-seed.iso" "$mac" >"$W/$n.xml"
    V define "$W/$n.xml" >/dev/null
    T0=$(date +%s); V start "$n" >/dev/null
    if r=$(wait_lease "$mac" "$to"); then echo "$n lease: ${r}"; else echo "$n: NO LEASE within ${to}s"; fi
    a=$(wait_agent "$n" 600) && echo "$n guest-ping ok at ${a}s" || echo "$n: no guest-ping in 600s"
    c=$(wait_cloudinit "$n" 900) && echo "$n cloud-init: ${c}"
    echo "--- $n network state:"
    gexec "$n" /bin/sh -c 'cat /etc/netplan/*.yaml /etc/network/interfaces.d/* 2>/dev/null; ip -4 -br addr; cat /var/lib/cloud/data/instance-id' || true
    ip=$(lease_of "$mac"); echo "$n lease after cloud-init finished: ${ip:-NONE}"
    V destroy "$n" >/dev/null
}
run_clone "good-$TAG" "$GOOD_MAC" "iid-good-$TAG" yes 300
run_clone "bug-$TAG" "$BUG_MAC" "$BASE_IID" no 60
