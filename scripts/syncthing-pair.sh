#!/usr/bin/env bash
# syncthing-pair.sh - two real Syncthing devices on loopback sharing one folder, for end-to-end
# tests of presence on several devices.
#
# Starts, in a private run dir:  syncthing "a" (sync port 127.0.0.1:22101, GUI/REST 127.0.0.1:18401)
#                                syncthing "b" (sync port 127.0.0.1:22102, GUI/REST 127.0.0.1:18402)
# each with its own home, both sharing folder id "presence" (RUNDIR/a/sync and RUNDIR/b/sync),
# and tears down exactly those PIDs again.
#
# Loopback only: global and local discovery, relays, NAT traversal, STUN, usage and crash
# reporting and upgrades are all switched off, and each device knows the other only at
# tcp://127.0.0.1:PORT. No other address is ever contacted.
#
# Usage:
#   eval "$(./syncthing-pair.sh start)"   # exports SYNC_A, SYNC_B (the two synced folders),
#                                         #   SYNC_A_API / SYNC_B_API (REST base URLs), SYNC_APIKEY, SYNC_RUNDIR
#   echo hi > "$SYNC_A/x"                 # appears in $SYNC_B/x within a few seconds
#   curl -s -H "X-API-Key: $SYNC_APIKEY" "$SYNC_A_API/rest/db/status?folder=presence"
#   curl -s -X POST -H "X-API-Key: $SYNC_APIKEY" "$SYNC_A_API/rest/db/scan?folder=presence"   # rescan now
#   ./syncthing-pair.sh stop "$SYNC_RUNDIR"
#
# Knobs: SYNC_PORT_BASE=22100 (sync ports BASE+1, BASE+2)  SYNC_GUI_BASE=18400
# Needs (Debian 12): apt-get install -y --no-install-recommends syncthing   (1.19; verified here:
#   a file written in one folder appeared in the other within ~2 s of the devices connecting,
#   which takes ~1-3 s after start)
set -Eeuo pipefail

log() { echo "syncthing-pair: $*" >&2; }

wait_for() {  # wait_for TIMEOUT_S CMD... : poll every 100 ms
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

configure() {  # configure HOME MY_ID OTHER_ID SYNC_PORT OTHER_PORT GUI_PORT FOLDER APIKEY
    python3 - "$@" <<'EOF'
import re, sys
home, me, other, port, oport, gui, folder, key = sys.argv[1:]
p = f"{home}/config.xml"
s = open(p).read()
sets = {
    "listenAddress": f"tcp://127.0.0.1:{port}", "globalAnnounceEnabled": "false",
    "localAnnounceEnabled": "false", "relaysEnabled": "false", "natEnabled": "false",
    "urAccepted": "-1", "crashReportingEnabled": "false", "autoUpgradeIntervalH": "0",
    "startBrowser": "false", "stunKeepaliveStartS": "0", "stunServer": "",
    "announceLANAddresses": "false",
}
for tag, val in sets.items():
    s, n = re.subn(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{val}</{tag}>", s)
    if n == 0:
        s = s.replace("</options>", f"<{tag}>{val}</{tag}></options>")
s = re.sub(r"<globalAnnounceServer>[^<]*</globalAnnounceServer>", "", s)
s = re.sub(r"(<gui\b[^>]*>)(.*?)(</gui>)",
           lambda m: m.group(1) + f"<address>127.0.0.1:{gui}</address><apikey>{key}</apikey>" + m.group(3),
           s, flags=re.S)
s = re.sub(r'<device id="[^"]*" name="[^"]*"[^>]*>.*?</device>\s*', "", s, flags=re.S)  # the generated self entry
folder_xml = (f'<folder id="presence" label="presence" path="{folder}" type="sendreceive" '
              f'rescanIntervalS="10" fsWatcherEnabled="true" fsWatcherDelayS="1">'
              f'<device id="{me}"></device><device id="{other}"></device></folder>')
dev = lambda i, addr: (f'<device id="{i}" compression="metadata" introducer="false">'
                       f'<address>{addr}</address><autoAcceptFolders>false</autoAcceptFolders></device>')
s = s.replace("</configuration>", folder_xml + dev(me, "dynamic") +
              dev(other, f"tcp://127.0.0.1:{oport}") + "</configuration>")
open(p, "w").write(s)
EOF
}

start() {
    command -v syncthing >/dev/null || { log "syncthing is not installed (apt-get install syncthing)"; exit 1; }
    local base=${SYNC_PORT_BASE:-22100} gbase=${SYNC_GUI_BASE:-18400}
    local rundir key ids=() n i
    rundir=$(mktemp -d "${TMPDIR:-/tmp}/presence-sync.XXXXXX")  # the caller may keep it in its own tmp
    key=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    for n in a b; do
        mkdir -p "$rundir/$n/sync"
        syncthing generate --home="$rundir/$n/home" --no-default-folder >/dev/null 2>&1 \
            || { log "syncthing generate failed"; exit 1; }
        ids+=("$(syncthing --home="$rundir/$n/home" --device-id)")
    done
    configure "$rundir/a/home" "${ids[0]}" "${ids[1]}" $((base + 1)) $((base + 2)) $((gbase + 1)) "$rundir/a/sync" "$key"
    configure "$rundir/b/home" "${ids[1]}" "${ids[0]}" $((base + 2)) $((base + 1)) $((gbase + 2)) "$rundir/b/sync" "$key"
    i=1
    for n in a b; do
        STNODEFAULTFOLDER=1 STNOUPGRADE=1 syncthing serve --home="$rundir/$n/home" --no-browser \
            --no-restart --no-upgrade --logfile="$rundir/$n/syncthing.log" </dev/null >/dev/null 2>&1 &
        echo $! >"$rundir/$n/pid"
        wait_for 20 curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$((gbase + i))/rest/system/ping" \
            || { log "syncthing $n did not answer"; stop "$rundir"; exit 1; }
        i=$((i + 1))
    done
    echo "export SYNC_RUNDIR='$rundir'"
    echo "export SYNC_A='$rundir/a/sync' SYNC_B='$rundir/b/sync'"
    echo "export SYNC_A_API='http://127.0.0.1:$((gbase + 1))' SYNC_B_API='http://127.0.0.1:$((gbase + 2))'"
    echo "export SYNC_APIKEY='$key'"
    log "ready: a=${ids[0]:0:7} b=${ids[1]:0:7} in $rundir"
}

stop() {
    local rundir=$1 n pid count=0
    [ -d "$rundir" ] || { log "no such run dir: $rundir"; exit 1; }
    for n in a b; do
        [ -f "$rundir/$n/pid" ] || continue
        pid=$(cat "$rundir/$n/pid")
        if kill "$pid" 2>/dev/null; then
            count=$((count + 1))
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$rundir"
    log "stopped $count process(es), removed $rundir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:?usage: $0 stop RUNDIR}" ;;
    *) echo "usage: $0 start | stop RUNDIR" >&2; exit 2 ;;
esac
