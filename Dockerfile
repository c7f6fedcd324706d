# checkgate as a GitHub Action: build once, run from a small image holding the
# binary and CA certificates. `docker build .` from the repository root.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin checkgate \
 && install -D target/release/checkgate /out/checkgate

# glibc, libgcc and CA certificates, nothing else. Docker actions run as root
# (GitHub's requirement for writing to the mounted workspace and file commands).
FROM gcr.io/distroless/cc-debian12
COPY --from=build /out/checkgate /usr/local/bin/checkgate
ENTRYPOINT ["/usr/local/bin/checkgate", "action"]
