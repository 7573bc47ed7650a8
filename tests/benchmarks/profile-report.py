#!/usr/bin/env python3
"""Summarises a dotnet-trace thread-time sample profile (converted to speedscope JSON) of the vault under load.

    tests/benchmarks/profile-report.py TRACE.speedscope.json [--top N] [--stacks]

The sampler records every managed thread about 100 times a second, running or not. A sample counts as busy when
the thread runs managed code (leaf CPU_TIME) or native code that is not a wait (leaf UNMANAGED_CODE_TIME under
anything but a blocking wait, an epoll or a sleep); everything else is an idle thread. Percentages are of busy
samples. Thread time is not CPU time: on a crowded machine a runnable thread waiting for a core counts as busy.

Areas: each busy sample is charged to the innermost frame that belongs to a component of its own (the vault's
code, Marten, Npgsql, System.Text.Json, OpenIddict and IdentityModel, cryptography, Kestrel, routing, logging...).
Frames of the base library (collections, tasks, the thread pool, sockets) are transparent: their cost goes to whoever
called them, so a socket send is charged to Npgsql (a round trip to PostgreSQL) or to Kestrel (a response). Inclusive methods: the share of busy samples with the method anywhere on the stack; as async methods resume
on fresh stacks after an await, this is the synchronous work done in a method and the methods it calls.
"""
import collections
import json
import re
import sys

# A thread is idle when the nearest resolved frame above the sample's leaf is one of these blocking calls (for
# UNMANAGED_CODE_TIME leaves), or the socket engine's epoll loop or the finalizer thread's wait (sometimes sampled as
# CPU_TIME, with no managed frame below them).
BLOCKING = re.compile(
    r"LowLevelLifoSemaphore\.(WaitForSignal|WaitNative|Wait)\(|Monitor\.Wait\(|WaitHandle\.Wait|WaitOneNoCheck|WaitMultiple"
    r"|ManualResetEventSlim\.Wait|SemaphoreSlim\.Wait|Task\.(SpinThenBlockingWait|InternalWait)|Thread\.Sleep|SleepInternal"
    r"|SocketAsyncEngine\.EventLoop|WaitForSocketEvents|Interop\+Sys\.(Read|Poll|WaitPid)|PortableThreadPool\+WorkerThread\.WorkerThreadStart"
    r"|TimerQueue\.TimerThread|GateThreadStart|LowLevelMonitor\.Wait"
)
ALWAYS_IDLE = re.compile(r"SocketAsyncEngine\.EventLoop|WaitForSocketEvents|FileSystemWatcher|GC\.RunFinalizers")

# Runtime costs that show inside any component: the share of busy samples with one of these on the stack.
MARKERS = [
    ("threads stopped for a garbage collection (PollGC)", re.compile(r"PollGC")),
    ("lock contention (Monitor.Enter slow path)", re.compile(r"Monitor\.Enter_Slowpath|Monitor\.ReliableEnter")),
    ("thread pool spinning and dispatch", re.compile(r"LowLevelLifoSemaphore\.Wait\(|LowLevelSpinWaiter")),
    ("finalizers", re.compile(r"GC\.RunFinalizers")),
]

# Component of a frame, by its module and namespace; the first match wins. None: transparent (base library).
AREAS = [
    ("access log", r"CustomerVault\.AccessLog\.AccessLog(Writer|Table)|AccessLogWriter"),
    ("token validation (OpenIddict, IdentityModel, cached bearer)", r"OpenIddict|Microsoft\.IdentityModel|System\.IdentityModel|CachedBearer|ValidatedTokens"),
    ("encryption (customer keys, AES-GCM)", r"System\.Security\.Cryptography|CustomerVault\.Infrastructure\.Encryption"),
    ("JSON (System.Text.Json)", r"^System\.Text\.Json!|System\.Text\.Json\."),
    ("Npgsql", r"^Npgsql!"),
    ("Marten, Weasel, JasperFx", r"^(Marten|Weasel[.\w]*|JasperFx[.\w]*)!"),
    ("EF Core (identity store)", r"^Microsoft\.EntityFrameworkCore"),
    ("Polly", r"^Polly"),
    ("vault code", r"^CustomerVault[.\w]*!"),
    ("authentication, authorization (ASP.NET Core)", r"Microsoft\.AspNetCore\.(Authentication|Authorization)"),
    ("routing, endpoint binding, results", r"Microsoft\.AspNetCore\.(Routing|Http\.RequestDelegateFactory|Http\.Generated|Http\.HttpResults|Http\.Result|Http\.Json)|RequestDelegateGenerator"),
    ("Kestrel, HTTP", r"Microsoft\.AspNetCore\.Server|System\.IO\.Pipelines|System\.Net\.Http|Microsoft\.AspNetCore\.Http|Microsoft\.AspNetCore\.Hosting|Microsoft\.Net\.Http"),
    ("other ASP.NET Core middleware", r"^Microsoft\.AspNetCore"),
    ("logging, diagnostics, telemetry", r"Microsoft\.Extensions\.Logging|System\.Diagnostics\.(DiagnosticSource|Activity)|OpenTelemetry|System\.Diagnostics\.Metrics"),
    ("dependency injection, options", r"Microsoft\.Extensions\.(DependencyInjection|Options)"),
    ("other libraries", r"^(?!System\.Private\.CoreLib|System\.(Collections|Linq|Runtime|Memory|Threading|Buffers|Private\.Uri|Text\.Encoding|Net\.Sockets)|mscorlib|\?)[^!]+!"),
]
COMPILED = [(name, re.compile(rule)) for name, rule in AREAS]
RUNTIME = "runtime and base library, other (JIT, async machinery, collections)"
PSEUDO = {"CPU_TIME", "UNMANAGED_CODE_TIME"}
GENERIC = re.compile(r"^(System\.Private\.CoreLib|System\.(Collections|Linq|Runtime|Memory|Threading|Buffers)[.\w]*)!|^\?!\?$|^Thread \(|^Threads$|^Process|^\(Non-Activities\)")


