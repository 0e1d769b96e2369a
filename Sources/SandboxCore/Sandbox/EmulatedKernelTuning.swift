import Foundation

/// Kernel arguments SandboxCore adds to a sandbox's direct-kernel-boot command line when the guest's
/// CPU is emulated, because a guest kernel's defaults assume real hardware.
///
/// The one argument today is `kpti=0` for aarch64 under TCG (domain type `qemu`). An arm64 kernel
/// with KASLR turns on kernel page-table isolation on every CPU model without E0PD (`cortex-a57`,
/// `cortex-a72`, `cortex-a76`, `neoverse-n1`: "kernel page table isolation forced ON by KASLR").
/// KPTI switches the translation table base, and with it the ASID, on every entry to and exit from
/// the kernel; QEMU's software TLB is not tagged by ASID, so each switch flushes it. Every system
/// call then costs two full TLB flushes. Measured on a 2-core x86_64 host, Debian 12 arm64 guest,
/// `cortex-a57` ×2: 59–62 s from start to DHCP lease as booted, 36.6 s with `kpti=0` (cloud-init's
/// local stage, Python, is 20 s → 11.5 s). `mitigations=off` alone changes nothing measurable
/// (59.5 s): it does not undo the KASLR-forced KPTI.
///
/// What it gives up: KPTI keeps a guest's user processes from reading the guest kernel's memory
/// through a CPU that speculates past page permissions (Meltdown). An emulated CPU checks guest
/// page permissions in software; the host's own isolation from the guest is not affected. A
/// sandbox that needs KPTI anyway sets ``SandboxRequest/tuneEmulatedKernel`` to `false`; a base
/// whose command line already says `kpti=…` or `nokaslr` is left as it is.
///
/// x86_64 guests get nothing: QEMU's default TCG CPU (`qemu64`) reports an AMD vendor, for which
/// Linux does not turn on page-table isolation. Firmware (UEFI) boots take their command line from
/// the guest's boot loader, which SandboxCore does not touch: put `kpti=0` in the base's GRUB
/// configuration there.
///
/// Pure: the same inputs give the same command line.
public enum EmulatedKernelTuning {
    /// The arguments appended for an emulated guest of `arch`; empty when there is nothing to add.
    public static func arguments(arch: DomainSpec.Architecture, virtType: DomainSpec.VirtType) -> [String] {
        guard virtType == .qemu, arch == .aarch64 else { return [] }
        return ["kpti=0"]
    }

    /// `cmdline` with the arguments for `arch` under `virtType` appended, unless it already decides
    /// the matter itself (a `kpti=` argument, or `nokaslr`, which removes the reason KPTI is on).
    public static func tuned(_ cmdline: String, arch: DomainSpec.Architecture, virtType: DomainSpec.VirtType)
        -> String
    {
        let added = arguments(arch: arch, virtType: virtType)
        guard !added.isEmpty else { return cmdline }
        let words = cmdline.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let decided = words.contains { $0.hasPrefix("kpti=") || $0 == "kpti" || $0 == "nokaslr" }
        guard !decided else { return cmdline }
        let trimmed = cmdline.trimmingCharacters(in: .whitespaces)
        return ([trimmed].filter { !$0.isEmpty } + added).joined(separator: " ")
    }

    /// `boot` with a kernel command line tuned as ``tuned(_:arch:virtType:)`` says; firmware boots
    /// unchanged.
    public static func tuned(_ boot: DomainSpec.Boot, arch: DomainSpec.Architecture, virtType: DomainSpec.VirtType)
        -> DomainSpec.Boot
    {
        guard case .kernel(let path, let initrd, let cmdline) = boot else { return boot }
        return .kernel(path: path, initrd: initrd, cmdline: tuned(cmdline, arch: arch, virtType: virtType))
    }
}
