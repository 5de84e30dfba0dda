#!/usr/bin/env bash
# desktop-session.sh - a throw-away headless X11 desktop for presence's end-to-end tests.
# The project's copy of ../shared/desktop/desktop-session.sh (same interface, same knobs).
#
# Starts, in a private run dir:  Xvfb (first free display, via -displayfd)
#                                openbox (EWMH WM: sets _NET_ACTIVE_WINDOW)
#                                a private D-Bus session bus (no auto-activation)
#                                dunst (org.freedesktop.Notifications, logs each notification)
# and tears down exactly those PIDs again.
#
# Usage:
#   eval "$(scripts/desktop-session.sh start)"   # exports DISPLAY, DBUS_SESSION_BUS_ADDRESS, E2E_RUNDIR
#   ...run tests...                               # dunst -print logs notifications to $E2E_RUNDIR/dunst.log
#   scripts/desktop-session.sh stop "$E2E_RUNDIR" # kills exactly the recorded PIDs, removes the run dir
#   scripts/desktop-session.sh status "$E2E_RUNDIR"
#
# Knobs: E2E_WM=openbox|none   E2E_NOTIFYD=dunst|none   E2E_SCREEN=1280x800x24
#        E2E_DUNST_CONFIG=FILE (dunst -config FILE)
# Needs (Debian 12): apt-get install -y --no-install-recommends xvfb openbox dbus dunst x11-utils
#   (+ xdotool libnotify-bin xterm for driving/inspecting; dbus-x11 is NOT needed)
set -Eeuo pipefail

SESSION_NAME=desktop-session
# shellcheck source=scripts/session-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/session-lib.sh"

wm_ready()    { xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id'; }
notif_owned() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q 'boolean true'
}

do_stop() {
    local rundir=${1:-${E2E_RUNDIR:-}}
    if [ -z "$rundir" ] || [ ! -f "$rundir/pids" ]; then
        log "stop: no pids file in '${rundir}'"; return 1
    fi
    local name pid deadline
    local -a mine=()
    # reverse start order: dunst, dbus-daemon, openbox, Xvfb
    while read -r name pid; do
        # guard against PID reuse: only signal if /proc/PID/comm is still the program we started
        if alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            mine+=("$pid")
        fi
    done < <(tac "$rundir/pids")
    deadline=$(( $(now_ns) + 5000000000 ))
    for pid in "${mine[@]+"${mine[@]}"}"; do
        while alive "$pid" && [ "$(now_ns)" -lt "$deadline" ]; do sleep 0.02; done
        if alive "$pid"; then
            log "stop: pid $pid ignored SIGTERM, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
            deadline=$(( $(now_ns) + 2000000000 ))
            while alive "$pid" && [ "$(now_ns)" -lt "$deadline" ]; do sleep 0.02; done
        fi
    done
    # Xvfb removes its lock and socket itself on a clean exit; after a SIGKILL (ours, or a test
    # that killed the server on purpose) they stay behind: remove them while they are still ours
    local xpid n
    xpid=$(awk '$1=="Xvfb"{print $2}' "$rundir/pids")
    if [ -n "$xpid" ] && ! alive "$xpid" && [ -s "$rundir/display" ]; then
        n=$(head -1 "$rundir/display")
        # without a lock naming our dead server the display number may already be someone
        # else's: leave the socket alone (a stale socket file does not block the number)
        if [ -f "/tmp/.X${n}-lock" ] && [ "$(tr -d ' \n' < "/tmp/.X${n}-lock")" = "$xpid" ]; then
            rm -f "/tmp/.X${n}-lock" "/tmp/.X11-unix/X${n}"
        fi
    fi
    rm -rf "$rundir"
    log "stopped ${#mine[@]} process(es), removed $rundir"
}

