#!/usr/bin/env bash
# A real ActivityWatch server for the import tests, in its own venv (.venv-aw): aw-server is
# no dependency of presence. peewee 4 broke aw-core's bucket metadata; ActivityWatch ships 3.
# Prints the path of the aw-server program. Safe to run again (does nothing when installed).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-aw
WANT="aw-server peewee<4"
if [ ! -x "$VENV/bin/aw-server" ] || [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$WANT" ]; then
    echo "aw-venv: installing aw-server into $VENV" >&2
    "${PYTHON:-python3}" -m venv "$VENV"
    if ! out=$("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            aw-server 'peewee<4' 2>&1); then
        echo "$out" >&2
        exit 1
    fi
    echo "$WANT" > "$VENV/.installed"
fi
echo "$PWD/$VENV/bin/aw-server"
