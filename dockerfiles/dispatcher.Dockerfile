# syntax=docker/dockerfile:1
# The dispatcher: a long-running queue consumer that takes stage messages
# from SQS and hands them to the RunPod endpoints (or runs them itself), for
# deployments that do not use Lambda event source mappings.
#   docker build -f dockerfiles/dispatcher.Dockerfile -t doctown-dispatcher .
ARG RUST_IMAGE=rust:1.95-slim-bookworm

FROM ${RUST_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p doctown-cli --bin doctown \
    && install -D target/release/doctown /out/doctown

FROM debian:bookworm-slim
# git over HTTPS (with ca-certificates) clones a GitHub source's history
# when a job asks for it (`history.github`, `--history-github`); distroless
# has no git. The process runs as an unprivileged user, as on distroless.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 doctown
COPY --from=build /out/doctown /usr/local/bin/doctown
ENV DOCTOWN_LOG=info
# `doctown worker --runpod --stage S` runs a RunPod serverless worker instead.
USER doctown
ENTRYPOINT ["/usr/local/bin/doctown", "worker", "--dispatch", "runpod"]
