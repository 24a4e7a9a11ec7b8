#!/usr/bin/env bash
# Install the Debian packages the tests need (PostgreSQL, Chromium, fonts, Pango, Java), when missing.
set -euo pipefail
needed=()
[ -x /usr/bin/chromium ] || needed+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || needed+=(postgresql)
[ -d /usr/share/fonts/truetype/dejavu ] || needed+=(fonts-dejavu-core)
ldconfig -p | grep -q libpangoft2-1.0 || needed+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint
command -v java >/dev/null || needed+=(openjdk-17-jre-headless)  # Spark parity tests
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Please install these Debian packages first: ${needed[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
