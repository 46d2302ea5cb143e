"""Peak memory of fit against corpus size: the encoded corpus in a memory-mapped file.

Generates text corpora of growing size (default 0.25, 0.5, 1 and 2 GB) by writing the
shared corpus over and over, each copy with its lines in a new random order, so the
vocabulary stays the same while the corpus grows. Each fit runs in a fresh process from
the text files (``input="filename"``), one at a time, and reports:

* wall time of ``fit`` (reading, tokenizing, counting, training);
* peak resident memory (``VmHWM``), which also counts the pages of the memory-mapped
  corpus file that happen to be cached in memory: the kernel drops those at will, so
  this figure grows with whatever memory is free;
* peak anonymous memory (``RssAnon``, sampled every 20 ms): the memory the process
  really holds, which is what bounds the corpus a machine can fit.

Each size is fitted with the default budget (corpus arrays above 128 MB spilled to a
temporary file) and, for contrast, with spilling turned off (the corpus wholly in
memory). The children import the skembed of this checkout, so a copy of the repository
can be benchmarked while the working tree changes.

With ``--memory-limit-mb`` the largest corpus is also fitted inside a cgroup whose memory
limit is smaller than the corpus text and its encoding (needs a writable cgroup v1 or v2
memory controller; skipped with a message otherwise).

Usage::

    python benchmarks/bench_out_of_core.py --runs 3 --memory-limit-mb 1536
    python benchmarks/bench_out_of_core.py --sizes 0.1 0.2 --runs 1 --models glove

Needs ../shared/data beside the repository and a few GB free in --workdir.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]  # this checkout's skembed, even if
# another one is installed: a snapshot can be measured while the working tree changes
from bench_word2vec import DEFAULT_DATA, run_child  # noqa: E402

FILE_BYTES = 256 << 20  # generated corpus written as files of at most this size
MODELS = {
    "word2vec": ("Word2VecTransformer", {"architecture": "cbow", "vector_size": 100,
                                         "window": 5, "min_count": 5, "epochs": 1}),
    "glove": ("GloVeTransformer", {"vector_size": 100, "window": 10, "min_count": 5,
                                   "epochs": 1}),
}


# ------------------------------------------------------------------ the corpus


def generate(corpus_dir, workdir, gigabytes):
    """Write (or reuse) a corpus of about ``gigabytes`` GB; return its files and size."""
    import random

    target = int(gigabytes * 1e9)
    folder = Path(workdir) / f"corpus-{gigabytes:g}GB"
    manifest = folder / "manifest.json"
    if manifest.exists():
        done = json.loads(manifest.read_text())
        return [folder / name for name in done["files"]], done["bytes"]
    lines = []
    for path in sorted(Path(corpus_dir).glob("*.txt.gz")):
        with gzip.open(path, "rb") as file:
            lines.extend(line for line in file if line.strip())
    folder.mkdir(parents=True, exist_ok=True)
    files, written, copy = [], 0, 0
    out = None
    while written < target:
        order = list(range(len(lines)))
        random.Random(copy).shuffle(order)
        copy += 1
        for i in order:
            if out is None or out.tell() >= FILE_BYTES:
                if out is not None:
                    out.close()
                files.append(folder / f"part-{len(files):03d}.txt")
                out = open(files[-1], "wb")  # noqa: SIM115 - closed when full
            out.write(lines[i])
            written += len(lines[i])
            if written >= target:
                break
    out.close()
    manifest.write_text(json.dumps({"files": [f.name for f in files], "bytes": written}))
    return files, written


# ------------------------------------------------------------------ the child


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _sample_memory(stop, peaks):
    """Record the largest RssAnon seen until ``stop`` is set (values in kB)."""
    while not stop.is_set():
        peaks["anon"] = max(peaks.get("anon", 0), _status_kb("RssAnon"))
        time.sleep(0.02)


def _make_cgroup(limit_mb):
    """Create a memory cgroup limited to ``limit_mb`` beside this process's own; return it."""
    own = Path("/proc/self/cgroup").read_text().splitlines()
    name = f"skembed-bench-{os.getpid()}"
    for line in own:
        _, controllers, path = line.split(":", 2)
        if controllers == "memory":  # cgroup v1
            group = Path("/sys/fs/cgroup/memory") / path.lstrip("/") / name
            group.mkdir()
            (group / "memory.limit_in_bytes").write_text(str(limit_mb << 20))
            return group
    for line in own:
        if line.startswith("0::"):  # cgroup v2
            group = Path("/sys/fs/cgroup") / line[3:].lstrip("/") / name
            group.mkdir()
            (group / "memory.max").write_text(str(limit_mb << 20))
            return group
    raise OSError("no memory cgroup controller found")


