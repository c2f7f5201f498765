# syntax=docker/dockerfile:1
# Tether as a container image: a release build on Debian bookworm, run as an unprivileged user.
#
#   docker build -t tether .
#   docker run -p 3000:3000 -v tether-data:/data tether          # SQLite in /data
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://... tether
#   docker run -i -v tether-data:/data tether import - < bundle.json
#
# docker-compose.yml runs it with PostgreSQL. (No Docker engine runs on the machines this
# project is built on: this file is checked by reading, not by building.)

FROM rust:1-bookworm AS build
WORKDIR /src
# The whole workspace: the root crate (build.rs embeds admin-templates/, src/ include_str!s
# sample-content/ and admin-templates/static/), the migrations crate, and tests/ (Cargo.toml
# names the integration test target).
COPY Cargo.toml Cargo.lock build.rs ./
COPY migrations migrations
COPY src src
COPY admin-templates admin-templates
COPY sample-content sample-content
COPY tests tests
# The registry and target folders are BuildKit cache mounts, so a rebuild after a source edit
# compiles Tether's own crates only. The binary leaves the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin tether \
 && install -m 0755 target/release/tether /usr/local/bin/tether

FROM debian:bookworm-slim
# curl is for the health check; ca-certificates for outgoing HTTPS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tether \
 && useradd --system --uid 10001 --gid tether --home-dir /data --create-home \
      --shell /usr/sbin/nologin tether
COPY --from=build /usr/local/bin/tether /usr/local/bin/tether
USER tether
# The SQLite default lives here; mount a volume on /data to keep it.
WORKDIR /data
ENV TETHER_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///data/tether.db?mode=rwc \
    RUST_LOG=info
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
# Tether stops gracefully on SIGTERM (docker stop), finishing requests in flight.
ENTRYPOINT ["tether"]
CMD ["serve"]
