#!/usr/bin/env bash
# `make run`: initialise the embedded database, import the real data, align it to the Strategy, print
# funding by country and FY, by line of action, and how much of the money the alignment explains, load
# the framework's starter registry of Strategy-level indicators, write the monitoring and evaluation
# report to out/ (HTML and PDF, English and Spanish), then serve the portal on http://127.0.0.1:8000/
# ($STRATMON_PORT; STRATMON_NO_SERVE=1 stops before serving). The registry is loaded by the administrator
# $STRATMON_ADMIN (default admin), created on the first run, without a password, when it does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."
stratmon=.venv/bin/stratmon
data="${STRATMON_DATA:-${STRATMON_SHARED_DATA:-../shared/data}}"
if [ ! -d "$data" ]; then
    # No data folder: download the public data from its publishers first ($STRATMON_DATA, else ./data).
    data="${STRATMON_DATA:-data}"
    $stratmon fetch --dest "$data"
fi
iati="$data"
[ -d "$data/usg-iati/data" ] && iati="$data/usg-iati/data"
if [ -z "${STRATMON_CODELISTS:-}" ] && [ -d "$data/iati-codelists" ]; then
    export STRATMON_CODELISTS="$data/iati-codelists"
fi
$stratmon init
$stratmon import iati "$iati"
# The other public sources, where the data folder has them.
[ -d "$data/foreignaid-explorer-country" ] && $stratmon import fagov "$data/foreignaid-explorer-country"
[ -d "$data/state-cbj-budget-by-country" ] && $stratmon import budget "$data/state-cbj-budget-by-country"
[ -d "$data/owid-context" ] && $stratmon import context "$data/owid-context" --format owid
[ -d "$data/wdi-remittances" ] && $stratmon import context "$data/wdi-remittances" --format wdi
[ -f "$data/datahub-gdp/gdp.csv" ] && $stratmon import context "$data/datahub-gdp/gdp.csv" --format datahub
[ -f "$data/datahub-population/population.csv" ] && \
    $stratmon import context "$data/datahub-population/population.csv" --format datahub
[ -d "$data/cbp-encounters" ] && $stratmon import context "$data/cbp-encounters" --format cbp
# More context series (poverty, tax revenue, governance scores, WDI homicides, unemployment, electricity),
# named file by file: the folder also holds the World Bank's metadata files, which are no data.
if [ -d "$data/context-more" ]; then
    more="$data/context-more"
    $stratmon import context "$more"/API_*.csv "$more"/SI.POV.*.csv "$more"/WGI_*_Data.csv --format wdi
    $stratmon import context "$more"/owid_Taxes_*.csv --format owid
fi
$stratmon align
# The Strategy-level indicators (definitions, no values) beside the framework: a change to the registry,
# which an administrator makes. Adding the administrator fails harmlessly when it exists already.
admin="${STRATMON_ADMIN:-admin}"
$stratmon users add "$admin" --role admin >/dev/null 2>&1 || true
$stratmon indicators load src/stratmon/framework/central_america/indicators.yaml --user "$admin"
$stratmon funding --by country,fy --type obligation
$stratmon funding --by country,fy --type disbursement
$stratmon funding --by line,group --type disbursement
$stratmon alignment coverage --by agency
# How much of ForeignAssistance.gov's money the IATI data hold for the Strategy's period, and whose is missing.
$stratmon coverage

mkdir -p out
for lang in en es; do
    for format in html pdf; do
        $stratmon report --lang "$lang" --format "$format" --out "out/report-$lang.$format"
    done
done
if [ -n "${STRATMON_NO_SERVE:-}" ]; then
    exit 0
fi
echo
echo "The workspace needs a password for its administrator $admin:"
echo "  $stratmon users password $admin"
exec $stratmon serve --host 127.0.0.1 --port "${STRATMON_PORT:-8000}"
