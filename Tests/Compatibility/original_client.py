"""The original system's own Python SDK (virsh_sandbox 0.0.21b0 from PyPI, unchanged) against a
running sandbox-server: the flow its agent examples use. Exits 0 when every step behaves as that
client expects, else prints what failed and exits 1.

    original_client.py URL BASE_VM [--guest]

--guest: the sandbox boots a real guest (E2E): run commands in it, wait for its IP, read the
history. Without it (the test driver): everything but the guest's own answers.
"""
import sys
import time

from virsh_sandbox import VirshSandbox
from virsh_sandbox.exceptions import ApiException

url, base = sys.argv[1], sys.argv[2]
guest = "--guest" in sys.argv[3:]
client = VirshSandbox(host=url)
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


check(client.health.get_health().status == "ok", "health is ok")
bases = [vm.name for vm in client.vms.list_virtual_machines().vms]
check(base in bases, f"{base} listed in /v1/vms: {bases}")

created = client.sandbox.create_sandbox(
    source_vm_name=base, agent_id="sdk-agent", auto_start=True, ttl_seconds=1800,
    request_timeout=900)
sandbox = created.sandbox
check(sandbox.id.startswith("SBX-"), f"id {sandbox.id}")
check(sandbox.sandbox_name and sandbox.sandbox_name.startswith("sbx-"), f"sandbox_name {sandbox.sandbox_name}")
check(sandbox.base_image == base, f"base_image {sandbox.base_image}")
check(sandbox.agent_id == "sdk-agent", "agent_id")
check(sandbox.state is not None and sandbox.state.value == "RUNNING", f"state {sandbox.state}")
check(sandbox.ttl_seconds == 1800, "ttl_seconds")

if guest:
    # At once, while the guest still boots: the server waits for it.
    ran = client.sandbox.run_sandbox_command(
        sandbox.id, command="uname -a", timeout_sec=900, request_timeout=960).command
    check(ran.exit_code == 0 and "Linux" in (ran.stdout or ""), f"uname: {ran}")
    failed = client.sandbox.run_sandbox_command(
        sandbox.id, command="echo oops >&2; exit 3", env={"MODE": "test"}, request_timeout=120).command
    check(failed.exit_code == 3 and "oops" in (failed.stderr or ""), f"a failing command is a result: {failed}")
    whoami = client.sandbox.run_sandbox_command(
        sandbox.id, command="id -un", user="nobody", request_timeout=120).command
    check((whoami.stdout or "").strip() == "nobody", f"user: {whoami}")
    address = client.sandbox.discover_sandbox_ip(sandbox.id).ip_address
    check(bool(address), f"ip {address}")
    shown = client.sandbox.get_sandbox(sandbox.id, include_commands=True)
    check([c.command for c in shown.commands or []][:2] == ["uname -a", "echo oops >&2; exit 3"],
          f"history in get: {shown.commands}")
    history = client.sandbox.list_sandbox_commands(sandbox.id, limit=2, offset=1)
    check(history.total == 3 and len(history.commands) == 2, f"history page: {history}")
else:
    shown = client.sandbox.get_sandbox(sandbox.id, include_commands=True)
    check(shown.commands == [], f"no history yet: {shown.commands}")
    history = client.sandbox.list_sandbox_commands(sandbox.id)
    check(history.total == 0, f"empty history: {history}")
check(shown.sandbox.id == sandbox.id, "get by id")

listed = client.sandbox.list_sandboxes(agent_id="sdk-agent")
check([s.id for s in listed.sandboxes] == [sandbox.id] and listed.total == 1, f"list by agent: {listed}")
check(client.sandbox.list_sandboxes(agent_id="nobody").total == 0, "list by another agent")
check(client.sandbox.list_sandboxes(state="RUNNING", base_image=base).total == 1, "list by state and base")

stopped = client.sandbox.create_sandbox(source_vm_name=base, agent_id="sdk-agent", cpu=0, memory_mb=0)
check(stopped.sandbox.state.value == "CREATED", f"not started: {stopped.sandbox.state}")
started = client.sandbox.start_sandbox(stopped.sandbox.id)
check(started.ip_address is None, f"start without wait: {started}")
check(client.sandbox.get_sandbox(stopped.sandbox.id).sandbox.state.value == "RUNNING", "started")

for made in (sandbox, stopped.sandbox):
    gone = client.sandbox.destroy_sandbox(made.id)
    check(gone.state.value == "DESTROYED" and gone.sandbox_name == made.sandbox_name, f"destroy: {gone}")

try:
    client.sandbox.get_sandbox(sandbox.id)
    check(False, "a destroyed sandbox is 404")
except ApiException as error:
    check(error.status == 404, f"404, not {error.status}")

print("original client:", "ok" if not failures else f"{len(failures)} failures", flush=True)
sys.exit(1 if failures else 0)
