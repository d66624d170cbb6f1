#!/usr/bin/env bash
# Install the TeX packages the report needs when they are missing and we are root; otherwise say what to install.
set -u
PKGS="texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-pictures latexmk poppler-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "gdssm: installing TeX packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || echo "gdssm: warning: could not install$missing; the report will be written as .tex only"
else
  echo "gdssm: TeX is missing; to build PDFs run: sudo apt-get install -y --no-install-recommends$missing"
  echo "gdssm: carrying on with .tex output only"
fi
exit 0
