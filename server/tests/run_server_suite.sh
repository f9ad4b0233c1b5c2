#!/bin/sh
# server/tests/run_server_suite.sh: the 'server' suite. Starts ftkv on a free
# loopback port and drives it with Debian's redis-cli and redis-benchmark
# and with raw sockets (ftkv_check.py):
#   1. redis-cli: every command, its error replies, binary values (-x);
#   2. exact RESP replies of every command (ftkv_check.py correctness);
#   3. INCR exactness: redis-benchmark -t incr -n N -c 50, then GET = N;
#   4. a bounded mixed load (redis-benchmark, and 8 raw clients with exact
#      totals);
#   5. hostile input (ftkv_check.py hostile);
#   6. live objects back to the baseline after FLUSHALL + MEMORY TRIM, and
#      the RSS within 25 % of its baseline (not under FTKV_SUITE_SHORT);
#   7. clean shutdown: SIGTERM, exit status 0, nothing on stderr but the
#      shutdown line (a sanitizer report fails the suite);
#   8. a second server with --maxclients 2 --maxmemory 1: the third client
#      is refused, writes get -OOM, reads and DEL still work.
#
#   sh server/tests/run_server_suite.sh BUILD/server/ftkv
#   FTKV_SUITE_SHORT=1 ...    smaller counts (sanitizer builds)
#
# Only 127.0.0.1; every wait is bounded; the server is killed on any exit.
set -u
FTKV=${1:?usage: run_server_suite.sh path/to/ftkv}
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="python3 $HERE/ftkv_check.py"
SHORT=${FTKV_SUITE_SHORT:-0}
if [ "$SHORT" = 1 ]; then INCR_N=20000; MIXED_N=300; LOAD_N=5000; PUSHPOP_N=2000
else INCR_N=200000; MIXED_N=2000; LOAD_N=50000; PUSHPOP_N=10000; fi
THREADS=${FTKV_SUITE_THREADS:-4}

for tool in redis-cli redis-benchmark python3; do
    command -v $tool >/dev/null || { echo "missing $tool (apt-get install redis-tools python3)"; exit 77; }
done

