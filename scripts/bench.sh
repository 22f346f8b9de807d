#!/usr/bin/env bash
# Reproduces the numbers in docs/performance.md. Run it on a quiet machine:
# nothing else busy, the load generator and the server sharing its cores.
#
#   scripts/bench.sh                  # every scenario on SQLite, 5 runs each
#   DATABASE_URL=postgres://... scripts/bench.sh   # PostgreSQL as well
#   SESSIONS="10000 100000 1000000 10000000" scripts/bench.sh scale
#   BASE=81a25b2 RUNS=3 DURATION=5s scripts/bench.sh compare   # BASE, then this tree, back to back
#                                   (with DATABASE_URL, on PostgreSQL as well)
#   BASE=7da1e16 ROUNDS=3 RUNS=3 DURATION=5s SCENARIOS=ceiling,sso-refresh,signin-refresh,sso-authcode \
#       scripts/bench.sh compare    # the two builds in turn three times (SQLite)
#   BASE=81a25b2 scripts/bench.sh instructions   # callgrind: instructions per refresh, BASE and this tree
#   SOAK=2h scripts/bench.sh soak                 # the soak at half the mix's peak
#
# Outputs go to bench-results/ (JSON, SVG, text table per step).
set -eu

RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-16}
OUT=${OUT:-bench-results}
SESSIONS=${SESSIONS:-"10000 100000 1000000 10000000"}
mkdir -p "$OUT"
# One master key for every server this script starts: a PostgreSQL database
# keeps the keys the first run sealed with it.
SIGNET_MASTER_KEY=${SIGNET_MASTER_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export SIGNET_MASTER_KEY

go build -o "$OUT/signet" ./cmd/signet
SIGNET="$OUT/signet"
common="--runs $RUNS --duration $DURATION --concurrency $CONCURRENCY --progress=false"

# Go benchmarks of the hot paths (token mint and lookup, DPoP, SigV4, the
# store's redeem and rotate on each backend).
gobench() {
	SIGNET_TEST_POSTGRES_URL=${DATABASE_URL:-} go test -run '^$' -bench . -benchmem -count 5 \
		./authserver ./dpop ./sigv4 ./bench ./api/awsjson | tee "$OUT/gobench.txt"
}

# Every scenario against a server the tool starts on a temporary SQLite
# file (and on PostgreSQL when DATABASE_URL is set).
scenarios() {
	"$SIGNET" bench --scenario all $common --json "$OUT/sqlite.json" --plot "$OUT/sqlite.svg" | tee "$OUT/sqlite.txt"
	if [ -n "${DATABASE_URL:-}" ]; then
		"$SIGNET" bench --scenario ceiling,sso-refresh,sso-authcode,signin-refresh $common \
			--database-url "$DATABASE_URL" --json "$OUT/postgres.json" --plot "$OUT/postgres.svg" | tee "$OUT/postgres.txt"
	fi
}

# p99 at half of each peak rate: each scenario runs closed loop for its
# peak, then open loop at a fixed rate of half that peak (--half-peak);
# latency is timed from each iteration's scheduled start.
half() {
	"$SIGNET" bench --scenario ceiling,sso-refresh,sso-authcode,sso-device,signin-refresh,signin-login,broker-exchange,sigv4,client-credentials \
		--half-peak $common --json "$OUT/half.json" --plot "$OUT/half.svg" | tee "$OUT/half.txt"
	if [ -n "${DATABASE_URL:-}" ]; then
		"$SIGNET" bench --scenario ceiling,sso-refresh,sso-authcode,signin-refresh --half-peak $common \
			--database-url "$DATABASE_URL" --json "$OUT/half-postgres.json" | tee "$OUT/half-postgres.txt"
	fi
}

# sso-refresh with N live sessions already in the store: seed a data
# directory, serve it, measure, for each N.
scale() {
	for n in $SESSIONS; do
		dir=$(mktemp -d)
		"$SIGNET" bench seed --sessions "$n" --data-dir "$dir"
		# The traffic limits are off as in the servers bench starts itself:
		# all load comes from one loopback address.
		"$SIGNET" serve --dev --dev-auto-approve --data-dir "$dir" --addr 127.0.0.1:0 --log-level error \
			--rate-limit-client=off --rate-limit-ip=off --rate-limit-node=off \
			>/dev/null 2>"$dir/server.log" &
		pid=$!
		addr=""
		for _ in $(seq 1 100); do
			addr=$(sed -n 's/^listening on //p' "$dir/server.log" | head -n 1)
			[ -n "$addr" ] && break
			sleep 0.2
		done
		[ -n "$addr" ] || { echo "server did not start; see $dir/server.log" >&2; kill "$pid"; exit 1; }
		"$SIGNET" bench --target "$addr" --scenario ceiling,sso-refresh $common \
			--json "$OUT/scale-$n.json" | tee "$OUT/scale-$n.txt"
		grep VmHWM "/proc/$pid/status" | tee -a "$OUT/scale-$n.txt" || true
		kill -INT "$pid"
		wait "$pid" || true
		du -sh "$dir" | tee -a "$OUT/scale-$n.txt"
		rm -rf "$dir"
	done
}

# base_tree unpacks the commit BASE into a new temporary directory and
# prints its path; the caller removes it.
base_tree() {
	: "${BASE:?set BASE to the commit to compare against}"
	src=$(mktemp -d)
	git archive "$BASE" | tar -x -C "$src"
	echo "$src"
}

# The build BASE (a commit) against this tree, back to back in one sitting
# on SQLite: the before/after table of docs/performance.md, and the Go
# benchmark of one refresh through the engine on both.
compare() {
	src=$(base_tree)
	out=$(cd "$OUT" && pwd)
	(cd "$src" && go build -o "$out/signet-base" ./cmd/signet)
	sc=${SCENARIOS:-ceiling,sso-refresh,sso-authcode,signin-refresh,sigv4}
	(cd "$src" && go test -run '^$' -bench '^BenchmarkRefresh$' -benchmem -benchtime 3000x -count 3 ./authserver) |
		tee "$OUT/compare-gobench-base.txt"
	go test -run '^$' -bench '^BenchmarkRefresh$' -benchmem -benchtime 3000x -count 3 ./authserver |
		tee "$OUT/compare-gobench.txt"
	rm -rf "$src"
	# ROUNDS > 1 runs the two builds in turn that many times, so that a
	# machine whose speed drifts during the sitting weighs on both alike;
	# quote the medians of the rounds.
	for round in $(seq 1 "${ROUNDS:-1}"); do
		"$out/signet-base" bench --scenario "$sc" $common --json "$OUT/compare-base-$round.json" | tee "$OUT/compare-base-$round.txt"
		"$SIGNET" bench --scenario "$sc" $common --json "$OUT/compare-$round.json" | tee "$OUT/compare-$round.txt"
	done
	# With DATABASE_URL (an empty database the two builds share: their
	# schemas must agree), the same on PostgreSQL, twice in turn.
	if [ -n "${DATABASE_URL:-}" ]; then
		pg=ceiling,sso-refresh,sso-authcode,signin-refresh
		for round in 1 2; do
			"$out/signet-base" bench --scenario $pg $common --database-url "$DATABASE_URL" | tee "$OUT/compare-postgres-base-$round.txt"
			"$SIGNET" bench --scenario $pg $common --database-url "$DATABASE_URL" | tee "$OUT/compare-postgres-$round.txt"
		done
	fi
}

# Instructions per refresh through the engine and the SQLite store, counted
# by callgrind (independent of what else the machine runs): Ir at 1,200
# iterations minus Ir at 200, over 1,000, with the collector off; three
# rounds of BASE and this tree in turn, for the SSO and the Sign-In refresh.
# Besides the total, the instructions in SQLite's and libc's functions
# alone: the Go scheduler's share under valgrind varies from run to run by
# more than most changes (docs/performance.md, fourth sitting).
instructions() {
	src=$(base_tree)
	out=$(cd "$OUT" && pwd)
	# Both builds run this tree's benchmarks (BenchmarkRefreshSignIn reads
	# the Sign-In policies only since cb719cb).
	cp authserver/bench*_test.go "$src/authserver/"
	(cd "$src" && go test -c -o "$out/authserver-base.test" ./authserver)
	rm -rf "$src"
	go test -c -o "$out/authserver.test" ./authserver
	# ir BIN N BENCH prints the total, SQLite's and libc's instructions.
	ir() {
		GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
			"$1" -test.run '^$' -test.bench "^$3\$" -test.benchtime "$2"x >/dev/null 2>&1
		callgrind_annotate --auto=no --threshold=100 "$out/callgrind.out" |
			awk '/^ *[0-9,]+ \(/ { n = $1; gsub(",", "", n)
				if ($0 ~ /PROGRAM TOTALS/) t = n
				else if ($0 ~ /modernc.org\/sqlite\/lib\./) q += n
				else if ($0 ~ /modernc.org\/libc/) c += n }
				END { print t + 0, q + 0, c + 0 }'
	}
	for bench in BenchmarkRefresh BenchmarkRefreshSignIn; do
		for round in 1 2 3; do
			for bin in authserver-base.test authserver.test; do
				read -r ht hq hc < <(ir "$out/$bin" 1200 "$bench")
				read -r lt lq lc < <(ir "$out/$bin" 200 "$bench")
				echo "$bench round $round $bin: $(((ht - lt) / 1000)) instructions per refresh," \
					"$(((hq - lq) / 1000)) in SQLite, $(((hc - lc) / 1000)) in libc"
			done
		done
	done | tee "$OUT/instructions.txt"
	rm -f "$out/callgrind.out"
}

# The soak: the default mix round-robin at half its measured peak, a
# sample a minute (docs/performance.md, Soak).
soak() {
	"$SIGNET" bench --soak "${SOAK:-2h}" --interval 60s --json "$OUT/soak.json" --plot "$OUT/soak.svg" | tee "$OUT/soak.txt"
}

case "${1:-all}" in
gobench) gobench ;;
scenarios) scenarios ;;
half) half ;;
scale) scale ;;
compare) compare ;;
instructions) instructions ;;
soak) soak ;;
all) gobench; scenarios; half; scale ;;
*) echo "usage: $0 [all|gobench|scenarios|half|scale|compare|instructions|soak]" >&2; exit 2 ;;
esac
