# syntax=docker/dockerfile:1
# The embed stage worker (CPU): all-MiniLM-L6-v2 int8 on ONNX Runtime 1.31.1,
# both fetched at build time by scripts/fetch-model.sh (sha256-verified).
#   docker build -f dockerfiles/embed.Dockerfile -t doctown-embed .
ARG RUST_IMAGE=rust:1.95-slim-bookworm

FROM python:3.12-slim-bookworm AS model
WORKDIR /src
COPY scripts/fetch-model.sh scripts/build_model.py scripts/
RUN apt-get update && apt-get install -y --no-install-recommends unzip ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && DOCTOWN_CACHE=/cache DOCTOWN_MODEL_DIR=/opt/doctown/model \
       DOCTOWN_ORT_LIB=/opt/doctown/lib/libonnxruntime.so.1.31.1 \
       bash scripts/fetch-model.sh

FROM ${RUST_IMAGE} AS build
ARG WORKER_BIN=doctown-lambda
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p doctown-worker --features lambda --bin ${WORKER_BIN} \
    && install -D target/release/${WORKER_BIN} /out/doctown-worker

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libgomp1 \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 doctown
COPY --from=model /opt/doctown /opt/doctown
COPY --from=build /out/doctown-worker /usr/local/bin/doctown-worker
ENV DOCTOWN_STAGE=embed \
    DOCTOWN_MODEL_DIR=/opt/doctown/model \
    DOCTOWN_ORT_LIB=/opt/doctown/lib/libonnxruntime.so.1.31.1 \
    DOCTOWN_LOG=info
USER doctown
ENTRYPOINT ["/usr/local/bin/doctown-worker"]
