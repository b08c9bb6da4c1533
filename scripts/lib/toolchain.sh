# Build dependencies: Rust, a C/C++ toolchain and cmake (librdkafka is compiled from source by rdkafka-sys),
# and the headers librdkafka includes. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

toolchain_up() {
  command -v cargo >/dev/null || die "Rust is required: install it with rustup (cargo and rustc)"
  apt_install build-essential cmake pkg-config libcurl4-openssl-dev zlib1g-dev libssl-dev
}
