#!/bin/bash
# HAProxy drops a log line rather than wait, and counts it (lab/README.md "Monitoring sinks": the
# balancer's missing access-log line). Kept because the README's figures cite it.
#
# The payload's logging (`log stdout format raw`, `option httplog`, stdout appended to a file) with
# HAProxy's default thread count on this machine (nbthread = cores), a front end that answers by
# itself (no backend: only the log path is measured), and h2load sending REQUESTS requests over 16
# connections. Per run it prints the requests h2load saw answered, HAProxy's own CumReq and
# DroppedLogs (`show info`), and the lines in the file: lines + DroppedLogs = requests when
# HAProxy's counter accounts for every missing line.
#
#   /work/bin/heavy lab/prototype/haproxy-log-drops.sh [RUNS] [REQUESTS] [DIR]
#
# DIR (default /dev/shm: tmpfs, where drops showed most) holds the log file. Runs in its own network
# namespace (unshare -n; port 18080 on its loopback only); needs haproxy, h2load (nghttp2-client),
# socat. Removes its files at the end.
set -eu
RUNS=${1:-4}
REQUESTS=${2:-50000}
DIR=${3:-/dev/shm}
W=$(mktemp -d)
LOG="$DIR/sws-haproxy-log-drops.$$.log"
trap 'rm -rf "$W" "$LOG"' EXIT
cat > "$W/haproxy.cfg" <<EOF
global
    log stdout format raw local0 info
    stats socket $W/admin.sock mode 600 level admin
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend f
    bind 127.0.0.1:18080
    http-request return status 200 content-type text/plain string ok
EOF
export W LOG REQUESTS
unshare -n bash -euc '
ip link set lo up
for i in $(seq 1 '"$RUNS"'); do
  rm -f "$LOG"
  haproxy -f "$W/haproxy.cfg" >> "$LOG" 2>/dev/null &
  pid=$!
  for _ in $(seq 50); do [ -S "$W/admin.sock" ] && break; sleep 0.1; done
  ok=$(h2load -n "$REQUESTS" -c 16 -m 1 --h1 http://127.0.0.1:18080/static/robots.txt 2>&1 | awk "/^status codes:/{print \$3}")
  sleep 1
  info=$(echo "show info" | socat stdio "UNIX-CONNECT:$W/admin.sock")
  get() { echo "$info" | awk -F": " -v k="$1" "\$1 == k {print \$2}"; }
  lines=$(grep -c "GET /static/robots.txt " "$LOG" || true)
  echo "run $i: answered $ok, Nbthread $(get Nbthread), CumReq $(get CumReq), DroppedLogs $(get DroppedLogs), lines in the file $lines, lines + DroppedLogs $((lines + $(get DroppedLogs)))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$W/admin.sock"
done
'
