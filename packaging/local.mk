# packaging/local.mk - packages, built from `make dist`'s tarball:
#   make deb              wsfan_<version>_<arch>.deb (packaging/debian,
#                         dpkg-buildpackage; Debian 12 and later)
#   make rpm              wsfan-<version>-<release>.<arch>.rpm
#                         (packaging/rpm/wsfan.spec, rpmbuild; on a machine
#                         without an RPM database, i.e. Debian's rpm
#                         package, with --nodeps)
#   make check-packaging  builds both, then tests/packaging/check_packaging.py
#                         installs the .deb on this machine, runs it, purges
#                         it and checks the RPM's file list (root; .ci/run)
# Intermediate files go to pkg-build/; the packages to the build directory.
EXTRA_DIST += \
	packaging/wsfan.conf \
	packaging/systemd/wsfan.service \
	packaging/systemd/wsfan.sysusers \
	packaging/systemd/wsfan.tmpfiles \
	packaging/debian/changelog \
	packaging/debian/control \
	packaging/debian/copyright \
	packaging/debian/rules \
	packaging/debian/source/format \
	packaging/debian/wsfan.docs \
	packaging/debian/wsfan.examples \
	packaging/debian/wsfan.lintian-overrides \
	packaging/debian/wsfan.postrm \
	packaging/rpm/wsfan.spec \
	packaging/examples/haproxy.cfg \
	packaging/examples/nginx.conf \
	tests/packaging/check_packaging.py

PKG_BUILD = pkg-build
# Jobs for the compiler inside the package builds.
PKG_JOBS = 2

# The version of configure.ac, packaging/debian/changelog (its upstream
# part) and packaging/rpm/wsfan.spec must agree: a release adds a changelog
# entry to both ("dch -v VERSION-1", and a %changelog entry).
check-pkg-versions:
	@deb=`sed -n '1s/^wsfan (\([^)]*\)).*/\1/p' \
		$(srcdir)/packaging/debian/changelog`; \
	rpm=`sed -n 's/^Version: *//p' $(srcdir)/packaging/rpm/wsfan.spec`; \
	ok=1; \
	case "$$deb" in \
	$(PACKAGE_VERSION)-*) ;; \
	*) echo "packaging/debian/changelog is at $$deb, configure.ac at" \
		"$(PACKAGE_VERSION): add an entry (dch -v $(PACKAGE_VERSION)-1)"; \
	   ok=0;; \
	esac; \
	if test "$$rpm" != "$(PACKAGE_VERSION)"; then \
		echo "packaging/rpm/wsfan.spec has Version: $$rpm, configure.ac" \
			"$(PACKAGE_VERSION): update it and its %changelog"; \
		ok=0; \
	fi; \
	test $$ok = 1

deb: check-pkg-versions
	rm -rf $(PKG_BUILD)/deb wsfan_*.deb wsfan-dbgsym_*.deb
	$(MAKE) $(AM_MAKEFLAGS) dist-gzip
	$(MKDIR_P) $(PKG_BUILD)/deb
	tar -C $(PKG_BUILD)/deb -xzf $(distdir).tar.gz
	cp -R $(PKG_BUILD)/deb/$(distdir)/packaging/debian \
		$(PKG_BUILD)/deb/$(distdir)/debian
	cd $(PKG_BUILD)/deb/$(distdir) && \
		DEB_BUILD_OPTIONS="parallel=$(PKG_JOBS) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -us -uc -b
	mv $(PKG_BUILD)/deb/wsfan_*.deb .
	-mv $(PKG_BUILD)/deb/wsfan-dbgsym_*.deb . 2>/dev/null
	@ls wsfan_*.deb

rpm: check-pkg-versions
	rm -rf $(PKG_BUILD)/rpm wsfan-*.rpm
	$(MAKE) $(AM_MAKEFLAGS) dist-gzip
	$(MKDIR_P) $(PKG_BUILD)/rpm/SOURCES
	cp $(distdir).tar.gz $(srcdir)/packaging/systemd/wsfan.sysusers \
		$(PKG_BUILD)/rpm/SOURCES/
	@nodeps=; if ! rpm -q rpm >/dev/null 2>&1; then \
		echo "rpm: no RPM database here (not an RPM system):" \
			"building with --nodeps"; nodeps=--nodeps; fi; \
	echo rpmbuild -bb $$nodeps ...; \
	rpmbuild -bb $$nodeps \
		--define "_topdir $(abs_builddir)/$(PKG_BUILD)/rpm" \
		--define "_smp_mflags -j$(PKG_JOBS)" \
		$(srcdir)/packaging/rpm/wsfan.spec
	mv $(PKG_BUILD)/rpm/RPMS/*/wsfan-*.rpm .
	@ls wsfan-*.rpm

check-packaging:
	$(MAKE) $(AM_MAKEFLAGS) deb
	$(MAKE) $(AM_MAKEFLAGS) rpm
	REDIS_SERVER='$(REDIS_SERVER)' \
	PYTHONPATH='$(abs_top_srcdir)/tests/integration' \
	PYTHONDONTWRITEBYTECODE=1 \
		$(PYTHON3) $(srcdir)/tests/packaging/check_packaging.py \
		--deb wsfan_*.deb --rpm wsfan-[0-9]*.rpm \
		--version $(PACKAGE_VERSION)

clean-local: clean-packages
clean-packages:
	-rm -rf $(PKG_BUILD) wsfan_*.deb wsfan-dbgsym_*.deb wsfan-*.rpm

.PHONY: check-pkg-versions deb rpm check-packaging clean-packages
