#!/usr/bin/env bash
# wayland-session.sh - a throw-away headless Wayland session (sway) for presence's end-to-end tests.
# The project's copy of ../shared/desktop/wayland-session.sh (same interface, same knobs);
# tests/wayland_helpers.py drives it.
#
# Starts, in a private run dir:  sway (wlroots headless backend + pixman software renderer:
#                                no GPU, no /dev/dri, no input devices, no seatd/logind, no D-Bus)
#                                with a minimal config (no bar, no wallpaper, no swaynag, XWayland off)
#                                [+ Xwayland, only with E2E_XWAYLAND=1]
# and tears down exactly those PIDs again.
#
# Usage:
#   eval "$(scripts/wayland-session.sh start)" # exports WAYLAND_DISPLAY, SWAYSOCK, XDG_RUNTIME_DIR, E2E_RUNDIR
#                                              #   (+ DISPLAY with E2E_XWAYLAND=1)
#   foot --app-id code &                       # any Wayland client
#   swaymsg '[app_id="code"] focus'            # drive focus
#   swaymsg -t get_tree                        # the node with "focused": true has app_id, name, pid
#   swaymsg seat - cursor move 0 0             # counts as user activity for idle (swayidle resume)
#   scripts/wayland-session.sh stop "$E2E_RUNDIR" # kills exactly the recorded PIDs, removes the run dir
#   scripts/wayland-session.sh status "$E2E_RUNDIR"
#
# Root: sway 1.7 refuses to run as uid 0 ("Unable to drop root ... refusing to start"; no flag
# overrides it), so when started as root, sway runs as E2E_SWAY_USER (default: nobody) via
# setpriv(1). Clients may still run as root: root can use the sockets in the nobody-owned
# XDG_RUNTIME_DIR. (Xwayland is stricter: X11 clients are refused unless they run as the sway
# user, or xhost is installed - then this script allows root with "xhost +si:localuser:root".)
#
# Knobs: E2E_SCREEN=1280x800   E2E_SWAY_USER=nobody (root only)   E2E_XWAYLAND=0|1   E2E_SWAY_DEBUG=0|1
# Needs (Debian 12): apt-get install -y --no-install-recommends sway
#   (+ foot swayidle wayland-utils wtype for clients/idle/inspection;
#    + xwayland x11-xserver-utils only for E2E_XWAYLAND=1)
set -Eeuo pipefail

SESSION_NAME=wayland-session
# shellcheck source=scripts/session-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/session-lib.sh"

# ready_or_dead PID SOCK : sway answers on its IPC socket, or sway is gone (checked by the caller)
ready_or_dead() { ! alive "$1" || swaymsg -s "$2" -t get_version; }

