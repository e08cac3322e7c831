# The network gradient against PyTorch's (float64 autograd), by bench/torch_network.py check: each
# case trains a small model with gradlab, then compares the loss and every gradient entry of
# `gradlab train --load ... --epochs 0 --json --gradient` with torch's (tolerance 1e-12 relative to
# the scale of the per-sample terms). Registered only when Debian's /usr/bin/python3 can import torch
# (python3-torch), so that machines without it are unaffected. Run them with `ctest -L torch`.
execute_process(COMMAND /usr/bin/python3 -c "import torch" RESULT_VARIABLE gradlab_torch_rc OUTPUT_QUIET
                ERROR_QUIET)
if(NOT gradlab_torch_rc EQUAL 0)
  message(STATUS "gradlab: /usr/bin/python3 cannot import torch; the torch.* tests are not registered")
  return()
endif()
message(STATUS "gradlab: /usr/bin/python3 imports torch; registering the torch.* tests (label torch)")

set(torch_script ${PROJECT_SOURCE_DIR}/bench/torch_network.py)
set(data ${PROJECT_SOURCE_DIR}/examples/data)
# torch_case(NAME PREPARE TRAIN_ARGS CHECK_ARGS): in a fresh work/torch.NAME, runs the shell command
# PREPARE, trains model.json, then checks it; the test fails when any step exits non-zero.
function(torch_case name prepare train check)
  set(dir ${work}/torch.${name})
  add_test(NAME torch.${name}
           COMMAND sh -c "rm -rf '${dir}' && mkdir -p '${dir}' && cd '${dir}' && ${prepare} && \"$0\" train ${train} --save model.json > train.txt && /usr/bin/python3 '${torch_script}' check model.json ${check} --gradlab \"$0\""
                   $<TARGET_FILE:gradlab>)
  set_tests_properties(torch.${name} PROPERTIES LABELS torch ENVIRONMENT "${no_gnuplot}")
endfunction()

torch_case(xor_tanh_mse true "--data ${data}/xor.csv --hidden 3 --activation tanh --loss mse --epochs 50"
           "${data}/xor.csv")
torch_case(digits_relu_ce "head -401 '${data}/digits.csv' > digits400.csv"
           "--data digits400.csv --target label --hidden 32,16 --activation relu --loss ce --epochs 2 --batch 32"
           "digits400.csv --target label")
torch_case(classification_tanh_bce_standardized true
           "--data ${data}/classification.csv --hidden 4,3 --activation tanh --loss bce --standardize --epochs 5"
           "${data}/classification.csv")
foreach(act elu leaky_relu softplus silu gelu sigmoid)
  torch_case(regression_${act}_mse true
             "--data ${data}/regression.csv --hidden 5,4 --activation ${act} --standardize --epochs 3"
             "${data}/regression.csv")
endforeach()
