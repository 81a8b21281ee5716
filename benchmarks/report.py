#!/usr/bin/env python3
"""Writes the results sections of docs/benchmarks.md from benchmarks/results/.

Reads jmh.json (JMH -rf json, with -prof gc), stampede.json (the Stampede main class),
environment.json and dependencies.txt (both written by benchmarks/run.sh), and replaces the
text between the markers <!-- results:begin --> and <!-- results:end --> in docs/benchmarks.md;
from store-coordination.json (StoreCoordinationBenchmark, run on its own), the text between
<!-- store-coordination:begin --> and <!-- store-coordination:end -->.
The rest of that file is written by hand. Run from the repository root:

    python3 benchmarks/report.py
"""
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SC_BEGIN, SC_END = "<!-- store-coordination:begin -->", "<!-- store-coordination:end -->"
PKG = "io.tokenflow.benchmarks."
ZERO_BYTES = 0.5  # JMH's own bookkeeping shows as ~0.01 B/op on a path that allocates nothing


def load_jmh(file="jmh.json"):
    rows = {}
    runs = json.loads((RESULTS / file).read_text())
    rerun = RESULTS / "jmh-rerun.json"
    if file == "jmh.json" and rerun.exists():
        # Benchmarks re-run after the suite (named in docs/benchmarks.md) replace their rows.
        again = json.loads(rerun.read_text())
        names = {r["benchmark"] for r in again}
        runs = [r for r in runs if r["benchmark"] not in names] + again
    for r in runs:
        name = r["benchmark"].removeprefix(PKG)
        impl = r.get("params", {}).get("impl")
        pm = r["primaryMetric"]
        gc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {})
        if "n" in r.get("params", {}):
            name = f"{name}[{r['params']['n']}]"
        rows[(name, impl)] = {
            "score": pm["score"],
            "error": number(pm.get("scoreError")),
            "unit": pm["scoreUnit"],
            "threads": r.get("threads", 1),
            "bytes": gc.get("score"),
            "bytesError": number(gc.get("scoreError")),
            "n": int(r.get("params", {}).get("n", 0)),
        }
    return rows


def number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def with_error(row, key="score", err="error", digits=1):
    v = fmt(row[key], digits)
    e = row.get(err)
    return f"{v} ± {fmt(e, digits)}" if e is not None else v


def bytes_op(row):
    b = row["bytes"]
    if b is None:
        return "n/a"
    if b < ZERO_BYTES:
        return f"0 ({b:.3f})"
    return fmt(b, 0)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def versions():
    wanted = {
        "io.projectreactor:reactor-core": "Reactor Core",
        "io.projectreactor.netty:reactor-netty-http": "Reactor Netty",
        "io.netty:netty-codec-http": "Netty",
        "com.nimbusds:oauth2-oidc-sdk": "Nimbus OAuth 2.0 SDK",
        "org.springframework:spring-webflux": "Spring WebFlux",
        "org.springframework.security:spring-security-oauth2-client": "Spring Security OAuth2 Client",
        "com.azure:azure-core": "azure-core",
        "com.google.auth:google-auth-library-oauth2-http": "Google Auth Library",
        "org.openjdk.jmh:jmh-core": "JMH",
    }
    found = {}
    deps = RESULTS / "dependencies.txt"
    if deps.exists():
        for line in deps.read_text().splitlines():
            parts = line.strip().split(":")
            if len(parts) >= 4 and f"{parts[0]}:{parts[1]}" in wanted:
                found[wanted[f"{parts[0]}:{parts[1]}"]] = parts[3]
    return ", ".join(f"{k} {found[k]}" for k in wanted.values() if k in found)


def footprint():
    f = RESULTS / "footprint.json"
    if not f.exists():
        return None
    data = json.loads(f.read_text())
    data["runs"] = {r["impl"]: r for r in data["runs"]}
    return data


