#!/usr/bin/env bash
# What the tests need from Debian: Chromium and ChromeDriver for the browser tests, a CJK font so
# that screenshots show Chinese (and letters print it), faketime for the runs at China's night
# and morning, and poppler's pdftotext to read the printed letters back.
# Installs what is missing; under CI=true a failed install is an error.
set -uo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "cjk\|wqy\|droid sans fallback" || need+=(fonts-noto-cjk)
command -v faketime >/dev/null || need+=(faketime)
command -v pdftotext >/dev/null || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing for the tests: ${need[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/tmp/guanxi-apt.log 2>&1; then
  $sudo apt-get update -q >>/tmp/guanxi-apt.log 2>&1
  if ! $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >>/tmp/guanxi-apt.log 2>&1; then
    echo "could not install ${need[*]} (see /tmp/guanxi-apt.log)" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    echo "the tests that need them will be skipped" >&2
  fi
fi
exit 0
