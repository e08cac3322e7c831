# Runs one example and checks it: exit code 0, and every line of the EXPECT file appears in its
# output as a literal substring.  cmake -DEXE=... -DEXPECT=... [-DARGS=...] -P run_example.cmake
execute_process(COMMAND ${EXE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
endif()
file(STRINGS ${EXPECT} expected)
foreach(line IN LISTS expected)
  string(FIND "${out}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${EXE}: expected output line not found:\n  ${line}\n--- stdout\n${out}")
  endif()
endforeach()
