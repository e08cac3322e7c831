# Run with cmake -P (see CMakeLists.txt). Steps: install BUILD_DIR into WORK_DIR/prefix; take the
# cmake, cpp and text blocks of README's section "Use it from your own CMake project"; configure
# and build them as a project of their own against the prefix; run it; its output must equal the
# text block.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (exit ${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# The first fenced block ```<lang> after position `from` of `text`.
function(fenced_block text lang from result)
  string(SUBSTRING "${text}" ${from} -1 text)
  string(FIND "${text}" "```${lang}\n" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "README.md: no ```${lang} block in the section \"Use it from your own CMake project\"")
  endif()
  string(LENGTH "```${lang}\n" skip)
  math(EXPR start "${start} + ${skip}")
  string(SUBSTRING "${text}" ${start} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} text)
  set(${result} "${text}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
foreach(target lib/cmake/gradlab/gradlabConfig.cmake include/gradlab/autodiff.hpp)
  if(NOT EXISTS ${WORK_DIR}/prefix/${target})
    message(FATAL_ERROR "cmake --install did not install ${target}")
  endif()
endforeach()

file(READ ${README} readme)
string(FIND "${readme}" "## Use it from your own CMake project" section)
if(section EQUAL -1)
  message(FATAL_ERROR "README.md has no section \"## Use it from your own CMake project\"")
endif()
fenced_block("${readme}" cmake ${section} cmakelists)
fenced_block("${readme}" cpp ${section} main_cpp)
fenced_block("${readme}" text ${section} expected)
file(WRITE ${WORK_DIR}/src/CMakeLists.txt "${cmakelists}")
file(WRITE ${WORK_DIR}/src/main.cpp "${main_cpp}")
string(REGEX MATCH "add_executable\\(([A-Za-z0-9_]+)" _ "${cmakelists}")
set(program ${CMAKE_MATCH_1})

run(${CMAKE_COMMAND} -S ${WORK_DIR}/src -B ${WORK_DIR}/build -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
  -DCMAKE_CXX_FLAGS=${FLAGS} -DCMAKE_EXE_LINKER_FLAGS=${FLAGS})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/${program})
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "the README's example printed\n${out}but the README shows\n${expected}")
endif()
message(STATUS "the README's example built against the installed package and printed\n${out}")
