# gradlab_add_library(<name> SOURCES <file>... [PUBLIC <lib>...] [PRIVATE <lib>...])
#
# Declares one of gradlab's installed libraries from the folder that calls it (e.g. neuron/):
#   target    gradlab_<name> (libgradlab_<name>.a), alias gradlab::<name>, exported as gradlab::<name>
#   SOURCES   its .cpp files, relative to the calling folder (e.g. src/neuron.cpp)
#   headers   every *.hpp under <folder>/include (gradlab/<name>/...), as the target's FILE_SET HEADERS
#             with base directory <folder>/include: users include "gradlab/<name>/x.hpp", in the build
#             tree and installed alike
#   PUBLIC    libraries its users need too (e.g. gradlab::autodiff, Eigen3::Eigen)
#   PRIVATE   libraries only its own code needs
# Every library gets C++20 and gradlab's warnings, privately: the warnings target is linked as
# $<BUILD_INTERFACE:gradlab_warnings>, so it is neither exported nor passed to the package's users.
# The library is added to the global property GRADLAB_INSTALLED_LIBRARIES, which cmake/CMakeLists.txt
# installs (with its headers) and exports as the package `gradlab`. Options particular to one library
# (e.g. autodiff's -march=native) follow the call in that library's CMakeLists.txt.
#
# Example (neuron/CMakeLists.txt):
#   gradlab_add_library(neuron SOURCES src/neuron.cpp src/loss.cpp PUBLIC gradlab::autodiff)
include_guard(GLOBAL)

function(gradlab_add_library name)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(L_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "gradlab_add_library(${name}): unknown arguments ${L_UNPARSED_ARGUMENTS}")
  endif()
  set(target gradlab_${name})
  add_library(${target} ${L_SOURCES})
  add_library(gradlab::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME ${target})
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/include/*.hpp)
  target_sources(${target} PUBLIC FILE_SET HEADERS BASE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/include
                 FILES ${headers})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE} $<BUILD_INTERFACE:gradlab_warnings>)
  set_property(GLOBAL APPEND PROPERTY GRADLAB_INSTALLED_LIBRARIES ${target})
endfunction()
