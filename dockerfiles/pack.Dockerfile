# syntax=docker/dockerfile:1
# The pack stage worker. Build from the repository root:
#   docker build -f dockerfiles/pack.Dockerfile -t doctown-pack .
# Runs on AWS Lambda (SQS event source) as the image's default command, or on
# RunPod serverless with WORKER_BIN=doctown-runpod (see infra/README.md).
ARG RUST_IMAGE=rust:1.95-slim-bookworm

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

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/doctown-worker /usr/local/bin/doctown-worker
ENV DOCTOWN_STAGE=pack \
    DOCTOWN_LOG=info
ENTRYPOINT ["/usr/local/bin/doctown-worker"]
