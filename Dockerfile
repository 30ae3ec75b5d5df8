# Confidant in one image: the server binary and the built web app.
# Build: docker build -t confidant .   (or `docker compose up`, see docker-compose.yml)

# --- build stage -----------------------------------------------------------------------------
FROM rust:1.95.0-bookworm AS build
# npm's binaryen gives wasm-opt 132 (Debian's 108 produces a wasm that crashes in browsers).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install --locked trunk --version 0.21.14 \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && npm install --no-audit --no-fund --prefix /opt/binaryen binaryen@132.0.0
ENV PATH=/opt/binaryen/node_modules/.bin:$PATH
WORKDIR /src
COPY . .
RUN cd frontend && trunk build --release
RUN cargo build --release --locked -p confidant

# --- runtime stage ---------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/confidant confidant \
 && mkdir -p /var/lib/confidant/storage \
 && chown -R confidant /var/lib/confidant
COPY --from=build /src/target/release/confidant /usr/local/bin/confidant
COPY --from=build /src/frontend/dist /srv/confidant-web
ENV CONFIDANT_LISTEN=0.0.0.0:8080 \
    CONFIDANT_WEB_DIR=/srv/confidant-web \
    CONFIDANT_STORAGE=/var/lib/confidant/storage \
    CONFIDANT_LOG_FORMAT=json
USER confidant
EXPOSE 8080
ENTRYPOINT ["confidant"]
CMD ["serve"]
