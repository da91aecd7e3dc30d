# master/local.mk - the wsfan binary: the master, with the worker linked in.
sbin_PROGRAMS += wsfan
wsfan_SOURCES = \
	master/main.c \
	master/lsn.c master/lsn.h \
	master/rspawn.c master/rspawn.h \
	master/sup.c master/sup.h
wsfan_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/master $(LIBEV_CFLAGS)
wsfan_LDADD = $(WORKER_LDADD)
