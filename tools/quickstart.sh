#!/usr/bin/env bash
# README command 1: set everything up, build, and run the main job — the end-to-end demo on the built-in
# reference scene: simulate a survey, train the model (cached for next time), start csilocd in-process,
# replay a synthetic capture through it, show the fixes live, and summarise (with an error CDF in out/demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --product csiloc
.build/release/csiloc demo "$@"
