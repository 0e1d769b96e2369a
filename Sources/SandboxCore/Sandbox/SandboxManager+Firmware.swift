import Foundation

extension SandboxManager {
    /// Gives a sandbox of a UEFI base its own variable store in the job folder, so it goes with the
    /// folder on destroy and never touches the base's. Returns the path for `<nvram>`, or nil for a
    /// base that boots without UEFI.
    ///
    /// The file is copied from the base's `<nvram template>` when it declares one, else from the
    /// base's own variable store when that file exists (its boot entries point at the same disk
    /// layout). With neither, libvirt creates it at first start from its firmware's template.
    /// (Undefine passes `VIR_DOMAIN_UNDEFINE_NVRAM`, so libvirt may delete it first; fine.)
    static func prepareNVRAM(base: BaseVM, jobDirectory: String) throws(SandboxError) -> String? {
        guard case .firmware(let loader, let template) = base.boot, loader != nil || base.arch == .aarch64 else {
            return nil
        }
        let path = jobDirectory + "/" + JobFile.nvram
        let sources = [template, base.nvramPath].compactMap { $0 }
        guard let source = sources.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            return path
        }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: path)
        } catch {
            throw SandboxError(
                .io, "cannot copy the UEFI variable store \(source) to \(path): \(error.localizedDescription)")
        }
        return path
    }
}