def _child(args):
    if args.cgroup:
        Path(args.cgroup, "cgroup.procs").write_text(str(os.getpid()))
    import skembed
    import skembed._spill

    if not args.spill:
        skembed._spill.SPILL_BYTES = 1 << 62
    name, params = MODELS[args.model]
    model = getattr(skembed, name)(**params, input="filename", n_jobs=args.threads,
                                   random_state=args.seed)
    baseline_kb = _status_kb("RssAnon")
    peaks, stop = {}, threading.Event()
    sampler = threading.Thread(target=_sample_memory, args=(stop, peaks), daemon=True)
    sampler.start()
    start = time.perf_counter()
    model.fit(args.files)
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    result = {"seconds": seconds, "tokens": int(model.counts_.sum()),
              "vocabulary": len(model.vocabulary_), "peak_rss_mb": _status_kb("VmHWM") / 1024,
              "peak_anon_mb": peaks.get("anon", 0) / 1024, "baseline_anon_mb": baseline_kb / 1024}
    print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------ the driver


def _run(model, files, spill, args, seed, cgroup=None):
    arguments = ["--model", model, "--threads", args.threads, "--seed", seed,
                 "--files", *files]
    if spill:
        arguments.append("--spill")
    if cgroup:
        arguments += ["--cgroup", cgroup]
    return run_child(__file__, arguments)


def _line(label, results):
    seconds = statistics.median(r["seconds"] for r in results)
    rss = statistics.median(r["peak_rss_mb"] for r in results)
    anon = statistics.median(r["peak_anon_mb"] for r in results)
    tokens = results[0]["tokens"]
    return (f"  {label:<34} {tokens / 1e6:8.1f} M tokens  fit {seconds:7.1f} s "
            f"({tokens / seconds / 1e6:5.2f} M tokens/s)  peak RSS {rss:7.0f} MB  "
            f"peak anonymous {anon:6.0f} MB  (runs: {len(results)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data folder")
    parser.add_argument("--workdir", default=None,
                        help="where to write the generated corpora (default: the temp dir)")
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.25, 0.5, 1.0, 2.0],
                        help="corpus sizes in GB")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--contrast-runs", type=int, default=1,
                        help="runs with spilling turned off, for contrast (0 skips them)")
    parser.add_argument("--memory-limit-mb", type=int, default=None,
                        help="also fit the largest corpus inside a cgroup with this limit")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--spill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cgroup", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)

    import tempfile

    import skembed

    workdir = args.workdir or tempfile.gettempdir()
    corpus_dir = Path(args.data) / "corpus"
    print(f"skembed {skembed.__version__}; corpus generated from {corpus_dir} into "
          f"{workdir}; {args.threads} threads; {args.runs} run(s) each; spill budget 128 MB; "
          f"models {MODELS}", flush=True)
    corpora = []
    for gigabytes in args.sizes:
        start = time.perf_counter()
        files, n_bytes = generate(corpus_dir, workdir, gigabytes)
        corpora.append((gigabytes, [str(f) for f in files], n_bytes))
        print(f"corpus {gigabytes:g} GB: {n_bytes / 1e9:.2f} GB of text in {len(files)} "
              f"file(s) ({time.perf_counter() - start:.0f} s to generate or find)", flush=True)
    for model in args.models:
        print(f"{model}:", flush=True)
        _run(model, corpora[0][1][:1], True, args, 0)  # compile (or load) the kernels once
        for _, files, n_bytes in corpora:
            modes = [(True, "memory-mapped corpus", args.runs),
                     (False, "corpus in memory", args.contrast_runs)]
            for spill, label, runs in modes:
                if not runs:
                    continue
                results = [_run(model, files, spill, args, seed) for seed in range(runs)]
                for r in results:
                    print(f"    run: {json.dumps(r)}", flush=True)
                print(_line(f"{n_bytes / 1e9:.2f} GB, {label}", results), flush=True)
        if args.memory_limit_mb:
            gigabytes, files, n_bytes = corpora[-1]
            label = f"{n_bytes / 1e9:.2f} GB in a {args.memory_limit_mb} MB cgroup"
            try:
                group = _make_cgroup(args.memory_limit_mb)
            except OSError as error:
                print(f"  {label}: skipped, cannot create a memory cgroup ({error})")
                continue
            try:
                result = _run(model, files, True, args, 0, group)
                print(_line(label, [result]), flush=True)
            except Exception as error:  # noqa: BLE001 - report and go on
                print(f"  {label}: failed ({error})", flush=True)
            finally:
                group.rmdir()


if __name__ == "__main__":
    main()
