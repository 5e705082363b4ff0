#!/usr/bin/env python3
"""An OpenAI-compatible embeddings server for all-MiniLM-L6-v2 on a GPU, so
that Doctown's remote backend (DOCTOWN_EMBED_BACKEND=openai) can be measured
on a lent GPU machine, which has PyTorch and `tokenizers` but no network
(so no model hub and no text-embeddings-inference).

It answers `POST /v1/embeddings` ({"model", "input": [texts]}) with unit
vectors, `usage.prompt_tokens` and the model's name; `GET /health`; and
`GET /stats` (texts, tokens, requests, seconds spent in the model, and the
times of the first request and the last answer, since start or since the
last `POST /stats/reset`).

The model is a plain PyTorch BERT encoder (6 layers, 12 heads, mean
pooling, L2 norm: what sentence-transformers runs for this model) over the
weights pack_model.py packed, in float16 on CUDA (float32 on the CPU). The
tokenizer is the model's tokenizer.json, truncating at --max-tokens, the
cap the local backend uses (128).

--bench prints the model's own figure first: uniform batches of random
token ids, no padding, no HTTP; the figure the served throughput is
measured against.
"""
import argparse
import ctypes
import http.server
import json
import signal
import struct
import subprocess
import sys
import threading
import time

import numpy
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

HIDDEN, LAYERS, HEADS, EPS = 384, 6, 12, 1e-12


def load_packed(path, device, dtype):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {"I8": torch.int8, "F16": torch.float16}
    raw = {}
    for name, meta in header.items():
        start, end = meta["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=kinds[meta["dtype"]])
        raw[name] = t.reshape(meta["shape"])
    weights = {}
    for name, t in raw.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".q"):
            base = name[: -len(".q")]
            t = t.float() * raw[base + ".scale"].float()[:, None]
        weights[name.removesuffix(".q")] = t.float().to(device=device, dtype=dtype)
    return weights


class MiniLM:
    """BertModel's forward for inference, then mean pooling and L2 norm."""

    def __init__(self, w):
        self.w = w

    def layer_norm(self, x, prefix):
        return F.layer_norm(x, (HIDDEN,), self.w[prefix + ".weight"], self.w[prefix + ".bias"], EPS)

    def linear(self, x, prefix):
        return F.linear(x, self.w[prefix + ".weight"], self.w[prefix + ".bias"])

    @torch.inference_mode()
    def __call__(self, ids, mask):
        w, (b, t) = self.w, ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self.layer_norm(x, "embeddings.LayerNorm")
        keys = mask[:, None, None, :]
        heads = lambda y: y.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            q, k, v = (heads(self.linear(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keys)
            a = a.transpose(1, 2).reshape(b, t, HIDDEN)
            x = self.layer_norm(self.linear(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self.linear(x, p + "intermediate.dense"))
            x = self.layer_norm(self.linear(h, p + "output.dense") + x, p + "output.LayerNorm")
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1).float() / m.sum(1).float().clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)


class Embedder:
    """Tokenises, embeds and answers one request at a time: the work is
    CPU-bound Python around a fast model, so threads would only contend
    for the GIL; --workers runs processes instead."""

    def __init__(self, model, tokenizer, device, max_batch):
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.stats = {"requests": 0, "texts": 0, "tokens": 0, "model_seconds": 0.0,
                      "first_request": None, "last_answer": None}

    def forward(self, encodings):
        """Unit vectors (float32, numpy) for encodings of similar length."""
        width = max(len(e) for e in encodings)
        ids = numpy.zeros((len(encodings), width), dtype=numpy.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e)] = e
        ids = torch.from_numpy(ids).to(self.device)
        start = time.perf_counter()
        # [PAD] is id 0 and no real token is, so the mask is the non-zero
        # ids; .cpu() waits for the GPU, so the time is the model's.
        out = self.model(ids, ids != 0).cpu().numpy()
        self.stats["model_seconds"] += time.perf_counter() - start
        return out

    def embed(self, texts):
        """The vectors' JSON items, in the texts' order, and the token count."""
        with self.lock:
            self.stats["first_request"] = self.stats["first_request"] or time.time()
            encodings = [e.ids for e in self.tokenizer.encode_batch(texts)]
            order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))
            items = [None] * len(texts)
            for s in range(0, len(order), self.max_batch):
                part = order[s : s + self.max_batch]
                vectors = self.forward([encodings[i] for i in part])
                for i, vec in zip(part, vectors.tolist()):
                    items[i] = '{"object":"embedding","index":%d,"embedding":%s}' % (i, json.dumps(vec))
            tokens = sum(len(e) for e in encodings)
            self.stats["requests"] += 1
            self.stats["texts"] += len(texts)
            self.stats["tokens"] += tokens
            self.stats["last_answer"] = time.time()
        return items, tokens


