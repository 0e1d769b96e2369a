/// How a sandbox is reached over SSH: the account its seed installed keys for and the host keys
/// its sshd presents (installed by the seed, so they can be pinned: any other key is someone
/// else). Recorded in the sandbox's metadata when its ``UserData/sshHostKeys`` were set.
public struct SSHEndpoint: Sendable, Hashable, Codable {
    /// The login user (``UserData/sshUser``).
    public var user: String
    /// The host public keys, `type base64` (comments dropped).
    public var hostKeys: [String]

    public init(user: String, hostKeys: [String]) {
        self.user = user
        self.hostKeys = hostKeys
    }
}
