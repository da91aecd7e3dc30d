# worker/local.mk - libwfworker.a: everything a worker process runs.
# llhttp is a library where the system has one (libllhttp.pc), else its
# sources (Debian 12's node-llhttp) are compiled in from LLHTTP_SRCDIR:
# copied into the build tree at build time, never into the repository.
noinst_LIBRARIES += worker/libwfworker.a
worker_libwfworker_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/worker \
	$(LIBEV_CFLAGS) $(LLHTTP_CFLAGS) $(HIREDIS_CFLAGS) $(OPENSSL_CFLAGS) \
	$(ZLIB_CFLAGS) $(LIBURING_CFLAGS)
worker_libwfworker_a_SOURCES = \
	worker/api.c worker/api.h \
	worker/chan.c worker/chan.h \
	worker/conn.c worker/conn.h worker/conn-t.h \
	worker/fan.c worker/fan.h \
	worker/hs.c worker/hs.h \
	worker/http.c worker/http.h \
	worker/metrics.c worker/metrics.h \
	worker/pmd.c worker/pmd.h \
	worker/proto.c worker/proto.h \
	worker/route.c worker/route.h \
	worker/rsub.c worker/rsub.h \
	worker/wbatch.c worker/wbatch.h \
	worker/ws.c worker/ws.h \
	worker/wsf.c worker/wsf.h \
	worker/wrk.c

WORKER_LIBS = worker/libwfworker.a
if LLHTTP_BUNDLED
noinst_LIBRARIES += worker/libwfllhttp.a
nodist_worker_libwfllhttp_a_SOURCES = \
	worker/llhttp-src/llhttp.c worker/llhttp-src/api.c \
	worker/llhttp-src/http.c
worker_libwfllhttp_a_CPPFLAGS = $(LLHTTP_CFLAGS)
worker_libwfllhttp_a_CFLAGS = -w
WORKER_LIBS += worker/libwfllhttp.a
CLEANFILES += $(nodist_worker_libwfllhttp_a_SOURCES)

worker/llhttp-src/llhttp.c: $(LLHTTP_SRCDIR)/llhttp.c
	$(AM_V_GEN)$(MKDIR_P) worker/llhttp-src && cp $< $@
worker/llhttp-src/api.c: $(LLHTTP_SRCDIR)/api.c
	$(AM_V_GEN)$(MKDIR_P) worker/llhttp-src && cp $< $@
worker/llhttp-src/http.c: $(LLHTTP_SRCDIR)/http.c
	$(AM_V_GEN)$(MKDIR_P) worker/llhttp-src && cp $< $@
endif
WORKER_LDADD = $(WORKER_LIBS) shared/libwfshared.a $(LLHTTP_LIBS) \
	$(LIBEV_LIBS) $(HIREDIS_LIBS) $(OPENSSL_LIBS) $(ZLIB_LIBS) \
	$(LIBURING_LIBS) -lm
worker_libwfworker_a_SOURCES += worker/rlink.c worker/rlink.h \
	worker/rlink_io.c worker/rlink_io.h
