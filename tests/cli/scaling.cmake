# A size-scaling test: runs one gradlab command on an input of size SMALL and of size LARGE under
# valgrind's cachegrind, which counts the instructions executed (the same count on every run, unlike
# a time), and fails when the count grows by more than MAX_RATIO: for LARGE = 4 SMALL a linear command
# grows about 4 times, a quadratic one about 16 (less the start-up, measured at size 2).
#   -DGRADLAB=... -DVALGRIND=... -DKIND=explain_sum|explain_deep|names|hessian_json -DSMALL=n -DLARGE=n
#   -DMAX_RATIO=r -DWORK_DIR=...
function(input kind n out_stdin out_args)
  set(args)
  if(kind STREQUAL "explain_sum")  # x*0.5 + x*0.5 + ... (n terms)
    math(EXPR rest "${n} - 1")
    string(REPEAT "+x*0.5" ${rest} text)
    set(text "x*0.5${text}")
    set(args explain - --at x=2)
  elseif(kind STREQUAL "explain_deep")  # tanh(tanh(...(x)...)), n deep
    string(REPEAT "tanh(" ${n} open)
    string(REPEAT ")" ${n} close)
    set(text "${open}x${close}")
    set(args explain - --at x=0.5)
  elseif(kind STREQUAL "names" OR kind STREQUAL "hessian_json")
    # names: v0+v1+...: n distinct names, each given a value with --at;
    # hessian_json: the n x n Hessian of (v0+v1+...)^2 as JSON
    set(text "v0")
    set(at "v0=1")
    math(EXPR last "${n} - 1")
    foreach(k RANGE 1 ${last})
      string(APPEND text "+v${k}")
      string(APPEND at ",v${k}=1")
    endforeach()
    set(args grad - --at ${at} --json)
    if(kind STREQUAL "hessian_json")
      set(text "(${text})^2")
      list(APPEND args --hessian)
    endif()
  else()
    message(FATAL_ERROR "unknown KIND ${kind}")
  endif()
  file(WRITE ${WORK_DIR}/scaling_${kind}_${n}.txt "${text}\n")
  set(${out_stdin} ${WORK_DIR}/scaling_${kind}_${n}.txt PARENT_SCOPE)
  set(${out_args} ${args} PARENT_SCOPE)
endfunction()

function(instructions n out)
  input(${KIND} ${n} in args)
  execute_process(COMMAND ${VALGRIND} --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null
                          ${GRADLAB} ${args}
                  INPUT_FILE ${in} OUTPUT_FILE /dev/null ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gradlab ${KIND} at size ${n}: exit ${rc}\n${err}")
  endif()
  if(NOT err MATCHES "I[ ]+refs:[ ]+([0-9,]+)")
    message(FATAL_ERROR "no instruction count in cachegrind's output:\n${err}")
  endif()
  string(REPLACE "," "" count "${CMAKE_MATCH_1}")
  set(${out} ${count} PARENT_SCOPE)
endfunction()

# The count at size 2 (start-up: the op table, the activations) is subtracted from both, so that it
# does not hide how the rest grows.
instructions(2 base)
instructions(${SMALL} small)
instructions(${LARGE} large)
math(EXPR small "${small} - ${base}")
math(EXPR large "${large} - ${base}")
# CMake's math() is 64-bit integer only: compare large * 100 with small * MAX_RATIO * 100.
math(EXPR ratio_x100 "${large} * 100 / ${small}")
math(EXPR limit_x100 "${MAX_RATIO} * 100")
message(STATUS "${KIND}: ${small} instructions at size ${SMALL}, ${large} at size ${LARGE} "
               "(ratio ${ratio_x100}/100, limit ${MAX_RATIO})")
if(ratio_x100 GREATER limit_x100)
  message(FATAL_ERROR "${KIND} is no longer linear: the instruction count grew ${ratio_x100}/100 times "
                      "from size ${SMALL} to ${LARGE} (limit ${MAX_RATIO})")
endif()
