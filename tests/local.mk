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
	tests/unit/worker/test_http \
	tests/unit/worker/test_hs \
	tests/unit/worker/test_pmd \
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
tests_unit_worker_test_wsf_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_wsf_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_http_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_http_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_hs_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_hs_LDADD = $(UNIT_WORKER_LDADD)
tests_unit_worker_test_pmd_CPPFLAGS = $(UNIT_WORKER_CPPFLAGS)
tests_unit_worker_test_pmd_LDADD = $(UNIT_WORKER_LDADD)

integration_tests = \
	tests/integration/test_config.py \
	tests/integration/test_process.py \
	tests/integration/test_http.py

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
