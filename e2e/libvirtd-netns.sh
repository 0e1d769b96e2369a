#!/usr/bin/env bash
# A private libvirtd for E2E tests, confined to a network namespace.
#
#   e2e/libvirtd-netns.sh start  STATE_DIR   # start (idempotent), print URI
#   e2e/libvirtd-netns.sh stop   STATE_DIR   # tear everything down (idempotent)
#   e2e/libvirtd-netns.sh status STATE_DIR   # exit 0 iff daemon answers
#   e2e/libvirtd-netns.sh uri    STATE_DIR   # print the libvirt URI
#   e2e/libvirtd-netns.sh exec   STATE_DIR CMD...   # run CMD inside the netns
#   e2e/libvirtd-netns.sh restart-daemon STATE_DIR  # stop libvirtd (SIGTERM) and start it again in
#                                                    the same namespaces; guests keep running
#                                                     (to reach guests)
#
# Safety design:
#  * libvirtd, virtlogd, dnsmasq and every qemu run inside a network namespace
#    `sbxe2e-XXXXXX` created here (name recorded in STATE_DIR/netns). Guest
#    traffic can only reach the bridge sbxbr0 that exists in that namespace;
#    the libvirt network has no <forward>, and the namespace has no uplink.
#  * They also run in a private mount namespace (unshare --mount
#    --propagation private) in which STATE_DIR subfolders are bind-mounted
#    over /etc/libvirt, /var/lib/libvirt, /var/log/libvirt,
#    /var/cache/libvirt, and a tmpfs is mounted over /run (STATE_DIR/run is
#    bind-mounted at /run/libvirt). The host's libvirt config/state is never
#    read or written. (If /var/{lib,log,cache}/libvirt do not exist on the
#    host, empty mount-point folders are created there; nothing is written
#    into them on the host side.)
#  * Every daemon has a pid file in STATE_DIR; `stop` ends only those PIDs and
#    the processes living in our own namespace (ip netns pids), never by name.
#
# Clients, also from the host namespace, use
#   qemu:///system?socket=STATE_DIR/run/libvirt-sock
set -euo pipefail

CMD=${1:-}
STATE_ARG=${2:-}
if [ -z "$CMD" ] || [ -z "$STATE_ARG" ]; then
    sed -n '2,10p' "$0" >&2
    exit 64
fi
if [ "$(id -u)" != 0 ]; then echo "libvirtd-netns.sh: must run as root" >&2; exit 1; fi

mkdir -p "$STATE_ARG"
S=$(readlink -f "$STATE_ARG")
URI="qemu:///system?socket=$S/run/libvirt-sock"
NETNAME=sandbox-e2e
BRIDGE=sbxbr0
SUBNET=${E2E_SUBNET:-192.168.123}

log() { echo "libvirtd-netns: $*" >&2; }

ns_name() { cat "$S/netns" 2>/dev/null || true; }
ns_exists() {
    local n l
    n=$(ns_name)
    [ -n "$n" ] || return 1
    l=$(ip netns list | awk '{print $1}')
    grep -qx -- "$n" <<<"$l"
}

