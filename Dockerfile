# Tether as a container: a release build on Debian bookworm, run as an unprivileged user.
# (No Docker engine runs on the machines this project is built on: this file is checked by
# reading, not by building.)

FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock build.rs ./
COPY migrations/Cargo.toml migrations/Cargo.toml
RUN mkdir -p src migrations/src admin-templates tests/integration \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs migrations/src/lib.rs tests/integration/main.rs \
 && cargo fetch --locked
COPY migrations migrations
COPY src src
COPY admin-templates admin-templates
COPY sample-content sample-content
COPY tests tests
RUN cargo build --release --locked --bin tether

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home tether
COPY --from=build /src/target/release/tether /usr/local/bin/tether
USER tether
WORKDIR /data
ENV TETHER_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///data/tether.db?mode=rwc \
    RUST_LOG=info
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["tether"]
CMD ["serve"]
