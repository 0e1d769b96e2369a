@_exported import SandboxDomainXML
@_exported import SandboxLibvirt
@_exported import SandboxSeed
// `import SandboxCore` is all a user needs: the layers below it come with it.
@_exported import SandboxValues
