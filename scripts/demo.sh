#!/usr/bin/env bash
# The main job: derive, verify, check, export, train paper-e1, k-step and nonlinear, and render the default report
# (out/report.pdf, or out/report.tex without TeX); its 'Learned vs derived' section shows the three training runs.
set -euo pipefail
G=.venv/bin/gdssm
mkdir -p out
echo "== derive: the k-step construction (f=2, m=1, N=3, k=3, eta symbolic) -> out/k-step.json"
$G derive --construction k-step --f 2 --m 1 --n 3 --steps 3 --eta symbolic --format json -o out/k-step.json
echo "== derive: optimal one-step step size (f = N = 10, x ~ U(-1/2, 1/2))"
$G derive --optimal-eta --law uniform --f 10 --n 10 --format text | grep -E '^(alpha_star|eta_star|loss_star):'
echo "== schedule: exact expected loss of 3 GD steps and its optimal step sizes (f = N = 10, x ~ U(-1/2, 1/2))"
$G schedule --law uniform --f 10 --n 10 --steps 3 | grep -E '^(loss_constant|  alpha|  loss)' | head -8
echo "== verify: the derived file, checked against the GD its header names (nothing in it is trusted)"
$G verify --construction-file out/k-step.json
echo "== verify: every claim by every route it lists (symbolic, coq, exact, z3, numeric) -> out/certificates.json"
$G verify
echo "== check: derived weights vs autograd GD in PyTorch"
$G check --examples 100 --seed 0
echo "== export: k-step weights (f=4, m=1, N=16, k=3, eta=1/2) -> out/k-step.safetensors, checked against GD"
$G export --construction k-step --f 4 --m 1 --n 16 --steps 3 --eta 1/2 --format safetensors -o out/k-step.safetensors
$G check --weights out/k-step.safetensors --examples 20
echo "== train: the paper's E1 from random init (f = m = N = 10) -> out/train/paper-e1 (about 75 s)"
$G train --preset paper-e1
echo "== train: the k-step readout, k = 2 and 3, from random init -> out/train/k-step (about 7 min)"
$G train --preset k-step
echo "== train: non-linear regression, GD on a learned MLP feature map (y = a sin(x + b)) -> out/train/nonlinear (about 60 s)"
$G train --preset nonlinear
$G check --weights out/train/nonlinear/trained.safetensors --examples 20
echo "== report: reuses the fresh certificates of verify -> out/report.pdf"
$G report --out out/report.pdf
