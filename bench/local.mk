# bench/local.mk - wsfan-bench, the load generator (built, not installed),
# its unit tests, its smoke test in `make check`, and the comparison
# scripts. Included after tests/local.mk: it appends to integration_tests.
noinst_PROGRAMS += bench/wsfan-bench
bench_wsfan_bench_SOURCES = \
	bench/bench.c bench/bench.h \
	bench/client.c bench/client.h \
	bench/uring.c bench/uring.h \
	bench/frame.c bench/frame.h \
	bench/hist.c bench/hist.h \
	bench/opts.c \
	bench/payload.c bench/payload.h \
	bench/peer.c \
	bench/pmd.c bench/pmd.h \
	bench/pub.c \
	bench/redis.c bench/redis.h \
	bench/report.c \
	bench/worker.c
bench_wsfan_bench_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS)
bench_wsfan_bench_LDADD = $(OPENSSL_LIBS) $(ZLIB_LIBS)

# Unit tests: no network, no fork.
bench_unit_tests = \
	tests/unit/bench/test_hist \
	tests/unit/bench/test_frames \
	tests/unit/bench/test_payload \
	tests/unit/bench/test_opts \
	tests/unit/bench/test_uring
check_PROGRAMS += $(bench_unit_tests)
TESTS += $(bench_unit_tests)
BENCH_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/bench $(ZLIB_CFLAGS)
tests_unit_bench_test_hist_SOURCES = tests/unit/bench/test_hist.c \
	bench/hist.c
tests_unit_bench_test_hist_CPPFLAGS = $(BENCH_UNIT_CPPFLAGS)
tests_unit_bench_test_hist_LDADD = $(CMOCKA_LIBS)
tests_unit_bench_test_frames_SOURCES = tests/unit/bench/test_frames.c \
	bench/frame.c bench/pmd.c
tests_unit_bench_test_frames_CPPFLAGS = $(BENCH_UNIT_CPPFLAGS)
tests_unit_bench_test_frames_LDADD = $(CMOCKA_LIBS) $(ZLIB_LIBS)
tests_unit_bench_test_payload_SOURCES = tests/unit/bench/test_payload.c \
	bench/payload.c bench/redis.c
tests_unit_bench_test_payload_CPPFLAGS = $(BENCH_UNIT_CPPFLAGS)
tests_unit_bench_test_payload_LDADD = $(CMOCKA_LIBS)
tests_unit_bench_test_opts_SOURCES = tests/unit/bench/test_opts.c \
	bench/opts.c bench/peer.c
tests_unit_bench_test_opts_CPPFLAGS = $(BENCH_UNIT_CPPFLAGS)
tests_unit_bench_test_opts_LDADD = $(CMOCKA_LIBS)
tests_unit_bench_test_uring_SOURCES = tests/unit/bench/test_uring.c \
	bench/uring.c
tests_unit_bench_test_uring_CPPFLAGS = $(BENCH_UNIT_CPPFLAGS)
tests_unit_bench_test_uring_LDADD = $(CMOCKA_LIBS)

# Smoke test: a few hundred subscribers for a few seconds, zero loss.
integration_tests += tests/integration/test_bench.py
EXTRA_DIST += tests/integration/test_bench.py
AM_TESTS_ENVIRONMENT += \
	WSFAN_BENCH='$(abs_top_builddir)/bench/wsfan-bench'; \
	export WSFAN_BENCH;

# Side-by-side echo comparison against Node.js ws (bench/peers): run by
# hand, `bench/echo-compare --help`; npm installs into the build tree.
# Fan-out against nchan: `bench/compare-fanout --help`. wsfan, nchan and
# Node.js (ws + redis) on fan-out, connect rate and memory, in one run:
# `bench/compare --help`, or `make bench` below. benchlib.py is what the
# three scripts share.
EXTRA_DIST += bench/README.md bench/echo-compare bench/peers/ws-echo.mjs \
	bench/compare-fanout bench/peers/nchan.conf.in \
	bench/peers/package.json bench/peers/package-lock.json \
	bench/compare bench/benchlib.py bench/peers/ws-fanout.mjs

# `make bench`: bench/compare with moderate settings, about 10 minutes on
# 2 CPUs (its full defaults, BENCH_ARGS=, about 20). It rewrites its own
# section of docs/benchmarks.md and docs/img/bench-*.png in the source
# tree, prints a line per run on the way, and needs root (file limit,
# perf), taskset, redis-server, nginx-light + libnginx-mod-nchan, node +
# npm, gnuplot-nox and linux-perf: it says which apt-get install is
# missing. Not part of `make check`.
BENCH_ARGS = --rounds 2 --duration 4 --hold 2 --warmup 1
bench: all
	@echo "make bench: bench/compare $(BENCH_ARGS), about 10 minutes" \
		"(bench/compare --help; override with BENCH_ARGS=...)"
	$(srcdir)/bench/compare --out $(srcdir)/docs/benchmarks.md $(BENCH_ARGS)
.PHONY: bench
clean-local: clean-bench-peers
clean-bench-peers:
	-rm -rf bench/node
.PHONY: clean-bench-peers

# Scale: memory per idle connection and a million subscribers held for 10
# minutes (about 15 minutes in all; as root, or 20,000 files allowed).
EXTRA_DIST += bench/scale
bench-memory: all
	$(PYTHON3) $(srcdir)/bench/scale memory --build .
bench-million: all
	$(PYTHON3) $(srcdir)/bench/scale million --build .
.PHONY: bench-memory bench-million
