#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing (quick when present).
set -euo pipefail
# PostgreSQL for the store tests; Pango and HarfBuzz for WeasyPrint's PDFs; DejaVu fonts for charts and
# PDFs; poppler-utils (pdftotext, pdftoppm) to read the PDFs back in tests; Chromium for the browser tests
# (Playwright drives Debian's, as it cannot download its own here).
packages=(postgresql libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages (${missing[*]}); install them as root: apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
