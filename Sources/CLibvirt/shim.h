#ifndef SANDBOX_CLIBVIRT_SHIM_H
#define SANDBOX_CLIBVIRT_SHIM_H

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <stdlib.h>

/// Function-like macros Swift cannot import.
static inline virConnectDomainEventGenericCallback
sandbox_vir_domain_event_callback(virConnectDomainEventLifecycleCallback cb) {
    return VIR_DOMAIN_EVENT_CALLBACK(cb);
}

static inline int sandbox_libvirt_check_version(int major, int minor, int micro) {
    return LIBVIR_CHECK_VERSION(major, minor, micro);
}

#endif
