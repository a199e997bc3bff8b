#!/usr/bin/env bash
# README command 1: set everything up, build, and run the main job on the built-in reference scene:
# simulate a survey and a test set, train the location-to-channel model, measure its NMSE, localize.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
mkdir -p out
swift build -c release --product csiloc
csiloc=.build/release/csiloc
$csiloc simulate --scene etc/scenes/street.yaml --points 15000 --seed 1 --out out/train.npz
$csiloc simulate --scene etc/scenes/street.yaml --points 2000 --seed 2 --out out/test.npz
$csiloc train --data out/train.npz --out out/street.csimodel --frame street-local
$csiloc eval --model out/street.csimodel --data out/test.npz --picture out/street-eval.svg --scene etc/scenes/street.yaml
$csiloc localize --model out/street.csimodel --data out/test.npz --limit 500 --picture out/street-cdf.svg
echo "quickstart: results in out/ (model, datasets, street-eval.svg, street-cdf.svg); next: csiloc --help" >&2
