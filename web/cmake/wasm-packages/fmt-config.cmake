include(${CMAKE_CURRENT_LIST_DIR}/host-headers.cmake)
gradlab_host_headers(fmt::fmt fmt INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