# xwayland_of SWAY_PID UID : print "N PID" for the Xwayland that this sway started (display :N)
xwayland_of() {
    local lock n p
    for lock in /tmp/.X*-lock; do
        [ -f "$lock" ] && [ "$(tr -d ' \n\0' < "$lock" 2>/dev/null)" = "$1" ] || continue
        n=${lock#/tmp/.X}; n=${n%-lock}
        for p in /proc/[0-9]*; do
            [ "$(stat -c %u "$p" 2>/dev/null)" = "$2" ] || continue
            if [ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null | cut -d' ' -f1,2)" = "Xwayland :$n" ]; then
                echo "$n ${p#/proc/}"; return 0
            fi
        done
    done
    return 1
}

do_stop() {
    local rundir=${1:-${E2E_RUNDIR:-}}
    if [ -z "$rundir" ] || [ ! -f "$rundir/pids" ]; then
        log "stop: no pids file in '${rundir}'"; return 1
    fi
    local name pid deadline sway_killed=0
    local -a mine=()
    # file order: sway first (so it cannot respawn Xwayland), then Xwayland
    while read -r name pid; do
        # guard against PID reuse: only signal if /proc/PID/comm is still the program we started
        if alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            mine+=("$pid")
        fi
    done < "$rundir/pids"
    deadline=$(( $(now_ns) + 5000000000 ))
    for pid in "${mine[@]+"${mine[@]}"}"; do
        while alive "$pid" && [ "$(now_ns)" -lt "$deadline" ]; do sleep 0.02; done
        if alive "$pid"; then
            log "stop: pid $pid ignored SIGTERM, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
            [ "$pid" = "$(awk '$1=="sway"{print $2}' "$rundir/pids")" ] && sway_killed=1
        fi
    done
    # sway (wlroots) removes its X11 socket + lock itself on a clean exit; clean up only after SIGKILL
    if [ "$sway_killed" = 1 ] && [ -s "$rundir/x11-display" ]; then
        local n; n=$(head -1 "$rundir/x11-display")
        rm -f "/tmp/.X${n}-lock" "/tmp/.X11-unix/X${n}"
    fi
    rm -rf "$rundir"
    log "stopped ${#mine[@]} process(es), removed $rundir"
}

do_start() {
    local b
    for b in sway swaymsg; do
        command -v "$b" >/dev/null || { log "missing $b"; exit 2; }
    done
    local screen=${E2E_SCREEN:-1280x800} xw=${E2E_XWAYLAND:-0} dbg=${E2E_SWAY_DEBUG:-0}
    local uid gid user
    local -a runas=()
    if [ "$(id -u)" = 0 ]; then
        # sway 1.7 exits with "Unable to drop root ... refusing to start" when uid 0 can setuid(0)
        user=${E2E_SWAY_USER:-nobody}
        uid=$(id -u "$user") && gid=$(id -g "$user") || { log "no user '$user'"; exit 2; }
        [ "$uid" != 0 ] || { log "E2E_SWAY_USER must not be root (sway refuses to run as root)"; exit 2; }
        command -v setpriv >/dev/null || { log "missing setpriv (util-linux)"; exit 2; }
        runas=(setpriv "--reuid=$uid" "--regid=$gid" --clear-groups)
    else
        uid=$(id -u); gid=$(id -g)
    fi
    if [ "$xw" = 1 ]; then
        command -v Xwayland >/dev/null || { log "missing Xwayland (apt-get install xwayland)"; exit 2; }
    fi

    local rundir t0 t
    rundir=$(mktemp -d /tmp/presence-wl.XXXXXX)   # short path: unix socket paths max 107 bytes
    t0=$(now_ns)
    # on any failure below, tear down what was already started
    trap 'log "start failed, tearing down"; do_stop "'"$rundir"'" || true' ERR
    : > "$rundir/pids"
    chmod 0711 "$rundir"                          # the sway user must reach xdg/ and sway.config
    local xdg="$rundir/xdg"
    install -d -m 0700 -o "$uid" -g "$gid" "$xdg" "$rundir/home"

    # minimal config: no bar (no swaybar), no "output * bg" (no swaybg), no swaynag on config errors;
    # focus changes only through explicit commands / new windows
    cat > "$rundir/sway.config" <<EOF
swaynag_command -
xwayland $([ "$xw" = 1 ] && echo force || echo disable)
output HEADLESS-1 resolution $screen position 0 0
focus_follows_mouse no
mouse_warping none
EOF
    chmod 0644 "$rundir/sway.config"

    # 1. sway. env -i: nothing from the caller's session (WAYLAND_DISPLAY, DISPLAY, DBUS_...) leaks in.
    #    env and setpriv both exec, so $! is sway's own PID.
    t=$(now_ns)
    local -a dflag=()
    [ "$dbg" = 1 ] && dflag=(-d)
    env -i PATH="$PATH" HOME="$rundir/home" LANG=C.UTF-8 XDG_RUNTIME_DIR="$xdg" \
        WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_HEADLESS_OUTPUTS=1 \
        "${runas[@]+"${runas[@]}"}" sway "${dflag[@]+"${dflag[@]}"}" -c "$rundir/sway.config" \
        </dev/null >"$rundir/sway.log" 2>&1 &
    local spid=$!
    echo "sway $spid" >> "$rundir/pids"
    local sock="$xdg/sway-ipc.$uid.$spid.sock"    # sway's naming: sway-ipc.<uid>.<pid>.sock
    wait_for 15 ready_or_dead "$spid" "$sock" && alive "$spid" \
        || { log "sway did not start: $(tail -5 "$rundir/sway.log")"; false; }
    wait_for 5 eval 'swaymsg -s "$sock" -r -t get_outputs | grep -Eq "\"active\": ?true"' \
        || { log "no active output: $(tail -5 "$rundir/sway.log")"; false; }
    local wl s
    for s in "$xdg"/wayland-*; do
        [ -S "$s" ] && wl=${s##*/} && break
    done
    [ -n "${wl:-}" ] || { log "no wayland socket in $xdg"; false; }
    log "sway (uid $uid) up on $wl in $(ms_since "$t") ms"

    # 2. optional Xwayland ("xwayland force" starts it at once, so its PID can be recorded)
    local x11=""
    if [ "$xw" = 1 ]; then
        t=$(now_ns)
        local xinfo
        wait_for 10 xwayland_of "$spid" "$uid" || { log "Xwayland did not start"; false; }
        xinfo=$(xwayland_of "$spid" "$uid")
        echo "Xwayland ${xinfo#* }" >> "$rundir/pids"
        x11=":${xinfo%% *}"; echo "${xinfo%% *}" > "$rundir/x11-display"
        wait_for 10 test -S "/tmp/.X11-unix/X${xinfo%% *}" || { log "no X11 socket"; false; }
        if [ "$uid" != "$(id -u)" ]; then
            if command -v xhost >/dev/null; then
                # Xwayland only admits its own uid; let the caller (root) in as well
                wait_for 10 env DISPLAY="$x11" "${runas[@]}" xhost "+si:localuser:$(id -un)" \
                    || { log "xhost failed on $x11"; false; }
            else
                log "note: no xhost; X11 clients must run as uid $uid: ${runas[*]} CMD"
            fi
        fi
        log "Xwayland $x11 up in $(ms_since "$t") ms"
    fi
    trap - ERR

    {
        echo "export WAYLAND_DISPLAY='$wl'"
        echo "export SWAYSOCK='$sock'"
        echo "export XDG_RUNTIME_DIR='$xdg'"
        echo "export E2E_RUNDIR='$rundir'"
        [ -z "$x11" ] || echo "export DISPLAY='$x11'"
    } > "$rundir/env.sh"
    log "ready in $(ms_since "$t0") ms; pids: $(tr '\n' ' ' < "$rundir/pids")"
    cat "$rundir/env.sh"     # stdout: for eval "$(wayland-session.sh start)"
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
