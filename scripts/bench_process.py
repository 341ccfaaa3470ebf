#!/usr/bin/env python3
"""Times whole processes: runs a command N times (after warm-up runs) and prints the median,
min and max wall time. Usage: bench_process.py NAME RUNS -- COMMAND..."""
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
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    print(
        "%-28s median %8.2f ms   min %8.2f ms   max %8.2f ms   (%d runs)"
        % (name, statistics.median(samples), min(samples), max(samples), runs)
    )


if __name__ == "__main__":
    main()
