# The Attrition API as a container (docs/operations.md, "Container").
#   docker build -t attrition .
#   docker run -p 7860:7860 attrition          # SQLite log in the volume /var/lib/attrition
# Stage 1 installs exactly what `scripts/install-deps.sh --serve` lists (the same script as a
# developer machine and CI; no test dependency) and builds the Release binary; stage 2 is Debian 12 slim with only the
# shared libraries that binary needs (found with ldd/dpkg, so the list cannot drift).

FROM debian:bookworm AS build
WORKDIR /src
# Dependencies first, so that a source change does not reinstall them.
COPY scripts/install-deps.sh scripts/install-deps.sh
COPY web/package.json web/package-lock.json web/
RUN bash scripts/install-deps.sh --serve && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DATTRITION_BUILD_TESTS=OFF -DATTRITION_BUILD_BENCH=OFF \
 && cmake --build build/release --target attrition \
 && ./build/release/src/attrition --version
# The Debian packages that own the binary's shared libraries.
RUN set -eu; : > /tmp/runtime-packages; \
    for lib in $(ldd build/release/src/attrition | awk '/=> \// {print $3}'); do \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null \
        || dpkg -S "$(realpath "$lib" | sed 's|^/usr||')" 2>/dev/null || true; \
    done | cut -d: -f1 | sort -u > /tmp/runtime-packages; \
    cat /tmp/runtime-packages

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages /tmp/runtime-packages
RUN apt-get update -q \
 && xargs -a /tmp/runtime-packages apt-get install -y -q --no-install-recommends \
 && apt-get install -y -q --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --home-dir /var/lib/attrition --create-home \
      --shell /usr/sbin/nologin attrition
COPY --from=build /src/build/release/src/attrition /usr/local/bin/attrition
COPY --from=build /src/model /opt/attrition/model
COPY --from=build /src/web /opt/attrition/web

# Defaults for a container; every one can be overridden at `docker run -e`.
ENV OC5_HOST=0.0.0.0 \
    OC5_PORT=7860 \
    OC5_MODEL_DIR=/opt/attrition/model \
    OC5_WEB_DIR=/opt/attrition/web \
    OC5_SPOOL_DIR=/var/lib/attrition/spool
# Without OC5_DATABASE_URL the log is the SQLite file var/attrition.db under the working
# directory: keep it (and the spool) on a volume.
WORKDIR /var/lib/attrition
VOLUME /var/lib/attrition
USER attrition
EXPOSE 7860
# Ready = model loaded and the prediction log can take records (GET /readyz).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${OC5_PORT}/readyz" >/dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["attrition"]
CMD ["serve"]
