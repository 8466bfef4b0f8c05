#!/bin/bash
# The hand prototype behind database.topology "cluster" (issue #18), kept because README figures
# cite it: three MariaDB Galera nodes (Debian 12: mariadb-server, galera-4, mariadb-backup, socat)
# in three network namespaces on one bridge, started by hand without the payloads or the lab's
# roots, with the settings the payload renders: replication and IST over TLS (socket.ssl_*, an
# openssl CA made here), SST by mariabackup through socat with CA verification, the payload's
# failure-detector timeouts, galera_recovery before a restart. It measures: two SSTs, write→read
# lag between every pair (incl. a mariadb client start), kill -9 of a node under acknowledged
# writes on every node (persistent connections; every acknowledged row checked on every node),
# the restart's IST, a partition of one node (minority refuses writes, majority writes, IST on heal).
# Run as root under the lab lock, on a machine with no lab up:
#   flock /tmp/sws-lab.lock lab/prototype/galera-prototype.sh
# Namespaces gp-br, gp-db1..3 are its own and removed at the end; its files stay in /tmp/gproto.
# Needs bc and nodejs + node-mysql (the lab installs them).
set -u
B=/tmp/gproto; N=3
mkdir -p $B && cp "$(dirname "$0")/galera-writer.js" $B/writer.js
T0=$(date +%s.%N)
ts() { printf '%6.2f' "$(echo "$(date +%s.%N) - $T0" | bc)"; }
log() { echo "[$(ts)] $*"; }
ipof() { echo 10.99.0.4$1; }
cleanup() {
  for i in 1 2 3; do [ -f $B/db$i/pid ] && kill -9 $(cat $B/db$i/pid) 2>/dev/null; done
  sleep 0.5
  for i in 1 2 3; do ip netns del gp-db$i 2>/dev/null; done; ip netns del gp-br 2>/dev/null
}
cleanup; rm -rf $B/db? $B/ca; mkdir -p $B/ca
# CA + certs
cd $B/ca
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=proto CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
for i in 1 2 3; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k$i.pem -out c$i.csr -subj "/CN=db-$i.sws.internal" 2>/dev/null
  printf "subjectAltName=DNS:db-$i.sws.internal,IP:$(ipof $i)\nextendedKeyUsage=serverAuth,clientAuth\n" > e$i
  openssl x509 -req -in c$i.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile e$i -out crt$i.pem 2>/dev/null
  cat crt$i.pem k$i.pem > node$i.pem; chgrp mysql node$i.pem; chmod 640 node$i.pem
done
chmod 755 $B/ca; chmod 644 ca.pem
# network
ip netns add gp-br; ip -n gp-br link add br0 type bridge; ip -n gp-br link set br0 up
for i in 1 2 3; do
  ip netns add gp-db$i
  ip link add gpv$i netns gp-db$i type veth peer name gpb$i netns gp-br
  ip -n gp-br link set gpb$i master br0 up
  ip -n gp-db$i addr add $(ipof $i)/24 dev gpv$i; ip -n gp-db$i link set gpv$i up; ip -n gp-db$i link set lo up
done
for i in 1 2 3; do
  d=$B/db$i; mkdir -p $d/data $d/run; chown -R mysql:mysql $d
  cat > $d/my.cnf <<CNF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/run/mysqld.sock
