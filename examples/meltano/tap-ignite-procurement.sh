#!/bin/sh
# Meltano runs this as the extractor: the connector's Singer mode from this repository's build
# (package.json's "tap-ignite-procurement" bin). SOURCE_IGNITE_PROCUREMENT_HOME overrides where the
# built repository is (default: two levels up from this script).
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
home=${SOURCE_IGNITE_PROCUREMENT_HOME:-$here/../..}
bin=$(node -e 'const b = require(process.argv[1]).bin || {}; process.stdout.write(b["tap-ignite-procurement"] || "dist/source/singer/main.js")' "$home/package.json")
exec node "$home/$bin" "$@"
