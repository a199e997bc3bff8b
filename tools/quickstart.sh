#!/usr/bin/env bash
# README command 1: set everything up, build, and run the main job on the built-in reference scene.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
mkdir -p out
swift build -c release --product csiloc
.build/release/csiloc simulate --scene etc/scenes/street.yaml --points 15000 --seed 1 --out out/train.npz
.build/release/csiloc simulate --scene etc/scenes/street.yaml --points 2000 --seed 2 --out out/test.npz
echo "quickstart: datasets in out/ (see docs/datasets.md); next: csiloc --help" >&2
