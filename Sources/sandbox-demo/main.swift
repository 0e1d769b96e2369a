import SandboxCore
print("sandbox-demo")
