# The wasm build uses the host's header-only packages (Eigen, fmt in header-only mode, CLI11,
# nlohmann-json) from Debian, but not their CMake configs: those add -isystem /usr/include, where
# glibc's headers would shadow emscripten's libc. Each package gets an INTERFACE target with the
# same name whose include directory holds only that package's headers.
function(gradlab_host_headers target subdir)
  set(stage ${CMAKE_BINARY_DIR}/host-include/${subdir})
  if(NOT EXISTS ${stage}/${subdir})
    if(NOT IS_DIRECTORY /usr/include/${subdir})
      message(FATAL_ERROR "wasm build: /usr/include/${subdir} is missing (install the Debian package)")
    endif()
    file(MAKE_DIRECTORY ${stage})
    file(CREATE_LINK /usr/include/${subdir} ${stage}/${subdir} SYMBOLIC)
  endif()
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${stage} ${ARGN})
  endif()
endfunction()
