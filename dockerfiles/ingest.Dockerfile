# syntax=docker/dockerfile:1
# The ingest stage worker. Build from the repository root:
#   docker build -f dockerfiles/ingest.Dockerfile -t doctown-ingest .
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

FROM debian:bookworm-slim
# git over HTTPS (with ca-certificates) clones a GitHub source's history
# when a job asks for it (`history.github`, `--history-github`); distroless
# has no git. The process runs as an unprivileged user, as on distroless.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 doctown
COPY --from=build /out/doctown-worker /usr/local/bin/doctown-worker
ENV DOCTOWN_STAGE=ingest \
    DOCTOWN_LOG=info
USER doctown
ENTRYPOINT ["/usr/local/bin/doctown-worker"]
