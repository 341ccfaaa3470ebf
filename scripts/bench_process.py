#!/usr/bin/env python3
"""Times whole processes: runs a command N times (after warm-up runs) and prints the median,
min and max wall time, and the largest peak resident memory of a run.
Usage: bench_process.py NAME RUNS -- COMMAND..."""
import os
import statistics
import subprocess
import sys
import time


def main():
    name, runs = sys.argv[1], int(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    for _ in range(3):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    peak_kib = 0
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(p.pid, 0)
        samples.append((time.perf_counter() - start) * 1000)
        peak_kib = max(peak_kib, usage.ru_maxrss)  # KiB on Linux
    print(
        "%-28s median %8.2f ms   min %8.2f ms   max %8.2f ms   peak %6.1f MB   (%d runs)"
        % (name, statistics.median(samples), min(samples), max(samples), peak_kib / 1024, runs)
    )


if __name__ == "__main__":
    main()