TMP=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$FTKV" --port 0 --threads "$THREADS" >"$TMP/out" 2>"$TMP/err" &
PID=$!
PORT=
i=0
while [ $i -lt 300 ]; do
    PORT=$(sed -n 's/^port //p' "$TMP/out" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
done
if [ -z "$PORT" ]; then
    echo "FAIL: ftkv did not start"; cat "$TMP/err"; exit 1
fi
echo "ftkv pid $PID on 127.0.0.1:$PORT ($THREADS threads)"

# redis-benchmark -q prints progress lines with \r: keep the results only
bench() { timeout 600 redis-benchmark -h 127.0.0.1 -p "$PORT" -q "$@" | tr '\r' '\n' | grep 'requests per second'; }

FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
cli() { timeout 30 redis-cli -h 127.0.0.1 -p "$PORT" --no-raw "$@" 2>&1; }
# rc EXPECTED ARGS...: redis-cli's output (newlines as '|') must equal EXPECTED
rc() {
    want=$1; shift
    got=$(cli "$@" | tr '\n' '|' | sed 's/|$//')
    [ "$got" = "$want" ] || fail "redis-cli $*: got '$got', want '$want'"
}

echo "== 1. redis-cli: every command"
WT="(error) WRONGTYPE Operation against a key holding the wrong kind of value"
NI="(error) ERR value is not an integer or out of range"
rc "PONG" PING
rc '"hi"' PING hi
rc '"a b"' ECHO "a b"
rc "(error) ERR wrong number of arguments for 'echo' command" ECHO
rc "(error) ERR unknown command 'FOO', with args beginning with: 'x' " FOO x
rc "OK" FLUSHALL
rc "OK" SET k v
rc '"v"' GET k
rc "(nil)" GET nokey
rc "(nil)" SET k w NX
rc "OK" SET k2 w NX
rc "(nil)" SET k3 w XX
rc "OK" SET k w XX
rc "(error) ERR syntax error" SET k w NX XX
rc "(error) ERR invalid expire time in 'set' command" SET k w EX 0
rc "OK" SET e v EX 100
rc "(integer) 100" TTL e
rc "OK" SET e v PX 50000
rc "(integer) 50" TTL e
rc "(integer) 1" EXPIRE k 30
rc "(integer) 30" TTL k
rc "(integer) -2" TTL nokey
rc "(integer) 2" DEL k k2 nokey
rc "(integer) 1" EXISTS e
rc "(integer) 1" INCR cnt
rc "(integer) 11" INCRBY cnt 10
rc "(integer) 10" DECR cnt
rc "$NI" INCRBY cnt abc
rc "$NI" INCR e
rc "OK" MSET a 1 b 2
rc '1) "1"|2) (nil)|3) "2"' MGET a nokey b
rc "(integer) 3" APPEND a 23
rc "(integer) 3" STRLEN a
rc "(integer) 3" LPUSH l x y z
rc "(integer) 4" RPUSH l w
rc '1) "z"|2) "y"|3) "x"|4) "w"' LRANGE l 0 -1
rc "(integer) 4" LLEN l
rc '"z"' LPOP l
rc '"w"' RPOP l
rc "$WT" LPUSH a x
rc "$WT" GET l
rc "(integer) 2" HSET h f v g w
rc '"v"' HGET h f
rc "(integer) 2" HLEN h
rc '1) "f"|2) "v"|3) "g"|4) "w"' HGETALL h
rc "(integer) 1" HDEL h f
rc "(integer) 2" SADD s a b
rc "(integer) 1" SISMEMBER s a
rc "(integer) 2" SCARD s
rc "(integer) 1" SREM s a
rc '1) "b"' SMEMBERS s
rc "$WT" SADD h x
rc "(integer) 7" DBSIZE
cli INFO memory | grep -q '^ftrt_objects_live:' || fail "INFO memory lacks ftrt_objects_live"
cli DEBUG GC | grep -q '^(integer)' || fail "DEBUG GC"
cli MEMORY TRIM | grep -q '^(integer)' || fail "MEMORY TRIM"
rc "OK" FLUSHALL
rc "(integer) 0" DBSIZE
# binary values through redis-cli -x (the value is stdin, byte for byte)
printf 'a\000b\r\n\377end' >"$TMP/bin"
timeout 30 redis-cli -h 127.0.0.1 -p "$PORT" -x SET bin <"$TMP/bin" >/dev/null
timeout 30 redis-cli -h 127.0.0.1 -p "$PORT" --raw GET bin | head -c 9 >"$TMP/bin.out"
cmp -s "$TMP/bin" "$TMP/bin.out" || fail "binary value through redis-cli -x / --raw"
rc "(integer) 9" STRLEN bin
rc "OK" FLUSHALL

echo "== 2. exact replies"
timeout 120 $CHECK "$PORT" correctness || fail "ftkv_check.py correctness"

echo "== 3. INCR exactness ($INCR_N INCRs from 50 clients)"
bench -t incr -n "$INCR_N" -c 50
rc "\"$INCR_N\"" GET "counter:__rand_int__"
bench -t incr -n "$INCR_N" -c 50 -P 16
rc "\"$((2 * INCR_N))\"" GET "counter:__rand_int__"

echo "== 4. bounded mixed load"
bench -t set,get,lpush,rpop,lrange_100,sadd,hset,mset -n "$LOAD_N" -c 20 -r 1000
bench -t set,get,lpush,rpop -n "$LOAD_N" -c 20 -P 16
rc "PONG" PING
rc "OK" FLUSHALL
timeout 600 $CHECK "$PORT" mixed "$MIXED_N" || fail "ftkv_check.py mixed"
timeout 600 $CHECK "$PORT" pushpop "$PUSHPOP_N" || fail "ftkv_check.py pushpop"

echo "== 5. hostile input"
timeout 600 $CHECK "$PORT" hostile || fail "ftkv_check.py hostile"
rc "PONG" PING

echo "== 6. memory comes back"
# (sanitizer builds: live objects only; their shadow memory is not trimmed)
if [ "$SHORT" = 1 ]; then MEMARG=norss; else MEMARG=; fi
timeout 600 $CHECK "$PORT" memory $MEMARG || fail "ftkv_check.py memory"

echo "== 7. clean shutdown"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID" 2>/dev/null; then
    fail "ftkv did not exit within 30 s of SIGTERM"
else
    wait "$PID"; status=$?
    [ "$status" = 0 ] || fail "ftkv exit status $status after SIGTERM"
fi
PID=
if grep -v '^ftkv: signal 15, shutting down$' "$TMP/err" | grep -q .; then
    fail "ftkv wrote to stderr:"; cat "$TMP/err"
fi

echo "== 8. --maxclients and --maxmemory (a second server)"
"$FTKV" --port 0 --threads 2 --maxclients 2 --maxmemory 1 >"$TMP/out2" 2>"$TMP/err2" &
PID=$!
PORT=
i=0
while [ $i -lt 300 ] && [ -z "$PORT" ]; do
    PORT=$(sed -n 's/^port //p' "$TMP/out2" 2>/dev/null); sleep 0.1; i=$((i + 1))
done
if [ -z "$PORT" ]; then
    fail "the second ftkv did not start"
else
    timeout 60 python3 - "$PORT" <<'PYEOF' || fail "maxclients/maxmemory"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s
a, b = conn(), conn()
for s in (a, b):
    s.sendall(b"PING\r\n")
    assert s.recv(100) == b"+PONG\r\n"
c = conn()
got = c.recv(100)
assert got == b"-ERR max number of clients reached\r\n", got
assert c.recv(100) == b""           # and closed
time.sleep(0.3)                     # RSS sampled every 100 ms: above 1 byte
a.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
got = a.recv(200)
assert got == b"-OOM command not allowed when used memory > 'maxmemory'.\r\n", got
a.sendall(b"GET k\r\nDEL k\r\n")  # reads and deletes are allowed
time.sleep(0.2)
got = a.recv(200)
assert got == b"$-1\r\n:0\r\n", got
b.close()
time.sleep(0.2)                     # a slot is free again
d = conn()
d.sendall(b"PING\r\n")
assert d.recv(100) == b"+PONG\r\n"
print("maxclients/maxmemory: ok")
PYEOF
    kill -TERM "$PID"
    i=0
    while kill -0 "$PID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    wait "$PID"; [ $? = 0 ] || fail "the second ftkv's exit status"
fi
PID=

if [ "$FAILS" -gt 0 ]; then echo "server suite: $FAILS FAILED"; exit 1; fi
echo "server suite: ok"