do_start() {
    local b
    for b in Xvfb xprop dbus-daemon dbus-send; do
        command -v "$b" >/dev/null || { log "missing $b"; exit 2; }
    done
    local wm=${E2E_WM:-openbox} nd=${E2E_NOTIFYD:-dunst} screen=${E2E_SCREEN:-1280x800x24}
    [ "$wm" = none ] || command -v "$wm" >/dev/null || { log "missing $wm"; exit 2; }
    [ "$nd" = none ] || command -v "$nd" >/dev/null || { log "missing $nd"; exit 2; }

    local rundir t0 t
    rundir=$(mktemp -d /tmp/presence-e2e.XXXXXX)   # short path: unix socket paths max 107 bytes
    t0=$(now_ns)
    # on any failure below, tear down what was already started
    trap 'log "start failed, tearing down"; do_stop "'"$rundir"'" || true' ERR
    : > "$rundir/pids"
    mkdir -p "$rundir/xdg-config" "$rundir/xdg-cache" "$rundir/xdg-data"
    # keep openbox/dunst from reading or writing anything under $HOME
    export XDG_CONFIG_HOME="$rundir/xdg-config" XDG_CACHE_HOME="$rundir/xdg-cache" XDG_DATA_HOME="$rundir/xdg-data"

    # 1. Xvfb: -displayfd 3 = pick the first free display number and write it to fd 3 once ready
    t=$(now_ns)
    Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp -noreset \
        3>"$rundir/display" </dev/null >"$rundir/xvfb.log" 2>&1 &
    echo "Xvfb $!" >> "$rundir/pids"
    wait_for 15 test -s "$rundir/display" || { log "Xvfb did not start: $(cat "$rundir/xvfb.log")"; false; }
    export DISPLAY=":$(head -1 "$rundir/display")"
    wait_for 10 xprop -root -len 0 _XKB_RULES_NAMES || { log "X server $DISPLAY not answering"; false; }
    log "Xvfb $DISPLAY up in $(ms_since "$t") ms"

    # 2. window manager
    if [ "$wm" != none ]; then
        t=$(now_ns)
        "$wm" --sm-disable </dev/null >"$rundir/wm.log" 2>&1 &
        echo "$wm $!" >> "$rundir/pids"
        wait_for 10 wm_ready || { log "$wm did not set _NET_SUPPORTING_WM_CHECK: $(cat "$rundir/wm.log")"; false; }
        log "$wm up in $(ms_since "$t") ms"
    fi

    # 3. private session bus; no <servicedir> content, so nothing gets auto-activated (no stray daemons)
    t=$(now_ns)
    mkdir -p "$rundir/dbus-services"
    cat > "$rundir/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=$rundir/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$rundir/dbus-services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$rundir/session.conf" --nofork --nopidfile --print-address=3 \
        3>"$rundir/bus.addr" </dev/null >"$rundir/dbus.log" 2>&1 &
    echo "dbus-daemon $!" >> "$rundir/pids"
    wait_for 10 test -s "$rundir/bus.addr" || { log "dbus-daemon did not start: $(cat "$rundir/dbus.log")"; false; }
    export DBUS_SESSION_BUS_ADDRESS; DBUS_SESSION_BUS_ADDRESS=$(head -1 "$rundir/bus.addr")
    log "dbus-daemon up in $(ms_since "$t") ms"

    # 4. notification server
    if [ "$nd" != none ]; then
        t=$(now_ns)
        if [ "$nd" = dunst ]; then
            # E2E_DUNST_CONFIG: a dunstrc (e.g. with `dmenu = PICKER` to drive actions)
            dunst ${E2E_DUNST_CONFIG:+-config "$E2E_DUNST_CONFIG"} -print \
                </dev/null >"$rundir/dunst.log" 2>"$rundir/dunst.err" &
        else
            "$nd" </dev/null >"$rundir/notifyd.log" 2>&1 &
        fi
        echo "$nd $!" >> "$rundir/pids"
        wait_for 10 notif_owned || { log "$nd did not take org.freedesktop.Notifications"; false; }
        log "$nd up in $(ms_since "$t") ms"
    fi
    trap - ERR

    cat > "$rundir/env.sh" <<EOF
export DISPLAY='$DISPLAY'
export DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS'
export E2E_RUNDIR='$rundir'
EOF
    log "ready in $(ms_since "$t0") ms; pids: $(tr '\n' ' ' < "$rundir/pids")"
    cat "$rundir/env.sh"     # stdout: for eval "$(desktop-session.sh start)"
}

do_status() {
    local rundir=${1:-${E2E_RUNDIR:-}} name pid
    [ -f "$rundir/pids" ] || { echo "no environment at '$rundir'"; return 1; }
    cat "$rundir/env.sh" 2>/dev/null || true
    while read -r name pid; do
        if alive "$pid"; then echo "$name $pid running"; else echo "$name $pid DEAD"; fi
    done < "$rundir/pids"
}

case "${1:-}" in
    start)  do_start ;;
    stop)   do_stop "${2:-}" ;;
    status) do_status "${2:-}" ;;
    *) echo "usage: $0 start | stop [RUNDIR] | status [RUNDIR]" >&2; exit 64 ;;
esac
