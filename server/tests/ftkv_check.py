#!/usr/bin/env python3
"""server/tests/ftkv_check.py: raw-socket checks of a Redis-protocol server.

    ftkv_check.py PORT correctness   every command's exact replies (RESP2)
    ftkv_check.py PORT hostile       malformed/oversized/slow input
    ftkv_check.py PORT mixed [N]     a bounded mixed load from 8 threads
    ftkv_check.py PORT pushpop [N]   4 LPUSH clients against 4 RPOP clients
    ftkv_check.py PORT memory [norss]  FLUSHALL + MEMORY TRIM bring live objects
                                     (and RSS, within 25 %) back

The expected replies are redis-server 7.0's (the correctness list passes
against `redis-server --save '' --appendonly no` too, except the lines
marked ftkv-only). Only 127.0.0.1; every loop is bounded; every socket has
a timeout, so a hung server fails the check instead of hanging it.
"""
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 20.0


class Err(str):
    """An error reply."""


class Status(str):
    """A simple-string reply."""


class Conn:
    def __init__(self, port, timeout=TIMEOUT):
        self.s = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest.decode())
        if t == b"-":
            return Err(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read_reply() for _ in range(n)]
        raise ValueError("bad reply line %r" % line)

    def call(self, *args):
        self.send_raw(encode(args))
        return self.read_reply()

    def closed_by_server(self):
        """True if the server closed the connection (after any replies)."""
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


FAILURES = []


def expect(got, want, what):
    if got != want:
        FAILURES.append("%s: got %r, want %r" % (what, got, want))


WRONGTYPE = Err("WRONGTYPE Operation against a key holding the wrong kind of value")
NOTINT = Err("ERR value is not an integer or out of range")
SYNTAX = Err("ERR syntax error")
OK = Status("OK")


def arity(name):
    return Err("ERR wrong number of arguments for '%s' command" % name)


SORTED = object()   # compare the array sorted (sets, hashes)

