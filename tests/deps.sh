# shellcheck shell=bash
# Sourced by tests/run.sh and examples/demo.sh.  The Debian packages the
# project needs, in one place, and the functions that install them and build.
#
# Sets QFS_ROOT (the checkout) and QFS_BUILD (the build directory, default
# $QFS_ROOT/build, overridable from the environment).

QFS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QFS_BUILD="${QFS_BUILD:-$QFS_ROOT/build}"

QFS_DEBIAN_PACKAGES=(
    # toolchain
    cmake pkg-config gcc g++ clang libclang-rt-14-dev
    # the C core
    libseccomp-dev libjansson-dev
    # the Qt facade, its tests and the QML module
    qt6-base-dev qt6-declarative-dev qml6-module-qttest qml6-module-qtquick
    qml6-module-qtquick-window qml6-module-qtqml-workerscript
    # plugin runtimes, the launch benchmark's baseline, network tests
    python3 lua5.4 bubblewrap iproute2 curl
)

# Prints the packages of QFS_DEBIAN_PACKAGES that are not installed.
qfs_missing_packages() {
    local pkg
    for pkg in "${QFS_DEBIAN_PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

# Installs what is missing when run as root; otherwise prints the exact
# command and fails.
qfs_ensure_packages() {
    local missing
    mapfile -t missing < <(qfs_missing_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "all ${#QFS_DEBIAN_PACKAGES[@]} Debian packages are installed"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "qfsandbox needs these Debian packages; install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be stale or absent on a fresh machine; refresh
    # them only when the first attempt fails.
    if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# Configures and builds with warnings as errors; extra arguments go to cmake.
qfs_build() {
    cmake -S "$QFS_ROOT" -B "$QFS_BUILD" -DQFS_WERROR=ON "$@"
    cmake --build "$QFS_BUILD" -j"$(nproc)"
}
