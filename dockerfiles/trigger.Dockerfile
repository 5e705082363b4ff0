# syntax=docker/dockerfile:1
# The trigger: HTTP API + website. Two entry points in one image:
#   - AWS Lambda (Function URL, response streaming): /usr/local/bin/doctown-trigger-lambda
#     (Terraform sets it as the image command);
#   - a plain server: `doctown serve --addr 0.0.0.0:8080` (the default command); it
#     refuses to start without API keys (DOCTOWN_API_KEY_HASHES or DOCTOWN_API_KEYS_FILE)
#     unless run with `serve --addr 0.0.0.0:8080 --open`.
#   docker build -f dockerfiles/trigger.Dockerfile -t doctown-trigger .
ARG RUST_IMAGE=rust:1.95-slim-bookworm

FROM node:22-bookworm-slim AS website
WORKDIR /src/website
COPY website/package.json website/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY website/ ./
RUN npm run build && test -f build/index.html

FROM ${RUST_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p doctown-trigger --features lambda --bin doctown-trigger-lambda \
    && cargo build --release --locked -p doctown-cli --bin doctown \
    && install -D target/release/doctown-trigger-lambda /out/doctown-trigger-lambda \
    && install -D target/release/doctown /out/doctown

FROM debian:bookworm-slim
# git over HTTPS (with ca-certificates) clones a GitHub source's history
# when a job asks for it (`history.github`, `--history-github`); distroless
# has no git. The process runs as an unprivileged user, as on distroless.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 doctown
COPY --from=build /out/ /usr/local/bin/
COPY --from=website /src/website/build /srv/website
ENV DOCTOWN_STATIC_DIR=/srv/website \
    DOCTOWN_STORE=/tmp/doctown \
    DOCTOWN_LOG=info
EXPOSE 8080
USER doctown
ENTRYPOINT ["/usr/local/bin/doctown"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
