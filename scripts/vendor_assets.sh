#!/usr/bin/env bash
# Browser assets for the portal, from the npm registry at pinned versions (package-lock.json),
# copied into the package so that pages work offline: nothing is loaded from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
# npm comes with Debian's Node.js; a bare machine has neither.
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: npm is missing; install Node.js as root: apt-get install nodejs npm" >&2
        exit 1
    fi
    echo "Installing Debian packages: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
dest=src/stratmon/web/static/vendor
build=build/web-assets
mkdir -p "$build" "$dest"
cp web-assets/package.json web-assets/package-lock.json "$build/"
(cd "$build" && npm ci --ignore-scripts --no-audit --no-fund --silent)
modules="$build/node_modules"
cp "$modules/vega/build/vega.min.js" \
   "$modules/vega-lite/build/vega-lite.min.js" \
   "$modules/vega-embed/build/vega-embed.min.js" \
   "$modules/leaflet/dist/leaflet.js" \
   "$modules/leaflet/dist/leaflet.css" \
   "$modules/topojson-client/dist/topojson-client.min.js" \
   "$modules/world-atlas/countries-50m.json" \
   "$modules/swagger-ui-dist/swagger-ui-bundle.js" \
   "$modules/swagger-ui-dist/swagger-ui.css" "$dest/"
for license in vega vega-lite vega-embed leaflet topojson-client world-atlas swagger-ui-dist; do
    cp "$modules/$license/LICENSE" "$dest/LICENSE.$license" 2>/dev/null || true
done
# axe-core checks the pages' accessibility in the browser tests; it is not shipped in the package.
mkdir -p build/test-assets
cp "$modules/axe-core/axe.min.js" build/test-assets/
touch "$dest/.complete"