def main():
    args = sys.argv[1:]
    top = int(args[args.index("--top") + 1]) if "--top" in args else 30
    with open(args[0]) as f:
        data = json.load(f)
    frames = [f["name"] for f in data["shared"]["frames"]]
    area_of = {}

    def area(index):
        if index not in area_of:
            name = frames[index]
            area_of[index] = next((a for a, rule in COMPILED if rule.search(name)), None) if "!" in name else None
        return area_of[index]

    busy = managed = idle = 0.0
    by_area = collections.Counter()
    inclusive = collections.Counter()
    exclusive = collections.Counter()
    markers = collections.Counter()
    for profile in data["profiles"]:
        stack = []
        last = None
        for event in profile["events"]:
            if last is not None and stack:
                spent = event["at"] - last
                leaf = frames[stack[-1]]
                nearest = next((frames[i] for i in reversed(stack[:-1]) if "!" in frames[i] and frames[i] != "?!?"), "")
                waiting = (leaf not in PSEUDO or ALWAYS_IDLE.search(nearest)
                           or (leaf == "UNMANAGED_CODE_TIME" and BLOCKING.search(nearest)))
                if waiting:
                    idle += spent
                else:
                    busy += spent
                    managed += spent if leaf == "CPU_TIME" else 0
                    owner = next((i for i in reversed(stack[:-1]) if area(i)), None)
                    names = {frames[i] for i in stack[:-1]}
                    if owner is not None:
                        by_area[area(owner)] += spent
                    else:
                        by_area[next((f"runtime: {m}" for m, rule in MARKERS if any(rule.search(n) for n in names)), RUNTIME)] += spent
                    for name in names:
                        if not GENERIC.search(name):
                            inclusive[name] += spent
                    for marker, rule in MARKERS:
                        if any(rule.search(name) for name in names):
                            markers[marker] += spent
                    if owner is not None:
                        exclusive[frames[owner]] += spent
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()

    if busy == 0:
        print("no busy samples")
        return
    print(f"busy samples: {busy / 1000:.1f} thread-seconds ({100 * managed / busy:.0f}% in managed code, the rest native:"
          f" GC, JIT, system calls, OpenSSL); idle threads: {idle / 1000:.1f} thread-seconds")
    spinning = by_area[f"runtime: {MARKERS[2][0]}"]
    print("\nshare of busy time by area (each sample charged to the innermost component on its stack); second column:")
    print("share of the work left when idle workers' spinning (no request on the stack) is set aside")
    for name, spent in by_area.most_common():
        rest = "" if spent == spinning else f"{100 * spent / (busy - spinning):5.1f}%"
        print(f"  {100 * spent / busy:5.1f}%  {rest:>6}  {name}")
    print("\nruntime costs inside the above (share of busy samples with it on the stack):")
    for marker, _ in MARKERS:
        print(f"  {100 * markers[marker] / busy:5.1f}%  {marker}")
    print(f"\ntop {top} methods, inclusive (synchronous work in the method and below it):")
    for name, spent in inclusive.most_common(top):
        print(f"  {100 * spent / busy:5.1f}%  {shorten(name)}")
    print(f"\ntop {top} methods, exclusive to their component (innermost non-base-library frame):")
    for name, spent in exclusive.most_common(top):
        print(f"  {100 * spent / busy:5.1f}%  {shorten(name)}")


def shorten(name):
    name = re.sub(r"\(.*\)$", "()", name)
    return name if len(name) <= 150 else name[:147] + "..."


if __name__ == "__main__":
    main()
