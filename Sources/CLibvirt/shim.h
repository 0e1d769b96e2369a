#ifndef SANDBOX_CLIBVIRT_SHIM_H
#define SANDBOX_CLIBVIRT_SHIM_H

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Function-like macros Swift cannot import.
static inline virConnectDomainEventGenericCallback
sandbox_vir_domain_event_callback(virConnectDomainEventCallback cb) {
    return VIR_DOMAIN_EVENT_CALLBACK(cb);
}

static inline int sandbox_libvirt_check_version(int major, int minor, int micro) {
    return LIBVIR_CHECK_VERSION(major, minor, micro);
}

/// Thread names are a GNU extension that Swift's Glibc module does not export; the libvirt layer
/// names its connection and event-loop threads so they can be told apart in debuggers and tests.
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int pthread_getname_np(pthread_t thread, char *name, size_t length);

static inline int sandbox_set_current_thread_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

static inline int sandbox_get_current_thread_name(char *name, size_t length) {
    return pthread_getname_np(pthread_self(), name, length);
}

/// The kernel's ID of the calling thread (`/proc/self/task/<id>`), for tests.
static inline int sandbox_current_kernel_thread_id(void) {
    return (int)syscall(SYS_gettid);
}

#endif