def main():
    jmh = load_jmh()
    stampede = json.loads((RESULTS / "stampede.json").read_text())
    env = json.loads((RESULTS / "environment.json").read_text())
    out = []
    w = out.append

    w("### Machine and run\n")
    w("| | |")
    w("|---|---|")
    w(f"| CPU | {env['cpu']}, `nproc` = {env['nproc']} |")
    w(f"| RAM | {env['memGiB']} GiB |")
    w(f"| OS | {env['os']} |")
    w(f"| JDK | {'<br>'.join('`' + l + '`' for l in env['java'])} |")
    w(f"| Libraries | {versions()} |")
    w(f"| JMH options | `{env['jmhOptions']}` |")
    w(f"| Load average (1, 5, 15 min) | at start `{' '.join(env['loadAverageAtStart'].split()[:3])}`, "
      f"at end `{' '.join(env['loadAverageAtEnd'].split()[:3])}` |")
    w(f"| Whole suite | {env['elapsedSeconds']} s (build included), commit `{env['commit']}` |")
    w("")

    # ---- targets
    tok = jmh[("CachedTokenBenchmark.token", None)]
    clock = jmh[("CachedTokenBenchmark.baselineClock", None)]
    ftf = jmh[("FilterBenchmark.filter", "tokenflow")]
    fsp = jmh[("FilterBenchmark.filter", "spring")]
    rtf = jmh[("RefreshRoundTripBenchmark.refresh", "tokenflow")]
    rbare = jmh[("RefreshRoundTripBenchmark.refresh", "bare")]
    speed = fsp["score"] / ftf["score"]
    alloc = fsp["bytes"] / ftf["bytes"] if ftf["bytes"] else math.inf
    overhead = rtf["score"] / rbare["score"] - 1
    tf_runs = [r for r in stampede["runs"] if r["impl"] == "tokenflow"]
    single_flight = all(r["tokenRequests"] == 1 and r["failed"] == 0 for r in tf_runs)

    w("### Targets\n")
    w("| target | measured | |")
    w("|---|---|---|")
    w(f"| cached `token()` <= 1.1x a bare clock read | {tok['score'] / clock['score']:.2f}x ({fmt(tok['score'])} vs {fmt(clock['score'])} ns/op) | {verdict(tok['score'] <= 1.1 * clock['score'])} |")
    w(f"| cached `token()` 0 B/op | {bytes_op(tok)} B/op | {verdict(tok['bytes'] is not None and tok['bytes'] < ZERO_BYTES)} |")
    w(f"| filter >= 20x faster than Spring's | {speed:.1f}x ({fmt(ftf['score'])} vs {fmt(fsp['score'])} ns/op) | {verdict(speed >= 20)} |")
    w(f"| filter >= 10x less allocation than Spring's | {alloc:.1f}x ({fmt(ftf['bytes'], 0)} vs {fmt(fsp['bytes'], 0)} B/op) | {verdict(alloc >= 10)} |")
    w(f"| refresh round trip <= 1.10x a bare POST | {1 + overhead:.2f}x ({fmt(rtf['score'])} vs {fmt(rbare['score'])} µs/op) | {verdict(overhead <= 0.10)} |")
    cold = {impl: jmh.get(("ColdStartBenchmark.coldStart", impl)) for impl in ("tokenflow", "azure", "google", "spring")}
    if cold["tokenflow"] and cold["azure"]:
        w(f"| cold start `build()` -> first token <= Azure's | {fmt(cold['tokenflow']['score'])} vs {fmt(cold['azure']['score'])} µs/op | {verdict(cold['tokenflow']['score'] <= cold['azure']['score'])} |")
    joins = sorted((n, r) for (name, impl), r in jmh.items() if name.startswith("JoinGarbageBenchmark") and impl == "tokenflow"
                   for n in [r["n"]])
    if joins:
        per = [r["bytes"] / n for n, r in joins]
        w(f"| garbage per joiner of one refresh <= 200 B at any N | {', '.join(f'{p:,.0f}' for p in per)} B for N = "
          f"{', '.join(format(n, ',') for n, _ in joins)} | {verdict(all(p <= 200 for p in per))} |")
    fp = footprint()
    if fp:
        t = fp["runs"]["tokenflow"]
        w(f"| retained heap per idle service <= 900 B ({fp['clients']:,} in one JVM) | {t['bytesPerClient']:,.0f} B | {verdict(t['bytesPerClient'] <= 900)} |")
        w(f"| {fp['clients']:,} services built with first tokens <= 5 s | {t['millis'] / 1000:.1f} s | {verdict(t['millis'] <= 5000)} |")
    counts = ", ".join(str(r["tokenRequests"]) for r in tf_runs)
    ns = ", ".join(format(r["callers"], ",") for r in tf_runs)
    w(f"| stampede: 1 token request for any N (design contract) | {counts} for N = {ns} | {verdict(single_flight)} |")
    w("")

    # ---- hot path
    w("### `CachedTokenBenchmark`: the hot path\n")
    w("| benchmark | ns/op (± 99.9 % CI) | B/op |")
    w("|---|---|---|")
    for name, what in [("token", "`token()`, the `Mono` to a Blackhole"),
                       ("tokenSubscribed", "`token()` + subscribe, value to a Blackhole"),
                       ("tokenBlock", "`token().block()`"),
                       ("baselineClock", "reference: `Schedulers.parallel().now(MILLISECONDS)`, the clock read inside `token()`"),
                       ("baselineMonoJustSubscribed", "reference: subscribing to a pre-built `Mono.just`")]:
        r = jmh.get((f"CachedTokenBenchmark.{name}", None))
        if r is not None:
            w(f"| {what} | {with_error(r)} | {bytes_op(r)} |")
    w("")

    # ---- filter
    w("### `FilterBenchmark`: the WebClient filter on the cached path\n")
    w("| filter | ns/op (± 99.9 % CI) | B/op | vs Spring: time | vs Spring: bytes |")
    w("|---|---|---|---|---|")
    for impl, label in [("tokenflow", "tokenflow `TokenExchangeFilter`"),
                        ("tokenflow-dpop", "tokenflow `TokenExchangeFilter`, DPoP-bound token: a fresh ES256 proof per request"),
                        ("spring", "Spring Security `ServerOAuth2AuthorizedClientExchangeFilterFunction`"),
                        ("floor", "floor: `ClientRequest.from(..)` + header, no token logic")]:
        r = jmh.get(("FilterBenchmark.filter", impl))
        if r is None:
            continue
        if impl == "spring":
            w(f"| {label} | {with_error(r)} | {bytes_op(r)} | — | — |")
        else:
            w(f"| {label} | {with_error(r)} | {bytes_op(r)} | {fsp['score'] / r['score']:.1f}x faster | "
              f"{fsp['bytes'] / r['bytes']:.1f}x less |")
    w("")

    # ---- concurrent
    c = jmh[("ConcurrentTokenBenchmark.token", None)]
    w("### `ConcurrentTokenBenchmark`: `token()` from every core\n")
    w("| threads | ops/s, all threads (± 99.9 % CI) | ns/op per thread | B/op |")
    w("|---|---|---|---|")
    w(f"| {c['threads']} | {with_error(c, digits=0)} | {c['threads'] * 1e9 / c['score']:.1f} | {bytes_op(c)} |")
    w("")

    # ---- refresh
    w("### `RefreshRoundTripBenchmark`: one refresh over loopback\n")
    w("| variant | µs/op (± 99.9 % CI) | B/op |")
    w("|---|---|---|")
    w(f"| tokenflow `refresh().block()` | {with_error(rtf)} | {bytes_op(rtf)} |")
    razure = jmh.get(("RefreshRoundTripBenchmark.refresh", "azure"))
    if razure:
        w(f"| Azure `AccessTokenCache` fetching (a new cache's first `getToken`) over the bare POST | {with_error(razure)} | {bytes_op(razure)} |")
    w(f"| bare Reactor Netty POST, same bytes | {with_error(rbare)} | {bytes_op(rbare)} |")
    w(f"| tokenflow's overhead | {overhead * 100:+.0f} % ({fmt(rtf['score'] - rbare['score'])} µs) | "
      f"{fmt(rtf['bytes'] - rbare['bytes'], 0)} |")
    if razure:
        w(f"| Azure's overhead | {(razure['score'] / rbare['score'] - 1) * 100:+.0f} % ({fmt(razure['score'] - rbare['score'])} µs) | "
          f"{fmt(razure['bytes'] - rbare['bytes'], 0)} |")
    w("")

    # ---- cold start
    if any(cold.values()):
        w("### `ColdStartBenchmark`: `build()` -> first token -> `dispose()`, shared connections\n")
        w("| client | µs/op (± 99.9 % CI) | B/op |")
        w("|---|---|---|")
        labels = {"tokenflow": "tokenflow `TokenService`", "azure": "Azure `AccessTokenCache` over the bare POST",
                  "google": "Google `OAuth2Credentials` over the bare POST", "spring": "Spring Security authorized-client manager"}
        for impl, r in cold.items():
            if r:
                w(f"| {labels[impl]} | {with_error(r)} | {bytes_op(r)} |")
        w("")

    # ---- join garbage
    jrows = sorted(((r["n"], impl, r) for (name, impl), r in jmh.items() if name.startswith("JoinGarbageBenchmark")),
                   key=lambda t: (t[1] != "tokenflow", t[0]))
    if jrows:
        w("### `JoinGarbageBenchmark`: garbage when N callers join one refresh\n")
        w("| client | N | ms/op | B/op | B per joiner |")
        w("|---|---|---|---|---|")
        for n, impl, r in jrows:
            label = "tokenflow `token()`" if impl == "tokenflow" else "Google `getRequestMetadata(uri, executor, callback)`"
            w(f"| {label} | {n:,} | {with_error(r, digits=2)} | {fmt(r['bytes'], 0)} | {r['bytes'] / n:,.0f} |")
        w("")

    # ---- footprint
    if fp:
        w(f"### `Footprint`: {fp['clients']:,} idle clients holding a token, in one JVM each\n")
        w("| client | retained heap per client | built with first tokens in | threads | connections opened |")
        w("|---|---|---|---|---|")
        labels = {"tokenflow": "tokenflow, lone `TokenService`s (shared pool)",
                  "spring": "Spring Security, one registration each (one manager)",
                  "azure": "Azure `AccessTokenCache` + `TokenCredential` each", "google": "Google `OAuth2Credentials` each"}
        for impl in ("tokenflow", "spring", "azure", "google"):
            r = fp["runs"].get(impl)
            if r:
                w(f"| {labels[impl]} | {r['bytesPerClient']:,.0f} B | {r['millis'] / 1000:.1f} s | {r['threads']} | {r['connections']} |")
        w("")
    nimbus = [(n, jmh.get((f"NimbusCodecBenchmark.{n}", None))) for n in ("build", "parse")]
    if all(r is not None for _, r in nimbus):
        w("Of that overhead, the Nimbus work alone (`NimbusCodecBenchmark`, CPU only, no I/O):\n")
        w("| step | ns/op (± 99.9 % CI) | B/op |")
        w("|---|---|---|")
        labels = {"build": "build: `TokenRequest` -> `HTTPRequest`, body and headers",
                  "parse": "parse: the body as JSON once, then `AccessTokenResponse.parse(JSONObject)`"}
        for n, r in nimbus:
            w(f"| {labels[n]} | {with_error(r)} | {bytes_op(r)} |")
        total = sum(r["score"] for _, r in nimbus) / 1000
        w(f"| total | {total:.1f} µs = {100 * total / rbare['score']:.0f} % of the bare POST | "
          f"{fmt(sum(r['bytes'] for _, r in nimbus), 0)} |")
        w("")

    # ---- stampede
    w(f"### `Stampede`: token requests when N callers find the token expired "
      f"(endpoint answers in {stampede['answerDelayMillis']} ms)\n")
    w("| N | tokenflow | Spring (defaults) | Spring, unbounded pool queue |")
    w("|---|---|---|---|")
    by = {(r["impl"], r["callers"]): r for r in stampede["runs"]}

    def cell(r):
        text = f"**{r['tokenRequests']:,}** request{'' if r['tokenRequests'] == 1 else 's'}"
        if r["attempted"] != r["tokenRequests"]:
            text += f" ({r['attempted']:,} attempted)"
        text += f"; {r['succeeded']:,} ok"
        if r["failed"]:
            text += f", {r['failed']:,} failed: " + ", ".join(f"{k} × {v:,}" for k, v in r["errors"].items())
        return text + f"; {r['millis']:,} ms"

    for n in stampede["callers"]:
        w(f"| {n:,} | {cell(by[('tokenflow', n)])} | {cell(by[('spring', n)])} | {cell(by[('spring-unbounded-queue', n)])} |")
    w("")

    text = replace(DOC.read_text(), BEGIN, END, out)
    if (RESULTS / "store-coordination.json").exists():
        text = replace(text, SC_BEGIN, SC_END, store_coordination(load_jmh("store-coordination.json")))
    DOC.write_text(text)
    print(f"updated {DOC.relative_to(ROOT)}")


