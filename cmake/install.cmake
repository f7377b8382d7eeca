# What `cmake --install` puts where (GNUInstallDirs, so --prefix and DESTDIR
# apply to all of it). The policy file /etc/oci-agent-hook/config.json is not
# installed here: an install must never overwrite an operator's policy, and
# only a package can keep it as a conffile (scripts/package.sh does). The
# hook reads its built-in defaults while the file is missing.

install(TARGETS oci-agent-hook RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The runtime wrapper name: the build tree's relative symlink, installed as
# a symlink.
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/oci-agent-runtime DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES README.md config.json.example DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The podman/CRI-O hooks.d entries: scripts/hooks.d is their one source (the
# engine tests use it as is); the installed copies name the installed binary.
# podman reads /usr/share/containers/oci/hooks.d and /etc/containers/oci/hooks.d
# only, so under another prefix they are examples to copy.
set(OCI_AGENT_HOOK_HOOKS_DIR ${CMAKE_INSTALL_DATADIR}/containers/oci/hooks.d)
file(GLOB hook_entries CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/hooks.d/*.json)
foreach(entry ${hook_entries})
  get_filename_component(name ${entry} NAME)
  file(READ ${entry} text)
  set(from "\"path\": \"/usr/bin/oci-agent-hook\"")
  string(FIND "${text}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${entry}: no ${from} to point at the installed binary")
  endif()
  string(REPLACE "${from}" "\"path\": \"${CMAKE_INSTALL_FULL_BINDIR}/oci-agent-hook\"" text "${text}")
  file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/hooks.d/${name} CONTENT "${text}")
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/hooks.d/${name} DESTINATION ${OCI_AGENT_HOOK_HOOKS_DIR})
endforeach()

# The sweep's systemd units: scripts/systemd is their one source; the
# installed service names the installed binary. systemd reads
# /usr/lib/systemd/system (prefix/lib, not LIBDIR: no multiarch there), so
# under another prefix they are examples to copy. The package does not
# enable the timer (README: systemctl enable --now oci-agent-hook-sweep.timer).
set(OCI_AGENT_HOOK_SYSTEMD_DIR lib/systemd/system)
file(GLOB systemd_units CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scripts/systemd/*.service ${PROJECT_SOURCE_DIR}/scripts/systemd/*.timer)
foreach(unit ${systemd_units})
  get_filename_component(name ${unit} NAME)
  file(READ ${unit} text)
  string(REPLACE "=/usr/bin/oci-agent-hook " "=${CMAKE_INSTALL_FULL_BINDIR}/oci-agent-hook " text "${text}")
  file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/systemd/${name} CONTENT "${text}")
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/${name} DESTINATION ${OCI_AGENT_HOOK_SYSTEMD_DIR})
endforeach()

# oci-agent-hook(8), from the built binary's --help (scripts/make-manpage.sh).
set(manpage ${CMAKE_CURRENT_BINARY_DIR}/oci-agent-hook.8)
add_custom_command(OUTPUT ${manpage}
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/make-manpage.sh $<TARGET_FILE:oci-agent-hook> ${manpage}
    ${CMAKE_INSTALL_FULL_DOCDIR} ${CMAKE_INSTALL_FULL_DATADIR}/containers/oci/hooks.d
  DEPENDS oci-agent-hook ${PROJECT_SOURCE_DIR}/scripts/make-manpage.sh
  COMMENT "Generating oci-agent-hook.8 from --help"
  VERBATIM)
add_custom_target(manpage ALL DEPENDS ${manpage})
install(FILES ${manpage} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
