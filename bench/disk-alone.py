#!/usr/bin/env python3
"""The disk alone, as a broker's log sees it: appends at a fixed rate to one file (no broker, no fsync), timing each
write() call. Used to test whether produce-latency stalls at a fixed rate (docs/benchmarks.md, "Fixed rate") come
from the machine rather than either broker. Prints p50/p99/p99.9/max of write() in ms and the stalls over 100 ms.

    python3 bench/disk-alone.py [MB_PER_S=20] [SECONDS=30] [CHUNK_KIB=16] [DIR=/tmp]
"""
import os
import sys
import tempfile
import time

rate = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
chunk = int(sys.argv[3]) * 1024 if len(sys.argv) > 3 else 16 * 1024
directory = sys.argv[4] if len(sys.argv) > 4 else tempfile.gettempdir()
data = os.urandom(chunk)
interval = chunk / (rate * 1024 * 1024)
latencies = []
stalls = []
fd, path = tempfile.mkstemp(dir=directory, prefix="disk-alone-")
try:
    start = time.monotonic()
    next_at = start
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        t0 = time.monotonic()
        os.write(fd, data)
        took = (time.monotonic() - t0) * 1000
        latencies.append(took)
        if took > 100:
            stalls.append((round(t0 - start, 1), round(took)))
        next_at += interval
finally:
    os.close(fd)
    os.unlink(path)
latencies.sort()
n = len(latencies)
pick = lambda q: latencies[min(n - 1, int(q * n))]
print(f"{n} writes of {chunk // 1024} KiB at {rate} MB/s for {seconds:.0f} s in {directory}: "
      f"p50 {pick(0.5):.3f} ms, p99 {pick(0.99):.3f} ms, p99.9 {pick(0.999):.3f} ms, max {latencies[-1]:.1f} ms; "
      f"stalls over 100 ms (at s, ms): {stalls}")