CASES = [
    # connection
    (["PING"], Status("PONG")),
    (["ping", "hello"], b"hello"),
    (["ECHO", "x y"], b"x y"),
    (["ECHO"], arity("echo")),
    (["FLUSHALL"], OK),
    (["NOSUCH", "a", "b"], Err("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")),
    # strings
    (["SET", "k", "v"], OK),
    (["GET", "k"], b"v"),
    (["GET", "missing"], None),
    (["GET"], arity("get")),
    (["GET", "a", "b"], arity("get")),
    (["SET", "k", "v2", "NX"], None),
    (["SET", "nk", "v", "NX"], OK),
    (["SET", "missing2", "v", "XX"], None),
    (["SET", "k", "v3", "XX"], OK),
    (["GET", "k"], b"v3"),
    (["SET", "k", "v4", "GET"], b"v3"),
    (["SET", "k", "v", "NX", "XX"], SYNTAX),
    (["SET", "k", "v", "EX"], SYNTAX),
    (["SET", "k", "v", "EX", "abc"], NOTINT),
    (["SET", "k", "v", "EX", "0"], Err("ERR invalid expire time in 'set' command")),
    (["SET", "k", "v", "PX", "-5"], Err("ERR invalid expire time in 'set' command")),
    (["SET", "k", "v", "BOGUS"], SYNTAX),
    (["SET", "k"], arity("set")),
    (["SET", "t", "v", "EX", "100"], OK),
    (["TTL", "t"], 100),
    (["SET", "t", "v2", "KEEPTTL"], OK),
    (["TTL", "t"], 100),
    (["SET", "t", "v3"], OK),
    (["TTL", "t"], -1),
    (["TTL", "missing"], -2),
    (["SET", "p", "v", "PX", "100000"], OK),
    (["TTL", "p"], 100),
    (["EXPIRE", "t", "50"], 1),
    (["TTL", "t"], 50),
    (["EXPIRE", "missing", "50"], 0),
    (["EXPIRE", "t", "abc"], NOTINT),
    (["EXPIRE", "t", "10", "zz"], Err("ERR Unsupported option zz")),
    (["EXPIRE", "t", "10", "NX"], 0),
    (["EXPIRE", "t", "10", "XX"], 1),
    (["EXPIRE", "t", "-1"], 1),
    (["GET", "t"], None),
    (["DEL", "k", "nk", "missing"], 2),
    (["EXISTS", "k", "p", "p", "missing"], 2),
    (["DEL"], arity("del")),
    # counters
    (["INCR", "c"], 1),
    (["INCR", "c"], 2),
    (["INCRBY", "c", "10"], 12),
    (["DECR", "c"], 11),
    (["INCRBY", "c", "-20"], -9),
    (["GET", "c"], b"-9"),
    (["INCRBY", "c", "x"], NOTINT),
    (["SET", "s", "abc"], OK),
    (["INCR", "s"], NOTINT),
    (["SET", "s", "007"], OK),
    (["INCR", "s"], NOTINT),
    (["SET", "s", " 1"], OK),
    (["INCR", "s"], NOTINT),
    (["SET", "big", "9223372036854775807"], OK),
    (["INCR", "big"], Err("ERR increment or decrement would overflow")),
    (["SET", "big", "-9223372036854775808"], OK),
    (["DECR", "big"], Err("ERR increment or decrement would overflow")),
    (["INCRBY", "c", "99999999999999999999"], NOTINT),
    (["SET", "n", "41"], OK),
    (["INCR", "n"], 42),
    (["APPEND", "n", "0"], 3),
    (["GET", "n"], b"420"),
    (["INCR", "n"], 421),
    (["STRLEN", "n"], 3),
    # multi
    (["MSET", "m1", "a", "m2", "b"], OK),
    (["MSET", "m1"], arity("mset")),
    (["MSET", "m1", "a", "m2"], arity("mset")),
    (["MGET", "m1", "missing", "m2"], [b"a", None, b"b"]),
    (["APPEND", "m1", "bc"], 3),
    (["GET", "m1"], b"abc"),
    (["APPEND", "newapp", "xyz"], 3),
    (["STRLEN", "m1"], 3),
    (["STRLEN", "missing"], 0),
    # lists
    (["LPUSH", "l", "a", "b", "c"], 3),
    (["RPUSH", "l", "d"], 4),
    (["LRANGE", "l", "0", "-1"], [b"c", b"b", b"a", b"d"]),
    (["LRANGE", "l", "1", "2"], [b"b", b"a"]),
    (["LRANGE", "l", "-2", "100"], [b"a", b"d"]),
    (["LRANGE", "l", "5", "10"], []),
    (["LRANGE", "l", "x", "1"], NOTINT),
    (["LRANGE", "missing", "0", "-1"], []),
    (["LLEN", "l"], 4),
    (["LLEN", "missing"], 0),
    (["LPOP", "l"], b"c"),
    (["RPOP", "l"], b"d"),
    (["LPOP", "l", "0"], []),
    (["LPOP", "l", "5"], [b"b", b"a"]),
    (["EXISTS", "l"], 0),
    (["LPOP", "l"], None),
    (["LPOP", "l", "2"], None),
    (["LPOP", "l", "-1"], Err("ERR value is out of range, must be positive")),
    (["RPUSH", "l2", "x"], 1),
    (["RPOP", "l2", "3"], [b"x"]),
    (["LPUSH", "m1", "x"], WRONGTYPE),
    (["LRANGE", "m1", "0", "1"], WRONGTYPE),
    (["LLEN", "m1"], WRONGTYPE),
    (["LPOP", "m1"], WRONGTYPE),
    (["LPUSH", "l"], arity("lpush")),
    # hashes
    (["HSET", "h", "f1", "v1", "f2", "v2"], 2),
    (["HSET", "h", "f1", "v9"], 0),
    (["HSET", "h", "f1"], arity("hset")),
    (["HSET", "h", "f1", "v", "f2"], arity("hset")),
    (["HGET", "h", "f1"], b"v9"),
    (["HGET", "h", "nof"], None),
    (["HGET", "missing", "f"], None),
    (["HLEN", "h"], 2),
    (["HGETALL", "h"], (SORTED, [b"f1", b"f2", b"v2", b"v9"])),
    (["HDEL", "h", "f1", "nof"], 1),
    (["HDEL", "h", "f2"], 1),
    (["EXISTS", "h"], 0),
    (["HGETALL", "h"], []),
    (["HLEN", "missing"], 0),
    (["HGET", "m1", "f"], WRONGTYPE),
    (["HSET", "m1", "f", "v"], WRONGTYPE),
    # sets
    (["SADD", "st", "a", "b", "a"], 2),
    (["SADD", "st", "c"], 1),
    (["SCARD", "st"], 3),
    (["SISMEMBER", "st", "a"], 1),
    (["SISMEMBER", "st", "z"], 0),
    (["SISMEMBER", "missing", "z"], 0),
    (["SMEMBERS", "st"], (SORTED, [b"a", b"b", b"c"])),
    (["SREM", "st", "a", "z"], 1),
    (["SREM", "st", "b", "c"], 2),
    (["EXISTS", "st"], 0),
    (["SMEMBERS", "missing"], []),
    (["SCARD", "m1"], WRONGTYPE),
    (["SADD", "m1", "x"], WRONGTYPE),
    (["SADD", "st"], arity("sadd")),
    # keyspace
    (["FLUSHALL"], OK),
    (["DBSIZE"], 0),
    (["SET", "a", "1"], OK),
    (["LPUSH", "b", "1"], 1),
    (["DBSIZE"], 2),
    (["TYPE", "a"], Status("string")),
    (["TYPE", "b"], Status("list")),
    (["TYPE", "zz"], Status("none")),
    (["FLUSHALL"], OK),
    (["DBSIZE"], 0),
]

