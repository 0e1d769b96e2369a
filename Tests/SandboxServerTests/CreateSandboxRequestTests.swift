import Foundation
import SandboxCore
import Testing

@testable import SandboxServer

/// `tune_emulated_kernel` in the body of `POST /v1/sandboxes`: on unless the body says false.
@Suite struct CreateSandboxRequestTests {
    func request(_ json: String) throws -> SandboxRequest {
        let body = try JSONDecoder().decode(CreateSandboxRequest.self, from: Data(json.utf8))
        return try body.sandboxRequest(network: nil)
    }

    @Test func emulatedKernelTuningIsOnUnlessTurnedOff() throws {
        #expect(try request(#"{"agent_id": "t", "source_vm_name": "base"}"#).tuneEmulatedKernel)
        #expect(
            try request(#"{"agent_id": "t", "source_vm_name": "base", "tune_emulated_kernel": true}"#)
                .tuneEmulatedKernel)
        #expect(
            !(try request(#"{"agent_id": "t", "source_vm_name": "base", "tune_emulated_kernel": false}"#)
                .tuneEmulatedKernel))
    }

    @Test func aNonBooleanIsRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                CreateSandboxRequest.self,
                from: Data(#"{"agent_id": "t", "source_vm_name": "b", "tune_emulated_kernel": "no"}"#.utf8))
        }
    }
}
