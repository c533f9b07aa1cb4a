#!/usr/bin/env bash
# Make sure a headless Chromium is available for tests/report/html_test.ts (it skips without one).
# Installs the Debian package "chromium" when no Chromium or Chrome binary is present and apt-get
# can be used (as root, or through sudo without a password). Never fails the caller: without a
# browser the HTML test is skipped with a message saying so.
set -u

for candidate in "${CONFORM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser \
  /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "ensure_chromium: using $candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: no Chromium and no apt-get; the HTML report test will be skipped"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure_chromium: not root and no password-less sudo; the HTML report test will be skipped"
  exit 0
fi

echo "ensure_chromium: installing the Debian package chromium"
if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; then
  echo "ensure_chromium: installed $(chromium --version 2>/dev/null || echo chromium)"
else
  echo "ensure_chromium: apt-get install chromium failed; the HTML report test will be skipped"
fi
exit 0
