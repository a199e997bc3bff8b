#!/usr/bin/env bash
# Installs what csiloc needs to build and test on Debian 12 (Swift 6.3 must already be on PATH).
# Idempotent; uses sudo when not root. Set CSILOC_SKIP_APT=1 to skip package installation.
set -euo pipefail

packages=(
  pkg-config
  zlib1g-dev        # NPZ datasets: deflate and CRC-32 (NumpyArchive)
  libzmq3-dev       # ZeroMQ transport (csilocd, record/replay)
  libopenblas-dev   # BLAS for training and fitting (pkg-config name: openblas)
  libyaml-dev       # listed by the client's design card; Yams vendors its own libyaml, so nothing links it
  python3-numpy     # optional: tests check NPZ round trips against numpy when it is importable
  python3-zmq       # optional: tools/csi_publisher.py (the pyzmq client) and the pyzmq interop tests
  chromium          # optional: the live map's headless-browser test (HeadlessBrowserTests; 31 s to install here)
  fonts-liberation  # text in chromium's screenshots
)

if [[ "${CSILOC_SKIP_APT:-0}" != "1" ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The apt modules serve Debian's /usr/bin/python3. When another python3 comes first on PATH (pyenv, a venv),
# give it numpy and pyzmq from PyPI so the interop tests and tools/csi_publisher.py run there too. Best effort:
# without them those tests are skipped, nothing else needs Python.
if [[ "${CSILOC_SKIP_PIP:-0}" != "1" ]] && command -v python3 >/dev/null \
   && ! python3 -c 'import numpy, zmq' 2>/dev/null; then
  echo "setup: installing numpy and pyzmq for $(command -v python3)" >&2
  python3 -m pip install --quiet --disable-pip-version-check numpy pyzmq >&2 \
    || echo "setup: warning: pip install failed; numpy/pyzmq tests will be skipped" >&2
fi

command -v swift >/dev/null || { echo "setup: swift not found on PATH (need Swift 6.3)" >&2; exit 1; }
swift --version 2>&1 | head -1 >&2