pid_alive() {   # pid_alive PIDFILE -> prints pid if that process is alive
    local f=$1 p
    [ -s "$f" ] || return 1
    p=$(tr -dc 0-9 <"$f")
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

virsh_() { virsh -q -c "$URI" "$@"; }

daemon_answers() { [ -S "$S/run/libvirt-sock" ] && timeout 10 virsh -c "$URI" version >/dev/null 2>&1; }

write_config() {
    mkdir -p "$S"/{etc,run,lib,log,cache}
    chmod 755 "$S" "$S/run"
    cat >"$S/etc/libvirtd.conf" <<CONF
# private E2E libvirtd: unix socket only, no auth (root-only state dir)
listen_tls = 0
listen_tcp = 0
unix_sock_group = "root"
unix_sock_ro_perms = "0770"
unix_sock_rw_perms = "0770"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
    cat >"$S/etc/virtlogd.conf" <<CONF
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
CONF
    # Stock Debian's qemu:///system semantics: QEMU runs as libvirt-qemu:kvm, libvirt hands it
    # each image it opens (dynamic_ownership) and gives the old owner back when the last domain
    # using the file stops (remember_owner, a reference count in trusted.* xattrs), through the
    # DAC security driver (which a privileged daemon always stacks under the driver it detects;
    # security_driver is left at its default, as stock does, and this kernel has no AppArmor or
    # SELinux). No cgroups: the daemon runs in namespaces of its own, not under systemd.
    cat >"$S/etc/qemu.conf" <<CONF
user = "libvirt-qemu"
group = "kvm"
dynamic_ownership = 1
remember_owner = 1
cgroup_controllers = [ ]
stdio_handler = "logd"
CONF
    cat >"$S/etc/network.conf" <<CONF
CONF
    # The host's network filters (clean-traffic …, from libvirt-daemon-config-nwfilter), as a stock
    # daemon loads them from /etc/libvirt/nwfilter; the private /etc/libvirt needs its own copy.
    if [ -d /etc/libvirt/nwfilter ]; then cp -r /etc/libvirt/nwfilter "$S/etc/nwfilter"; fi
    # libvirt resolves the compiled-in libvirt-qemu user/group before it reads
    # qemu.conf; provide them via private copies of passwd/group.
    cp /etc/passwd "$S/etc/passwd.private"
    cp /etc/group "$S/etc/group.private"
    getent passwd libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$S/etc/passwd.private"
    getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$S/etc/group.private"
    getent group kvm >/dev/null || echo 'kvm:x:64056:' >>"$S/etc/group.private"
    getent group libvirt >/dev/null || echo 'libvirt:x:64057:' >>"$S/etc/group.private"
    cat >"$S/network.xml" <<XML
<network>
  <name>$NETNAME</name>
  <bridge name='$BRIDGE' stp='off' delay='0'/>
  <ip address='$SUBNET.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='$SUBNET.100' end='$SUBNET.250'/>
    </dhcp>
  </ip>
</network>
XML
}

# Stock Debian: udev gives /dev/kvm to the group kvm, mode 0660, and QEMU runs in that group. A
# host without udev's rule (root:root 0600) makes libvirt, which probed QEMU's capabilities with KVM
# but then finds /dev/kvm unusable for QEMU's user, throw its capability cache away and probe again
# (~4 s) several times per define: 85 s per define here. Domains stay TCG (type 'qemu') either way.
stock_kvm_device() {
    [ -c /dev/kvm ] || return 0
    getent group kvm >/dev/null || groupadd --system kvm
    chgrp kvm /dev/kvm
    chmod 0660 /dev/kvm
}

do_start() {
    if ns_exists && pid_alive "$S/libvirtd.pid" >/dev/null && daemon_answers; then
        log "already running (netns $(ns_name))"
        ensure_network
        echo "$URI"
        return 0
    fi
    # half-started leftovers: clean them first
    do_stop quiet || true

    local ns
    ns="sbxe2e-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "$ns" >"$S/netns"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    stock_kvm_device
    write_config
    # mount points on the host (empty, only if missing)
    mkdir -p /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /etc/libvirt
    rm -f "$S/libvirtd.pid" "$S/virtlogd.pid"

    ip netns exec "$ns" unshare --mount --propagation private -- /bin/sh -euc '
        S=$1
        mount -t tmpfs -o mode=755 sbxe2e-run /run
        mkdir -p /run/libvirt
        mount --bind "$S/run" /run/libvirt
        mount --bind "$S/etc" /etc/libvirt
        mount --bind "$S/lib" /var/lib/libvirt
        mount --bind "$S/log" /var/log/libvirt
        mount --bind "$S/cache" /var/cache/libvirt
        mount --bind "$S/etc/passwd.private" /etc/passwd
        mount --bind "$S/etc/group.private" /etc/group
        virtlogd --daemon --pid-file "$S/virtlogd.pid" --config /etc/libvirt/virtlogd.conf
        libvirtd --daemon --pid-file "$S/libvirtd.pid" --config /etc/libvirt/libvirtd.conf
    ' sh "$S"

    local i
    for i in $(seq 1 60); do
        daemon_answers && break
        if [ "$i" = 60 ]; then
            log "libvirtd did not answer on $URI; see $S/log/libvirtd.log"
            return 1
        fi
        sleep 0.5
    done
    ensure_network
    log "running: netns $ns, libvirtd pid $(cat "$S/libvirtd.pid"), virtlogd pid $(cat "$S/virtlogd.pid")"
    echo "$URI"
}

ensure_network() {
    if ! virsh_ net-info "$NETNAME" >/dev/null 2>&1; then
        virsh_ net-define "$S/network.xml" >/dev/null
    fi
    local info
    info=$(virsh_ net-info "$NETNAME" 2>/dev/null || true)
    if ! grep -q '^Active:.*yes' <<<"$info"; then
        virsh_ net-start "$NETNAME" >/dev/null
    fi
}

kill_pid_wait() {   # kill_pid_wait PID: TERM, wait up to 10s, then KILL
    local p=$1 i
    kill -TERM "$p" 2>/dev/null || return 0
    for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.25; done
    kill -KILL "$p" 2>/dev/null || true
}

do_stop() {
    local quiet=${1:-} ns p d n
    ns=$(ns_name)
    if daemon_answers; then
        for d in $(virsh -c "$URI" list --all --name 2>/dev/null); do
            virsh_ destroy "$d" >/dev/null 2>&1 || true
            virsh_ undefine "$d" --nvram >/dev/null 2>&1 || virsh_ undefine "$d" >/dev/null 2>&1 || true
        done
        # libvirtd leaves dnsmasq running on exit: stop networks first
        for n in $(virsh -c "$URI" net-list --name 2>/dev/null); do
            virsh_ net-destroy "$n" >/dev/null 2>&1 || true
        done
    fi
    for f in "$S/libvirtd.pid" "$S/virtlogd.pid"; do
        if p=$(pid_alive "$f"); then kill_pid_wait "$p"; fi
        rm -f "$f"
    done
    # Leftovers that belong to us: dnsmasq/qemu pid files in our state dir,
    # and anything still inside our own netns.
    for f in "$S"/run/network/*.pid "$S"/run/qemu/*.pid; do
        [ -e "$f" ] || continue
        if p=$(pid_alive "$f"); then kill_pid_wait "$p"; fi
    done
    if ns_exists; then
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            log "ending leftover pid $p ($(cat /proc/$p/comm 2>/dev/null)) in netns $ns"
            kill_pid_wait "$p"
        done
        ip netns del "$ns"
    fi
    rm -f "$S/netns" "$S/run/libvirt-sock" "$S/run/libvirt-sock-ro" "$S/run/libvirt-admin-sock"
    [ -n "$quiet" ] || log "stopped${ns:+ (netns $ns removed)}"
}

do_status() {
    local ns rc=0
    ns=$(ns_name)
    echo "state:    $S"
    echo "netns:    ${ns:-none} $(ns_exists && echo '(present)' || echo '(absent)')"
    echo "libvirtd: $(pid_alive "$S/libvirtd.pid" || echo 'not running')"
    echo "virtlogd: $(pid_alive "$S/virtlogd.pid" || echo 'not running')"
    echo "uri:      $URI"
    if daemon_answers; then
        echo "daemon:   answers"
        virsh -c "$URI" net-list --all
        virsh -c "$URI" list --all
    else
        echo "daemon:   not answering"; rc=1
    fi
    return $rc
}

do_restart_daemon() {
    local p v i
    p=$(pid_alive "$S/libvirtd.pid") || { log "libvirtd is not running"; return 1; }
    # virtlogd lives on in the private mount and network namespaces: start the new libvirtd there.
    v=$(pid_alive "$S/virtlogd.pid") || { log "virtlogd is not running"; return 1; }
    kill_pid_wait "$p"
    rm -f "$S/libvirtd.pid"
    nsenter -t "$v" -m -n -- libvirtd --daemon --pid-file "$S/libvirtd.pid" --config /etc/libvirt/libvirtd.conf
    for i in $(seq 1 60); do
        daemon_answers && { log "libvirtd restarted: pid $(cat "$S/libvirtd.pid") (was $p)"; return 0; }
        sleep 0.5
    done
    log "libvirtd did not answer after the restart; see $S/log/libvirtd.log"
    return 1
}

case "$CMD" in
    restart-daemon) do_restart_daemon ;;
    start)  do_start ;;
    stop)   do_stop ;;
    status) do_status ;;
    uri)    echo "$URI" ;;
    exec)
        shift 2
        ns_exists || { log "not running"; exit 1; }
        exec ip netns exec "$(ns_name)" "$@" ;;
    *) echo "unknown command $CMD" >&2; exit 64 ;;
esac
