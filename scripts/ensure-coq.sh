#!/usr/bin/env bash
# Install Coq and MathComp (the Coq route of `gdssm verify`) when missing and we are root; otherwise say what to
# install. Without them the claims are reported as "not Coq-checked" and the other routes still run.
set -u
PKGS="coq libcoq-mathcomp-ssreflect libcoq-mathcomp-algebra"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ] && command -v coqc >/dev/null 2>&1; then
  exit 0
fi
if [ -z "$missing" ]; then
  missing=" $PKGS"
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "gdssm: installing Coq and MathComp:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || echo "gdssm: warning: could not install$missing; the claims will not be Coq-checked"
else
  echo "gdssm: Coq is missing; to Coq-check the claims run: sudo apt-get install -y$missing"
fi
exit 0