# ftkv-only replies (redis-server has other DEBUG/MEMORY subcommands)
FTKV_CASES = [
    (["DEBUG", "NOPE"], Err("ERR unknown subcommand 'NOPE'. Try DEBUG HELP.")),
    (["MEMORY", "NOPE"], Err("ERR unknown subcommand 'NOPE'. Try MEMORY HELP.")),
]


def normalize(got, want):
    if isinstance(want, tuple) and want and want[0] is SORTED:
        return (sorted(got) if isinstance(got, list) else got), want[1]
    return got, want


def check_correctness(port, ftkv_only=True):
    c = Conn(port)
    cases = CASES + (FTKV_CASES if ftkv_only else [])
    for args, want in cases:
        got = c.call(*args)
        got, want = normalize(got, want)
        expect(got, want, " ".join(args))
    # binary-safe keys and values: every byte value, NUL and CRLF inside
    blob = bytes(range(256)) * 3 + b"\r\n\x00end"
    key = b"\x00k\r\n\xff"
    expect(c.call(b"SET", key, blob), OK, "SET binary")
    expect(c.call(b"GET", key), blob, "GET binary")
    expect(c.call(b"STRLEN", key), len(blob), "STRLEN binary")
    expect(c.call(b"APPEND", key, b"\x00"), len(blob) + 1, "APPEND binary")
    expect(c.call(b"RPUSH", b"bl\x00", b"\x00\x01", b"\xff\r\n"), 2, "RPUSH binary")
    expect(c.call(b"LRANGE", b"bl\x00", b"0", b"-1"), [b"\x00\x01", b"\xff\r\n"], "LRANGE binary")
    expect(c.call(b"HSET", b"bh", b"\x00f", b"\xfe"), 1, "HSET binary")
    expect(c.call(b"HGET", b"bh", b"\x00f"), b"\xfe", "HGET binary")
    expect(c.call(b"SADD", b"bs", b"\x00", b"\x00\x00"), 2, "SADD binary")
    expect(c.call(b"SISMEMBER", b"bs", b"\x00\x00"), 1, "SISMEMBER binary")
    # a long list: ranges past the 128-item stack buffer, extreme indices
    expect(c.call("RPUSH", "biglist", *[str(i) for i in range(1000)]), 1000, "RPUSH 1000")
    expect(c.call("LRANGE", "biglist", "0", "-1"), [str(i).encode() for i in range(1000)],
           "LRANGE 1000")
    expect(c.call("LRANGE", "biglist", "-300", "-200"),
           [str(i).encode() for i in range(700, 801)], "LRANGE -300 -200")
    expect(len(c.call("LRANGE", "biglist", "-9223372036854775808", "9223372036854775807")),
           1000, "LRANGE extreme indices")
    expect(c.call("DEL", "biglist"), 1, "DEL biglist")
    # a 1 MB value
    big = bytes(i % 251 for i in range(1 << 20))
    expect(c.call(b"SET", b"big", big), OK, "SET 1MB")
    expect(c.call(b"GET", b"big"), big, "GET 1MB")
    # inline commands (telnet style) and pipelining
    c.send_raw(b"SET inl \"a b\\x41\"\r\nGET inl\r\nPING\n")
    expect(c.read_reply(), OK, "inline SET")
    expect(c.read_reply(), b"a bA", "inline GET")
    expect(c.read_reply(), Status("PONG"), "inline PING")
    c.send_raw(b"".join(encode(["INCR", "pipe"]) for _ in range(1000)))
    last = None
    for _ in range(1000):
        last = c.read_reply()
    expect(last, 1000, "1000 pipelined INCR")
    # lazy expiry and the periodic sampler
    expect(c.call("SET", "soon", "x", "PX", "50"), OK, "SET PX 50")
    expect(c.call("SET", "soon2", "x", "PX", "50"), OK, "SET PX 50 (2)")
    time.sleep(0.3)
    expect(c.call("GET", "soon"), None, "GET after expiry")
    if ftkv_only:
        time.sleep(0.5)     # the sampler runs every 100 ms
        info = c.call("INFO", "stats").decode()
        expect("expired_keys:2" in info, True, "sampler expired the untouched key")
        info = c.call("INFO", "memory").decode()
        expect("ftrt_objects_live:" in info and "ftrt_gc_collections:" in info,
               True, "INFO memory has ftrt's statistics")
        expect(isinstance(c.call("DEBUG", "GC"), int), True, "DEBUG GC")
        expect(isinstance(c.call("MEMORY", "TRIM"), int), True, "MEMORY TRIM")
    if ftkv_only:
        # a pipeline whose replies (6 MB) exceed the backpressure mark, sent
        # with a half-close: every reply still arrives, then the close
        h = Conn(port)
        h.send_raw(encode(["ECHO", "e" * 60000]) * 100 + encode(["PING"]))
        h.s.shutdown(socket.SHUT_WR)
        got = [h.read_reply() for _ in range(101)]
        expect(sum(1 for g in got[:100] if g == b"e" * 60000), 100, "half-close: 100 big replies")
        expect(got[100], Status("PONG"), "half-close: the last reply")
        expect(h.closed_by_server(), True, "half-close: closed after the replies")
        h.close()
    expect(c.call("FLUSHALL"), OK, "FLUSHALL")
    expect(c.call("QUIT"), OK, "QUIT")
    expect(c.closed_by_server(), True, "QUIT closes")
    c.close()


