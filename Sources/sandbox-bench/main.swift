import SandboxCore
print("sandbox-bench")
