#!/usr/bin/env python3
"""Where a run leaves cores idle: the stretches of a `perf record` in which
fewer than THRESHOLD cores were busy, each with the functions sampled in
it, and the seconds of the run spent so.

    perf record -F 1000 -o perf.data doctown build REPO --embeddings off ...
    python3 scripts/perf-serial.py perf.data [--hz HZ] [--window 0.02]
        [--threshold 1.3] [--min 0.04]

A window's busy cores are its samples over (window x hz); hz is the
recording's -F, read from the file (`perf evlist -F`) unless --hz says
it. Call chains (-g) are not read. Stretches of consecutive thin windows
shorter than --min seconds are counted in the total but not listed.
"""
import argparse
import collections
import subprocess
import sys


def samples(data):
    """(time, thread, function) of every sample."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "tid,time,ip,sym", "-G"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[1].endswith(":"):
            continue
        rest = parts[2].split(None, 1) if len(parts) > 2 else []
        yield float(parts[1][:-1]), int(parts[0]), rest[1].strip() if len(rest) > 1 else "?"


def recorded_hz(data):
    """The sampling frequency the recording was made at (`-F`), or None
    when it was recorded by period rather than frequency."""
    out = subprocess.run(
        ["perf", "evlist", "-i", data, "-F"], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        for field in line.replace(",", " ").split():
            if field.startswith("sample_freq="):
                return float(field.split("=", 1)[1])
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data")
    p.add_argument("--hz", type=float, help="the recording's -F (default: read from the file)")
    p.add_argument("--window", type=float, default=0.02)
    p.add_argument("--threshold", type=float, default=1.3)
    p.add_argument("--min", type=float, default=0.04)
    a = p.parse_args()
    try:
        a.hz = a.hz or recorded_hz(a.data)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"perf-serial: cannot read {a.data} with perf evlist: {e}")
    if not a.hz:
        sys.exit("perf-serial: " + a.data + " was not recorded at a frequency (-F); give --hz")
    rows = list(samples(a.data))
    if not rows:
        sys.exit("perf-serial: no samples in " + a.data)
    start = rows[0][0]
    windows = collections.defaultdict(list)
    for t, _, fn in rows:
        windows[int((t - start) / a.window)].append(fn)
    last = max(windows)
    thin, stretch = [], []
    for w in range(last + 2):
        busy = len(windows.get(w, [])) / (a.window * a.hz)
        if w <= last and busy < a.threshold:
            stretch.append(w)
            continue
        if stretch:
            thin.append(stretch)
        stretch = []
    total = sum(len(s) for s in thin) * a.window
    print(f"{(last + 1) * a.window:.2f} s sampled; {total:.2f} s with fewer than {a.threshold} cores busy")
    for s in thin:
        if len(s) * a.window < a.min:
            continue
        top = collections.Counter(fn for w in s for fn in windows.get(w, []))
        names = "; ".join(f"{fn[:48]} {n}" for fn, n in top.most_common(4))
        print(f"{s[0] * a.window:6.2f}-{(s[-1] + 1) * a.window:6.2f} s: {names}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the reader stopped (| head): nothing more to say
        sys.stderr.close()