def bench(model, device, seconds_each=3.0):
    """Prints the model's own figure: uniform batches of random ids, no
    padding, timed after the GPU has finished each one."""
    finish = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    for batch, width in [(32, 89), (256, 89), (256, 128), (1024, 64)]:
        ids = torch.randint(1000, 30000, (batch, width), device=device)
        mask = torch.ones((batch, width), dtype=torch.bool, device=device)
        for _ in range(3):
            model(ids, mask)
        finish()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds_each:
            model(ids, mask)
            finish()
            n += 1
        took = time.perf_counter() - start
        row = {"batch": batch, "tokens_per_text": width, "texts_per_s": round(n * batch / took),
               "tokens_per_s": round(n * batch * width / took)}
        print(json.dumps({"bench": row}), flush=True)


def serve(embedder, model_name, port, admin_port):
    """Answers on `port`, shared with the other workers (SO_REUSEPORT: the
    kernel spreads connections), and on `admin_port`, this worker's own."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def send(self, code, body):
            body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def fail(self, code, message):
            self.send(code, json.dumps({"error": {"message": message}}))

        def do_GET(self):
            if self.path == "/health":
                return self.send(200, '{"ok":true}')
            if self.path == "/stats":
                return self.send(200, json.dumps(embedder.stats))
            self.fail(404, f"no route {self.path}")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/stats/reset":
                embedder.reset()
                return self.send(200, '{"ok":true}')
            if self.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
                return self.fail(404, f"no route {self.path}")
            try:
                request = json.loads(body)
                texts = request["input"]
                texts = [texts] if isinstance(texts, str) else texts
                if not all(isinstance(t, str) for t in texts):
                    raise ValueError("input must be a string or a list of strings")
            except (ValueError, KeyError, TypeError) as e:
                return self.fail(400, f"bad request: {e}")
            if request.get("model") not in (None, model_name):
                return self.fail(404, f"model {request.get('model')!r} is not served")
            try:
                items, tokens = embedder.embed(texts) if texts else ([], 0)
            except Exception as e:  # a failed batch is the client's 500, not a dropped connection
                return self.fail(500, f"{type(e).__name__}: {e}")
            self.send(200, '{"object":"list","model":%s,"data":[%s],"usage":{"prompt_tokens":%d,"total_tokens":%d}}'
                      % (json.dumps(model_name), ",".join(items), tokens, tokens))

        def log_message(self, *args):
            pass

    class Shared(http.server.ThreadingHTTPServer):
        allow_reuse_port = True
        daemon_threads = True

    shared = Shared(("127.0.0.1", port), Handler)
    admin = http.server.ThreadingHTTPServer(("127.0.0.1", admin_port), Handler)
    admin.daemon_threads = True
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    print(json.dumps({"ready": f"http://127.0.0.1:{port}/v1", "stats": f"http://127.0.0.1:{admin_port}"}), flush=True)
    shared.serve_forever()


def spawn_workers(args):
    """Starts --workers processes, one after another (the first runs --bench
    alone on the GPU), and waits on them; prints one `serving` line with
    every worker's stats URL, comma-separated."""
    children, stats = [], []
    # A SIGTERM ends the workers too (through `finally`), and a worker
    # whose parent dies is sent one by the kernel (PR_SET_PDEATHSIG).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    libc = ctypes.CDLL(None, use_errno=True)
    die_with_parent = lambda: libc.prctl(1, signal.SIGTERM)
    for index in range(args.workers):
        argv = [a for a in sys.argv[1:] if a != "--bench" or index == 0]
        child = subprocess.Popen([sys.executable, sys.argv[0], *argv, "--worker-index", str(index)],
                                 stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        children.append(child)
        for line in child.stdout:
            print(line, end="", flush=True)
            if '"ready"' in line:
                stats.append(json.loads(line)["stats"])
                break
        else:
            sys.exit(f"worker {index} stopped before it was ready")
    print(json.dumps({"serving": f"http://127.0.0.1:{args.port}/v1", "stats": ",".join(stats)}), flush=True)
    try:
        for child in children:
            child.wait()
    finally:
        for child in children:
            child.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", required=True, help="pack_model.py's output")
    ap.add_argument("--tokenizer", required=True, help="the model's tokenizer.json")
    ap.add_argument("--model-name", default="sentence-transformers/all-MiniLM-L6-v2")
    ap.add_argument("--port", type=int, default=8080, help="workers' stats on the ports after it")
    ap.add_argument("--workers", type=int, default=1, help="processes, each with its own copy of the model")
    ap.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--max-batch", type=int, default=1024, help="texts per forward pass")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--bench", action="store_true", help="print the uniform-batch figure first")
    args = ap.parse_args()
    if args.worker_index is None:
        return spawn_workers(args)

    dtype = torch.float16 if args.device.startswith("cuda") else torch.float32
    model = MiniLM(load_packed(args.weights, args.device, dtype))
    tokenizer = Tokenizer.from_file(args.tokenizer)
    tokenizer.enable_truncation(max_length=args.max_tokens)
    tokenizer.no_padding()
    embedder = Embedder(model, tokenizer, args.device, args.max_batch)
    embedder.embed(["warm up the kernels"] * 8)
    embedder.reset()
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print(json.dumps({"worker": args.worker_index, "device": name, "dtype": str(dtype), "torch": torch.__version__}),
          flush=True)
    if args.bench:
        bench(model, args.device)
    serve(embedder, args.model_name, args.port, args.port + 1 + args.worker_index)


if __name__ == "__main__":
    sys.exit(main())