pid-file=$d/run/mysqld.pid
log-error=$d/error.log
bind-address=0.0.0.0
port=3306
skip-name-resolve
server_id=4$i
log_bin=binlog
log_slave_updates=ON
binlog_format=ROW
innodb_autoinc_lock_mode=2
innodb_flush_log_at_trx_commit=1
sync_binlog=1
innodb_log_file_size=16M
innodb_buffer_pool_size=64M
ssl_ca=$B/ca/ca.pem
ssl_cert=$B/ca/node$i.pem
ssl_key=$B/ca/node$i.pem
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=sws-proto
wsrep_cluster_address=gcomm://$(ipof 1),$(ipof 2),$(ipof 3)
wsrep_node_address=$(ipof $i)
wsrep_node_name=db-$i
wsrep_sst_method=mariabackup
wsrep_sst_auth=mysql:
wsrep_provider_options="socket.ssl_cert=$B/ca/node$i.pem;socket.ssl_key=$B/ca/node$i.pem;socket.ssl_ca=$B/ca/ca.pem;gcache.size=64M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT3S;evs.keepalive_period=PT0.5S"
[sst]
ssl-mode=VERIFY_CA
[client]
socket=$d/run/mysqld.sock
CNF
done
nx() { ip netns exec gp-db$1 "${@:2}"; }
sql() { local i=$1; shift; nx $i mariadb --defaults-file=$B/db$i/my.cnf -Nse "$*"; }
start() { local i=$1; shift; ip netns exec gp-db$i mariadbd --defaults-file=$B/db$i/my.cnf "$@" >>$B/db$i/stdout 2>&1 & echo $! > $B/db$i/pid; }
waitsynced() { local i=$1 t; for t in $(seq 1 240); do [ "$(sql $i "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = Synced ] && return 0; sleep 0.25; done; return 1; }
status() { for i in "$@"; do echo "   db-$i: $(sql $i "SELECT CONCAT_WS(' ', (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_SIZE'),(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_STATUS'),(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'),(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LAST_COMMITTED'))" 2>&1 | head -1)"; done; }
log "install-db x3"
for i in 1 2 3; do mariadb-install-db --defaults-file=$B/db$i/my.cnf --user=mysql --skip-test-db --auth-root-authentication-method=socket >/dev/null 2>&1 || { echo install-db failed; tail $B/db$i/error.log; }; done
log "bootstrap db-1"; start 1 --wsrep-new-cluster; waitsynced 1 || { tail -30 $B/db1/error.log; cleanup; exit 1; }
log "db-1 synced"
sql 1 "CREATE DATABASE app; CREATE TABLE app.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(8), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB; INSERT INTO app.t(node) SELECT 'seed' FROM app.seq_1_to_20000; CREATE USER proto@'%' IDENTIFIED BY 'pw'; GRANT ALL ON app.* TO proto@'%';"
log "db-2 join (SST)"; start 2; waitsynced 2 || { tail -40 $B/db2/error.log; }; log "db-2 synced"
log "db-3 join (SST)"; start 3; waitsynced 3 || { tail -40 $B/db3/error.log; }; log "db-3 synced"
grep -E "SST.*(complete|succeeded)|SSL configuration|Using openssl|socat" $B/db2/error.log | head -5
status 1 2 3
log "TLS on gcomm: $(nx 1 ss -tnp | grep -c ':4567')"; nx 1 timeout 2 openssl s_client -connect $(ipof 2):4567 -CAfile $B/ca/ca.pem </dev/null 2>/dev/null | grep -E 'Verify return|Protocol|Cipher is' | head -3
# lag: write on each, poll the others
for i in 1 2 3; do
  for j in 1 2 3; do [ $i = $j ] && continue
   id=$(sql $i "INSERT INTO app.t(node) VALUES ('n$i'); SELECT LAST_INSERT_ID();"); s=$(date +%s%N)
   until [ "$(sql $j "SELECT COUNT(*) FROM app.t WHERE id=$id")" = 1 ]; do :; done
   echo "   lag db-$i → db-$j: $(( ($(date +%s%N)-s)/1000000 )) ms (incl. a client start)"
  done
done
# kill -9 db-3 under writes on db-1, db-2, db-3 (persistent connections)
log "writers on each node (10 s), kill -9 db-3 at +3 s"
for i in 1 2 3; do ip netns exec gp-db1 env NODE_PATH=/usr/share/nodejs node $B/writer.js $(ipof $i) w$i 10 $B/w$i.json & done
sleep 3; kill -9 $(cat $B/db3/pid); log "killed db-3 (pid $(cat $B/db3/pid))"
wait_w() { while pgrep -f "$B/writer.js" >/dev/null; do sleep 0.2; done; }; wait_w
for i in 1 2 3; do node -e 'const r=require(process.argv[1]); console.log(`   writer ${r.tag}: ${r.acked.length} acked, ${r.errors} errors, longest gap between acks ${r.maxGap} ms`)' $B/w$i.json; done
status 1 2
log "restart db-3 (expect IST)"; sleep 1; POS=$(ip netns exec gp-db3 /usr/bin/galera_recovery --defaults-file=$B/db3/my.cnf); log "recovered $POS"; start 3 $POS; sleep 1; waitsynced 3; log "db-3 synced"
grep -Ei "IST received|Prepared IST|SST completed|State transfer required|Recovered position" $B/db3/error.log | tail -4
status 1 2 3
for i in 1 2 3; do ids=$(node -e 'const a=[1,2,3].flatMap(i=>require(`/tmp/gproto/w${i}.json`).acked); console.log(a.join(","))'); n=$(echo $ids | tr , '\n' | wc -l); echo "   db-$i: acknowledged rows present $(sql $i "SELECT COUNT(*) FROM app.t WHERE id IN ($ids)") of $n"; done
# partition db-1
log "partition db-1 (drop all on its interface)"
nx 1 nft -f - <<NFT
table inet gpart {
  chain i { type filter hook input priority 0; iifname "gpv1" drop; }
  chain o { type filter hook output priority 0; oifname "gpv1" drop; }
}
NFT
sleep 8; status 1 2 3
log "write on db-1 (minority): $(sql 1 "INSERT INTO app.t(node) VALUES ('minority')" 2>&1 | tail -1)"
log "write on db-2 (majority): $(sql 2 "INSERT INTO app.t(node) VALUES ('majority'); SELECT 'ok'" 2>&1 | head -1)"
nx 1 nft delete table inet gpart; log "healed"
waitsynced 1; log "db-1 synced again"; grep -Ei "IST received|SST completed|Prepared IST" $B/db1/error.log | tail -2; status 1 2 3
for i in 1 2 3; do echo "   db-$i majority=$(sql $i "SELECT COUNT(*) FROM app.t WHERE node='majority'") minority=$(sql $i "SELECT COUNT(*) FROM app.t WHERE node='minority'") checksum=$(sql $i "CHECKSUM TABLE app.t" | cut -f2)"; done
cleanup; log done