def rss_of(c):
    info = c.call("INFO", "memory").decode()
    return int([l for l in info.split("\r\n") if l.startswith("used_memory_rss:")][0].split(":")[1])


def check_hostile(port, ftkv=True):
    # 1. oversized bulk length: an error, then the connection is closed
    c = Conn(port)
    c.send_raw(b"*1\r\n$1099511627776\r\n")
    expect(c.read_reply(), Err("ERR Protocol error: invalid bulk length"), "bulk 2^40")
    expect(c.closed_by_server(), True, "bulk 2^40 closes")
    c.close()
    # 2. oversized multibulk count
    c = Conn(port)
    c.send_raw(b"*1099511627776\r\n")
    expect(c.read_reply(), Err("ERR Protocol error: invalid multibulk length"), "multibulk 2^40")
    expect(c.closed_by_server(), True, "multibulk 2^40 closes")
    c.close()
    if ftkv:
        # ftkv's limit is redis 6's 1024*1024 (redis 7 allows INT_MAX)
        c = Conn(port)
        c.send_raw(b"*1048577\r\n")
        expect(c.read_reply(), Err("ERR Protocol error: invalid multibulk length"), "multibulk 1M+1")
        expect(c.closed_by_server(), True, "multibulk 1M+1 closes")
        c.close()
    # 3. a 1M-element array that is really sent (7 MB), then a real command
    c = Conn(port, timeout=60)
    n = 1024 * 1024
    c.send_raw(b"*%d\r\n$4\r\nSADD\r\n$4\r\nhuge\r\n" % n + b"$1\r\nx\r\n" * (n - 2))
    expect(c.read_reply(), 1, "1M-element SADD")
    expect(c.call("DEL", "huge"), 1, "DEL huge")
    c.close()
    # 4. announced 1M elements, a few sent, then the client goes away
    c = Conn(port)
    c.send_raw(b"*1048576\r\n$3\r\nGET\r\n")
    c.close()
    # 5. garbage and malformed headers
    for data, err in [
        (b"*1\r\n:5\r\n", "ERR Protocol error: expected '$', got ':'"),
        (b"*x\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-3\r\n", "ERR Protocol error: invalid bulk length"),
        (b"SET \"unterminated\r\n", "ERR Protocol error: unbalanced quotes in request"),
        (b"x" * (70 * 1024), "ERR Protocol error: too big inline request"),
        (b"*" + b"9" * (70 * 1024), "ERR Protocol error: too big mbulk count string"),
    ]:
        c = Conn(port)
        c.send_raw(data)
        expect(c.read_reply(), Err(err), "malformed %r" % data[:20])
        expect(c.closed_by_server(), True, "malformed %r closes" % data[:20])
        c.close()
    # 6. truncated requests, then disconnect (many at once)
    socks = []
    for i in range(50):
        c = Conn(port)
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc"[: 5 + i % 30])
        socks.append(c)
    for c in socks:
        c.close()
    # 7. slow byte-by-byte senders do not block other clients
    slow = [Conn(port) for _ in range(4)]
    req = encode(["SET", "slowkey", "v" * 50])
    fast = Conn(port, timeout=5)
    for i, byte in enumerate(req):
        for s in slow:
            s.send_raw(bytes([byte]))
        if i % 10 == 0:
            t0 = time.monotonic()
            expect(fast.call("PING"), Status("PONG"), "PING beside slow senders")
            if time.monotonic() - t0 > 2.0:
                FAILURES.append("a PING took over 2 s beside slow senders")
    for s in slow:
        expect(s.read_reply(), OK, "slow SET completes")
        s.close()
    # 8. a big bulk announced and sent slowly: memory follows what is sent
    rss0 = rss_of(fast)
    c = Conn(port)
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$2\r\nbb\r\n$536870912\r\n" + b"z" * 4096)
    expect(fast.call("PING"), Status("PONG"), "PING beside a 512 MB announcement")
    rss = rss_of(fast)
    expect(rss - rss0 < 64 << 20, True,
           "RSS grew by %d bytes (< 64 MB) after a 512 MB announcement" % (rss - rss0))
    c.close()
    # 9. a client that never reads its replies (backpressure, bounded)
    c = Conn(port)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    burst = encode(["LRANGE", "nolist", "0", "-1"]) * 20000 + encode(["ECHO", "x" * 60000]) * 200
    c.s.settimeout(10)
    try:
        c.send_raw(burst)
    except socket.timeout:
        pass            # the server stopped reading us: that is the point
    expect(fast.call("PING"), Status("PONG"), "PING beside a non-reading client")
    c.close()
    # 10. seeded random garbage and RESP fragments on 100 connections
    import random
    rnd = random.Random(12345)
    frags = [b"*", b"$", b"\r\n", b"\n", b"0", b"1", b"-1", b"3", b"99999999999",
             b"GET", b"SET", b"k", b'"', b"'", b"\\x4", b" ", b"\x00", b"\xff",
             b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", b"PING\r\n", b"*0\r\n"]
    for _ in range(100):
        g = Conn(port, timeout=2)
        data = b"".join(rnd.choice(frags) for _ in range(rnd.randrange(1, 60)))
        if rnd.random() < 0.3:
            data += bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
        try:
            g.send_raw(data)
            g.s.recv(65536)     # whatever the reply, or a timeout
        except (socket.timeout, ConnectionError, OSError):
            pass
        g.close()
    expect(fast.call("PING"), Status("PONG"), "PING after 100 garbage connections")
    expect(fast.call("DEL", "slowkey", "bb"), 1, "cleanup")
    fast.close()


def check_mixed(port, n):
    """8 threads x n ops: INCR one shared counter, SET/GET private keys,
    LPUSH a shared list, SADD a shared set, HSET a shared hash, while a
    ninth client runs DEBUG GC and MEMORY TRIM in a loop. Exact totals at
    the end, then 4 clients drain the list with RPOP."""
    errors = []

    def worker(t):
        try:
            c = Conn(port)
            pushed = 0
            for i in range(n):
                k = "mx:%d:%d" % (t, i % 100)
                op = i % 5
                if op == 0:
                    c.call("INCR", "mx:counter")
                elif op == 1:
                    if c.call("SET", k, str(i)) != OK:
                        errors.append("SET")
                    if c.call("GET", k) != str(i).encode():
                        errors.append("GET %s" % k)
                elif op == 2:
                    c.call("LPUSH", "mx:list", "%d:%d" % (t, i))
                    pushed += 1
                elif op == 3:
                    c.call("SADD", "mx:set", "%d:%d" % (t, i))
                else:
                    c.call("HSET", "mx:hash", "%d" % t, str(i))
            c.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    stop_gc = threading.Event()
    gcs = [0]

    def collector():
        # collections and trims (stop-the-world) while the workers run
        # commands, sit in critical sections or in blocking regions
        try:
            c = Conn(port)
            while not stop_gc.is_set() and gcs[0] < 2000:
                what = ("DEBUG", "GC") if gcs[0] % 4 else ("MEMORY", "TRIM")
                if not isinstance(c.call(*what), int):
                    errors.append("%s did not reply an integer" % " ".join(what))
                gcs[0] += 1
            c.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append("collector: " + repr(e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    gc_thread = threading.Thread(target=collector)
    gc_thread.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    stop_gc.set()
    gc_thread.join(300)
    print("mixed: %d collections/trims during the load" % gcs[0])
    c = Conn(port)
    per = len([i for i in range(n) if i % 5 == 0])
    expect(c.call("GET", "mx:counter"), str(8 * per).encode(), "mixed INCR total")
    per_l = len([i for i in range(n) if i % 5 == 2])
    expect(c.call("LLEN", "mx:list"), 8 * per_l, "mixed LPUSH total")
    per_s = len([i for i in range(n) if i % 5 == 3])
    expect(c.call("SCARD", "mx:set"), 8 * per_s, "mixed SADD total")
    expect(c.call("HLEN", "mx:hash"), 8, "mixed HSET fields")
    # drain the list with RPOP from 4 threads: every item exactly once
    seen = []
    lock = threading.Lock()

    def popper():
        pc = Conn(port)
        mine = []
        while True:
            x = pc.call("RPOP", "mx:list")
            if x is None:
                break
            mine.append(x)
        pc.close()
        with lock:
            seen.extend(mine)

    pops = [threading.Thread(target=popper) for _ in range(4)]
    for th in pops:
        th.start()
    for th in pops:
        th.join(300)
    expect(len(seen), 8 * per_l, "RPOP drained every item")
    expect(len(set(seen)), 8 * per_l, "RPOP returned each item once")
    expect(c.call("EXISTS", "mx:list"), 0, "emptied list deleted")
    for e in errors[:5]:
        FAILURES.append("mixed worker: " + e)
    c.call("FLUSHALL")
    c.close()


def check_pushpop(port, n):
    """4 clients LPUSH unique items onto one key while 4 others RPOP it, so
    the list is emptied (and its key deleted) again and again under the
    pushes: every pushed item must come out exactly once."""
    popped, errors = [], []
    lock = threading.Lock()
    done = threading.Event()

    def pusher(t):
        try:
            c = Conn(port)
            for i in range(n):
                c.call("LPUSH", "pp", "%d:%d" % (t, i))
            c.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    def popper():
        try:
            c = Conn(port)
            mine = []
            while True:
                x = c.call("RPOP", "pp")
                if x is None:
                    if done.is_set():
                        break
                    continue
                mine.append(x)
            c.close()
            with lock:
                popped.extend(mine)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    pushers = [threading.Thread(target=pusher, args=(t,)) for t in range(4)]
    poppers = [threading.Thread(target=popper) for _ in range(4)]
    for th in pushers + poppers:
        th.start()
    for th in pushers:
        th.join(300)
    done.set()
    for th in poppers:
        th.join(300)
    c = Conn(port)
    rest = c.call("LRANGE", "pp", "0", "-1")
    c.call("DEL", "pp")
    c.close()
    allitems = popped + (rest if isinstance(rest, list) else [])
    expect(len(allitems), 4 * n, "pushpop: items out (popped %d + left %d)"
           % (len(popped), len(allitems) - len(popped)))
    expect(len(set(allitems)), len(allitems), "pushpop: no item twice")
    for e in errors[:5]:
        FAILURES.append("pushpop client: " + e)


def info_field(c, section, name):
    info = c.call("INFO", section).decode()
    for line in info.split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":")[1])
    raise KeyError(name)


def check_memory(port, check_rss=True):
    """Live objects come back to the baseline after FLUSHALL + MEMORY TRIM,
    and (check_rss) the RSS to within 25 % of its baseline."""
    c = Conn(port, timeout=120)
    c.call("FLUSHALL")
    c.call("MEMORY", "TRIM")
    time.sleep(0.3)
    base = info_field(c, "memory", "ftrt_objects_live")
    rss_base = info_field(c, "memory", "used_memory_rss")
    for i in range(0, 50000, 1000):
        c.call(*(["MSET"] + [x for j in range(i, i + 1000) for x in ("mk:%d" % j, "v%d" % j)]))
    c.call("RPUSH", "ml", *["x%d" % i for i in range(1000)])
    c.call("HSET", "mh", *[x for i in range(500) for x in ("f%d" % i, "v")])
    c.call("SADD", "ms", *["m%d" % i for i in range(500)])
    peak = info_field(c, "memory", "ftrt_objects_live")
    rss_peak = info_field(c, "memory", "used_memory_rss")
    c.call("FLUSHALL")
    c.call("MEMORY", "TRIM")
    after = rss_after = None
    for _ in range(50):     # other workers trim at their next tick: bounded wait
        time.sleep(0.1)
        after = info_field(c, "memory", "ftrt_objects_live")
        rss_after = info_field(c, "memory", "used_memory_rss")
        if after <= base and (not check_rss or rss_after <= rss_base * 1.25):
            break
        c.call("MEMORY", "TRIM")
    print("memory: live objects base %d, peak %d, after FLUSHALL+TRIM %d; "
          "RSS %.1f MB, %.1f MB, %.1f MB" % (base, peak, after, rss_base / 1048576.0,
                                             rss_peak / 1048576.0, rss_after / 1048576.0))
    expect(peak > base + 100000, True, "the load created objects")
    expect(after, base, "live objects back to the baseline")
    if check_rss:
        expect(rss_after <= rss_base * 1.25, True, "RSS within 25 %% of its baseline (%d vs %d)"
               % (rss_after, rss_base))
    c.close()


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    port = int(sys.argv[1])
    what = sys.argv[2]
    if what == "correctness":
        check_correctness(port)
    elif what == "correctness-redis":
        check_correctness(port, ftkv_only=False)
    elif what == "hostile":
        check_hostile(port)
    elif what == "hostile-redis":
        check_hostile(port, ftkv=False)
    elif what == "mixed":
        check_mixed(port, int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
    elif what == "pushpop":
        check_pushpop(port, int(sys.argv[3]) if len(sys.argv) > 3 else 5000)
    elif what == "memory":
        check_memory(port, check_rss=not (len(sys.argv) > 3 and sys.argv[3] == "norss"))
    else:
        print(__doc__)
        return 2
    for f in FAILURES:
        print("FAIL:", f)
    print("%s: %s" % (what, "FAILED (%d)" % len(FAILURES) if FAILURES else "ok"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
