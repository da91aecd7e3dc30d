# master/local.mk - the wsfan binary: the master, with the worker linked in.
sbin_PROGRAMS += wsfan
wsfan_SOURCES = \
	master/main.c \
	master/chanrank.c master/chanrank.h \
	master/lsn.c master/lsn.h \
	master/notify.c master/notify.h \
	master/priv.c master/priv.h \
	master/rspawn.c master/rspawn.h \
	master/sup.c master/sup.h
wsfan_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/master $(LIBEV_CFLAGS)
wsfan_LDADD = $(WORKER_LDADD)

# The control socket (master/ctlsrv.c, answers in master/ctlcmd.c) and
# wsfanctl, which talks to it and links shared/ only.
wsfan_SOURCES += \
	master/ctlcmd.c master/ctlcmd.h \
	master/ctlsrv.c master/ctlsrv.h
bin_PROGRAMS += wsfanctl
wsfanctl_SOURCES = master/ctl/wsfanctl.c \
	master/ctl/ctlshow.c master/ctl/ctlshow.h
wsfanctl_LDADD = shared/libwfshared.a
EXTRA_DIST += docs/control-protocol.md
