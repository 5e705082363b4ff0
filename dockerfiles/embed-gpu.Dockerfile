# syntax=docker/dockerfile:1
# The embed stage worker on a GPU (RunPod serverless): CUDA 12 + cuDNN 9
# runtime, ONNX Runtime GPU 1.31.1 from the onnxruntime-gpu wheel (its
# libonnxruntime.so and CUDA execution provider), the model from
# scripts/fetch-model.sh. Built with `--features cuda`; with DOCTOWN_EMBED_GPU=1
# the worker refuses to embed (the stage fails, naming the reason) when it
# cannot use the GPU, rather than fall back to the CPU.
#   docker build -f dockerfiles/embed-gpu.Dockerfile -t doctown-embed-gpu .
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

FROM python:3.12-slim-bookworm AS model
WORKDIR /src
COPY scripts/fetch-model.sh scripts/build_model.py scripts/
RUN apt-get update && apt-get install -y --no-install-recommends unzip ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && DOCTOWN_CACHE=/cache DOCTOWN_MODEL_DIR=/opt/doctown/model \
       DOCTOWN_ORT_LIB=/cache/cpu/libonnxruntime.so.1.31.1 \
       bash scripts/fetch-model.sh \
    && pip download --no-deps --only-binary :all: --dest /cache/gpu onnxruntime-gpu==1.31.1 \
    && mkdir -p /opt/doctown/lib /tmp/ort \
    && unzip -q /cache/gpu/onnxruntime_gpu-1.31.1-*.whl 'onnxruntime/capi/*' -d /tmp/ort \
    && cp -a /tmp/ort/onnxruntime/capi/libonnxruntime*.so* /opt/doctown/lib/

FROM ${RUST_IMAGE} AS build
ARG WORKER_BIN=doctown-runpod
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p doctown-worker --features cuda,lambda --bin ${WORKER_BIN} \
    && install -D target/release/${WORKER_BIN} /out/doctown-worker

FROM ${CUDA_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libgomp1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=model /opt/doctown /opt/doctown
COPY --from=build /out/doctown-worker /usr/local/bin/doctown-worker
ENV DOCTOWN_STAGE=embed \
    DOCTOWN_EMBED_GPU=1 \
    DOCTOWN_MODEL_DIR=/opt/doctown/model \
    DOCTOWN_ORT_LIB=/opt/doctown/lib/libonnxruntime.so.1.31.1 \
    LD_LIBRARY_PATH=/opt/doctown/lib \
    DOCTOWN_LOG=info
ENTRYPOINT ["/usr/local/bin/doctown-worker"]
