# shared/local.mk - libwfshared.a: code both the master and the workers use.
noinst_LIBRARIES += shared/libwfshared.a
shared_libwfshared_a_SOURCES = \
	shared/buf.c shared/buf.h \
	shared/chantop.c shared/chantop.h \
	shared/conf.c shared/conf.h shared/conf_read.c shared/conf_val.c \
	shared/ctlproto.c shared/ctlproto.h \
	shared/err.c shared/err.h \
	shared/hash.c shared/hash.h \
	shared/ipc.c shared/ipc.h \
	shared/json.c shared/json.h \
	shared/log.c shared/log.h \
	shared/msg.c shared/msg.h \
	shared/pool.c shared/pool.h \
	shared/stats.c shared/stats.h \
	shared/tq.c shared/tq.h \
	shared/utf8.c shared/utf8.h \
	shared/x.c shared/x.h
shared_libwfshared_a_SOURCES += shared/raddr.c shared/raddr.h
