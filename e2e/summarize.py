#!/usr/bin/env python3
"""Summarises the end-to-end results file (one JSON object per line): discovery latency after
the lease exists (library vs a 2-second `virsh domifaddr` loop) and the library's share of
create-to-IP time, per flavour. Usage: e2e/summarize.py RESULTS.jsonl"""
import json
import statistics
import sys


def p50(values):
    return statistics.median(values) if values else None


def fmt(value, unit):
    return "-" if value is None else f"{value:.1f} {unit}"


rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
clones = [r for r in rows if r.get("kind", "").startswith(("single", "parallel"))]
library = [r["leaseToLibraryMs"] for r in clones if r.get("leaseToLibraryMs") is not None]
virsh = [r["leaseToVirshLoopMs"] for r in clones if r.get("leaseToVirshLoopMs") is not None]
print(f"lease -> address known, over {len(library)} sandboxes:")
print(f"  library (LeaseWatcher, 50 ms):   p50 {fmt(p50(library), 'ms')}, max {fmt(max(library, default=None), 'ms')}")
print(f"  virsh domifaddr loop every 2 s:  p50 {fmt(p50(virsh), 'ms')}, max {fmt(max(virsh, default=None), 'ms')}")
for flavour in sorted({r["flavour"] for r in clones}):
    mine = [r for r in clones if r["flavour"] == flavour and r.get("createToIPSeconds") and r.get("guestKernelToLeaseSeconds")]
    for r in mine:
        share = 100 * (r["createToIPSeconds"] - r["guestKernelToLeaseSeconds"]) / r["guestKernelToLeaseSeconds"]
        print(f"  {flavour:8} {r['kind']:11} create->IP {r['createToIPSeconds']:.1f} s, "
              f"guest kernel->lease {r['guestKernelToLeaseSeconds']:.1f} s, library share {share:.1f} %")
