# Build dependencies: Rust, a C/C++ toolchain and cmake (librdkafka is compiled from source by rdkafka-sys),
# and the headers librdkafka includes. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

toolchain_up() {
  command -v cargo >/dev/null || die "Rust is required: install it with rustup (cargo and rustc)"
  apt_install build-essential cmake pkg-config libcurl4-openssl-dev zlib1g-dev libssl-dev
}

# The lint tools CI gates on (rustup components; a toolchain without rustup must bring them itself).
lint_tools_up() {
  local sub component
  for sub in fmt clippy; do
    component=${sub/fmt/rustfmt}
    cargo "$sub" --version >/dev/null 2>&1 && continue
    command -v rustup >/dev/null || die "cargo $sub is missing and there is no rustup to add $component"
    rustup component add "$component"
  done
}
