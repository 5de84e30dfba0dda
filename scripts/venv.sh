# Sourced by scripts/run and scripts/test: make .venv hold an editable install of presence.
# ensure_venv EXTRAS  — EXTRAS is "" or "[test]"; reinstalls when pyproject.toml is newer
# than the last install or the extras asked for were not installed yet.
ensure_venv() {
    local extras=$1 stamp=".venv/.installed$1"
    if [ ! -x .venv/bin/python ]; then
        echo "presence: creating .venv (first run only)" >&2
        "${PYTHON:-python3}" -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "presence: installing presence$extras into .venv" >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
        touch "$stamp"
    fi
}
