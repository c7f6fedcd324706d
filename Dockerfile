# checkgate in a container, the alternative to the composite action
# (`uses: docker://ghcr.io/OWNER/checkgate:vX`): the `dist` profile's binary
# with CA certificates. `docker build .` from the repository root.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked --bin checkgate \
 && install -D target/dist/checkgate /out/checkgate

# glibc, libgcc and CA certificates, nothing else. Docker actions run as root
# (GitHub's requirement for writing to the mounted workspace and file commands).
FROM gcr.io/distroless/cc-debian12
COPY --from=build /out/checkgate /usr/local/bin/checkgate
ENTRYPOINT ["/usr/local/bin/checkgate", "action"]
