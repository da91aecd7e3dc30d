# tests/local.mk - the test suite: cmocka unit tests (one program per
# module, tests/unit mirrors the tree) and integration tests that drive the
# real daemon (tests/integration, Python 3 standard library only).
UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
UNIT_SHARED_LDADD = shared/libwfshared.a $(CMOCKA_LIBS)
UNIT_WORKER_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/worker \
	$(LIBEV_CFLAGS) $(LLHTTP_CFLAGS) $(ZLIB_CFLAGS)
UNIT_WORKER_LDADD = $(WORKER_LDADD) $(CMOCKA_LIBS)

unit_tests = \
	tests/unit/shared/test_buf \
	tests/unit/shared/test_conf \
	tests/unit/shared/test_json \
	tests/unit/shared/test_tq \
	tests/unit/shared/test_utf8 \
	tests/unit/worker/test_chan \
	tests/unit/worker/test_http \
	tests/unit/worker/test_hs \
	tests/unit/worker/test_pmd \
	tests/unit/worker/test_wbatch \
	tests/unit/worker/test_wsf
check_PROGRAMS += $(unit_tests)

tests_unit_shared_test_buf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_buf_LDADD = $(UNIT_SHARED_LDADD)
tests_unit_shared_test_conf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_conf_LDADD = $(UNIT_SHARED_LDADD)
tests_unit_shared_test_json_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_json_LDADD = $(UNIT_SHARED_LDADD)
tests_unit_shared_test_tq_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_tq_LDADD = $(UNIT_SHARED_LDADD)
tests_unit_shared_test_utf8_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_utf8_LDADD = $(UNIT_SHARED_LDADD)
tests_unit_worker_test_chan_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_chan_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_wsf_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_wsf_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_http_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_http_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_hs_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_hs_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_pmd_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_pmd_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_wbatch_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_wbatch_LDADD = $(UNIT_WORKER_LDADD)

integration_tests = \
	tests/integration/test_config.py \
	tests/integration/test_process.py \
	tests/integration/test_http.py \
	tests/integration/test_ws.py \
	tests/integration/test_api.py \
	tests/integration/test_docs.py \
	tests/integration/test_metrics.py

TESTS += $(unit_tests) $(integration_tests)
EXTRA_DIST += $(integration_tests) tests/integration/wsfantest.py

TEST_EXTENSIONS = .py
PY_LOG_COMPILER = $(PYTHON3)
AM_TESTS_ENVIRONMENT = \
	WSFAN_BIN='$(abs_top_builddir)/wsfan'; \
	WSFAN_SRCDIR='$(abs_top_srcdir)'; \
	REDIS_SERVER='$(REDIS_SERVER)'; \
	PYTHONPATH='$(abs_top_srcdir)/tests/integration'; \
	PYTHONDONTWRITEBYTECODE=1; \
	export WSFAN_BIN WSFAN_SRCDIR REDIS_SERVER PYTHONPATH \
	PYTHONDONTWRITEBYTECODE;

# Real clients against the real daemon: Node.js ws and headless Chromium
# (playwright-core). test_clients.py runs `npm ci` for the pinned
# dependencies (js/package-lock.json) into $(abs_top_builddir)/tests/js,
# never into the source tree.
integration_tests += tests/integration/test_clients.py
EXTRA_DIST += \
	tests/integration/js/package.json \
	tests/integration/js/package-lock.json \
	tests/integration/js/ws_echo.mjs \
	tests/integration/js/browser_echo.mjs
AM_TESTS_ENVIRONMENT += \
	WSFAN_BUILDDIR='$(abs_top_builddir)'; \
	export WSFAN_BUILDDIR;
clean-local: clean-tests-js
clean-tests-js:
	-rm -rf tests/js
.PHONY: clean-tests-js

# Redis addresses (shared/raddr.c), and the Redis link (worker/rlink.c) as
# a C program against a real redis-server (REDIS_SERVER, set above).
check_PROGRAMS += tests/unit/shared/test_raddr tests/integration/test_rlink
TESTS += tests/unit/shared/test_raddr tests/integration/test_rlink
tests_unit_shared_test_raddr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_raddr_LDADD = $(UNIT_SHARED_LDADD)
tests_integration_test_rlink_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS) \
	$(HIREDIS_CFLAGS)
tests_integration_test_rlink_LDADD = $(UNIT_WORKER_LDADD)
integration_tests += tests/integration/test_spawn.py
integration_tests += tests/integration/test_ctl.py
integration_tests += tests/integration/test_fanout.py
check_PROGRAMS += tests/unit/shared/test_ctlproto
TESTS += tests/unit/shared/test_ctlproto
tests_unit_shared_test_ctlproto_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_ctlproto_LDADD = $(UNIT_SHARED_LDADD)
integration_tests += tests/integration/test_notify.py
integration_tests += tests/integration/test_reload.py
integration_tests += tests/integration/test_logs.py
integration_tests += tests/integration/test_user.py
integration_tests += tests/integration/test_activation.py

# channels --top: one worker's list over IPC and the merge of several.
check_PROGRAMS += tests/unit/shared/test_chantop
TESTS += tests/unit/shared/test_chantop
tests_unit_shared_test_chantop_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_shared_test_chantop_LDADD = $(UNIT_SHARED_LDADD)

# make check-unit: the tests that need only the build (cmocka unit tests
# and the fuzz corpus replays): no redis-server, Python, network or root.
# The Debian and RPM package builds run these.
unit_only_tests = $(unit_tests) $(bench_unit_tests) \
	tests/unit/shared/test_raddr tests/unit/shared/test_ctlproto \
	tests/unit/shared/test_chantop \
	$(fuzz_replays)
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(unit_only_tests)'
.PHONY: check-unit

# The packaging files in step with the code; the example load balancer
# configurations (packaging/examples) in front of two instances.
integration_tests += tests/integration/test_packaging_files.py
integration_tests += tests/integration/test_haproxy.py
integration_tests += tests/integration/test_nginx.py
