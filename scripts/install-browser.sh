#!/usr/bin/env bash
# Installs what the pack tests use to look at the pack as a reader would, from Debian's packages:
#   chromium       - opens the offline HTML pack headless (no network) and takes a screenshot
#   poppler-utils  - pdftoppm turns the PDF pack's pages into PNG images
# Idempotent: does nothing when both are already there. Needs root (or sudo) and apt.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-browser: chromium and pdftoppm already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y "${missing[@]}"
echo "install-browser: installed ${missing[*]}"
