#!/usr/bin/env bash
# Usage: ensure-debian-packages.sh WHAT WITHOUT PACKAGE...
# Install the Debian PACKAGEs that are missing when we are root; otherwise say how to install them.
# WHAT names them in messages ("TeX", "Coq and MathComp"); WITHOUT says what happens when they stay missing.
# Always exits 0: the toolkit runs without them and says what it skipped.
set -u
what=$1 without=$2
shift 2
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "gdssm: installing $what:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || echo "gdssm: warning: could not install$missing; $without"
else
  echo "gdssm: $what missing; install with: sudo apt-get install -y --no-install-recommends$missing ($without)"
fi
exit 0
