# Shared by scripts/desktop-session.sh and scripts/wayland-session.sh (sourced, not run).
# The caller sets SESSION_NAME for its log lines.

log() { echo "${SESSION_NAME}: $*" >&2; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# wait_for TIMEOUT_S CMD... : poll CMD every 20 ms until it succeeds
wait_for() {
    local deadline=$(( $(now_ns) + $1 * 1000000000 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ns)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# alive PID : process exists and is not a zombie
alive() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