def replace(text, begin, end, lines):
    if begin not in text or end not in text:
        sys.exit(f"{DOC} lacks the markers {begin} / {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + "\n".join(lines) + end + tail


def store_coordination(jmh):
    """StoreCoordinationBenchmark: the store's part of a refresh and a whole refresh, per store."""
    out = []
    w = out.append
    impls = [("memory", "`InMemoryCredentialStore` (no coordination)"), ("file", "`FileCredentialStore`"),
             ("redis", "`RedisCredentialStore`, AES-GCM")]
    w("| store | store's part: lease, load, claim, save, release (µs/op ± 99.9 % CI) | B/op "
      "| whole refresh, rotating refresh token (µs/op ± 99.9 % CI) | B/op |")
    w("|---|---|---|---|---|")
    for impl, label in impls:
        rnd = jmh.get(("StoreCoordinationBenchmark.storeRound", impl))
        ref = jmh.get(("StoreCoordinationBenchmark.refresh", impl))
        if rnd is None or ref is None:
            continue
        w(f"| {label} | {with_error(rnd)} | {bytes_op(rnd)} | {with_error(ref)} | {bytes_op(ref)} |")
    w("")
    mem = jmh.get(("StoreCoordinationBenchmark.refresh", "memory"))
    file = jmh.get(("StoreCoordinationBenchmark.refresh", "file"))
    redis = jmh.get(("StoreCoordinationBenchmark.refresh", "redis"))
    if mem and file and redis:
        w(f"Coordination per refresh, over the in-memory store: file {fmt(file['score'] - mem['score'])} µs, "
          f"Redis {fmt(redis['score'] - mem['score'])} µs; Redis against file: "
          f"{fmt(redis['score'] / file['score'], 2)}x the whole refresh.")
        w("")
    return out


if __name__ == "__main__":
    main()
