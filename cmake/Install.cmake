# cmake --install: what a packaged istmd needs (docs/install.md). The binaries
# install from src/daemon and src/ctl (sbin/istmd, bin/istmctl).
include(GNUInstallDirs)

# Where systemd looks for units and tmpfiles.d entries: its pkg-config
# variables, else Debian's paths. Absolute on purpose: systemd does not read
# /usr/local/lib/systemd/system.
pkg_get_variable(_unitdir systemd systemdsystemunitdir)
if(NOT _unitdir)
  set(_unitdir /lib/systemd/system)
endif()
pkg_get_variable(_tmpfilesdir systemd tmpfilesdir)
if(NOT _tmpfilesdir)
  set(_tmpfilesdir /usr/lib/tmpfiles.d)
endif()
pkg_get_variable(_completionsdir bash-completion completionsdir)
if(NOT _completionsdir)
  set(_completionsdir ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endif()
set(ISTMD_SYSTEMD_UNIT_DIR ${_unitdir} CACHE PATH "systemd system unit directory")
set(ISTMD_TMPFILES_DIR ${_tmpfilesdir} CACHE PATH "tmpfiles.d directory")
set(ISTMD_BASH_COMPLETION_DIR ${_completionsdir} CACHE PATH "bash completion directory")
# The daemon's default config path is /etc/istmd/istmd.conf whatever the prefix.
set(ISTMD_CONFIG_DIR /etc/istmd CACHE PATH "configuration directory")

install(FILES conf/istmd.conf conf/tgtd.env DESTINATION ${ISTMD_CONFIG_DIR})
install(FILES conf/istmd.service conf/istmd-tgtd.service DESTINATION ${ISTMD_SYSTEMD_UNIT_DIR})
install(FILES conf/istmd.tmpfiles DESTINATION ${ISTMD_TMPFILES_DIR} RENAME istmd.conf)
# istmd-tgtd.service's ExecStop names this path.
install(PROGRAMS conf/istmd-tgtd-stop DESTINATION /usr/libexec/istmd)

install(FILES man/istmd.8 man/istmctl.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES man/istmd.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES man/istmd-replay.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

file(GLOB _docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES README.md LICENSE ${_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# istmctl's completion (bash-completion loads it by command name).
set(_completion ${PROJECT_SOURCE_DIR}/src/ctl/completion/istmctl.bash)
if(EXISTS ${_completion})
  install(FILES ${_completion} DESTINATION ${ISTMD_BASH_COMPLETION_DIR} RENAME istmctl)
endif()
