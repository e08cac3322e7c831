# Golden cases of the network half of gradlab (train --hidden/--load, predict); included by CMakeLists.txt.
configure_file(${PROJECT_SOURCE_DIR}/examples/data/xor.csv ${work}/xor.csv COPYONLY)
# The classic hand-made XOR network: OR and NAND in the hidden layer, AND at the output.
file(WRITE ${work}/xor_model.json [=[
{"format": "gradlab-network", "version": 1, "inputs": 2, "loss": "bce",
 "layers": [{"units": 2, "activation": "sigmoid", "W": [[20, 20], [-20, -20]], "b": [-10, 30]},
            {"units": 1, "activation": "sigmoid", "W": [[20, 20]], "b": [-30]}]}
]=])
file(WRITE ${work}/bad_model_field.json [=[
{"format": "gradlab-network", "version": 1, "inputs": 2, "loss": "bce",
 "layers": [{"units": 2, "activation": "sigmoid", "W": [[20, 20], [-20, "x"]], "b": [-10, 30]},
            {"units": 1, "activation": "sigmoid", "W": [[20, 20]], "b": [-30]}]}
]=])
file(WRITE ${work}/bad_model_shape.json [=[
{"format": "gradlab-network", "version": 1, "inputs": 2, "loss": "bce",
 "layers": [{"units": 2, "activation": "sigmoid", "W": [[20, 20], [-20, -20]], "b": [-10, 30]},
            {"units": 1, "activation": "sigmoid", "W": [[20, 20, 1]], "b": [-30]}]}
]=])
file(WRITE ${work}/four_columns.csv "a,b,c,d\n1,2,3,4\n")
file(WRITE ${work}/three_classes.csv "a,b,label\n0,0,0\n1,0,1\n0,1,2\n1,1,1\n0.2,0.1,0\n0.9,0.2,1\n0.1,0.8,2\n0.5,0.5,1\n")

# under valgrind too (label valgrind): a prediction, a gradient at a loaded model, a malformed model file
list(APPEND valgrind_cases predict_xor train_network_load_gradient predict_bad_model_field train_network_ce)
cli_case(help_predict ARGS predict --help)
cli_case(train_network_xor ARGS train --data xor.csv --hidden 4 --activation tanh --loss bce --optimizer adam
         --lr 0.05 --epochs 300)
cli_case(train_network_json JSON ARGS train --data classification.csv --hidden 3 --activation tanh --loss bce
         --optimizer adam --lr 0.05 --standardize --batch 16 --seed 3 --epochs 20 --validation 0.2 --json)
cli_case(train_network_ce ARGS train --data three_classes.csv --hidden 5 --activation relu --loss ce --init he
         --optimizer adam --lr 0.05 --epochs 200 --seed 2)
cli_case(train_network_softmax_regression JSON ARGS train --data three_classes.csv --loss ce --epochs 50 --json)
cli_case(train_network_load_gradient JSON ARGS train --load xor_model.json --data xor.csv --epochs 0 --json
         --gradient)
cli_case(train_network_load_gradient_text ARGS train --load xor_model.json --data xor.csv --epochs 0 --gradient)
cli_case(predict_xor ARGS predict --model xor_model.json --data xor.csv)
cli_case(predict_xor_json JSON ARGS predict --model xor_model.json --data xor.csv --json)
cli_case(predict_bad_model_field EXIT 2 ARGS predict --model bad_model_field.json --data xor.csv)
cli_case(predict_bad_model_shape EXIT 2 ARGS predict --model bad_model_shape.json --data xor.csv)
cli_case(predict_missing_model EXIT 2 ARGS predict --model no_such_model.json --data xor.csv)
cli_case(predict_wrong_columns EXIT 2 ARGS predict --model xor_model.json --data four_columns.csv)
cli_case(predict_bce_targets EXIT 2 ARGS predict --model xor_model.json --data three_classes.csv)
cli_case(train_network_bad_hidden EXIT 2 ARGS train --data xor.csv --hidden 3,x)
cli_case(train_network_ce_needs_labels EXIT 2 ARGS train --data regression.csv --loss ce)
cli_case(train_network_load_and_hidden EXIT 2 ARGS train --load xor_model.json --data xor.csv --hidden 3)
cli_case(train_network_diverges EXIT 1 ARGS train --data regression.csv --hidden 2 --activation linear --lr 100
         --epochs 50)
cli_case(train_network_bad_validation EXIT 2 ARGS train --data xor.csv --hidden 2 --validation 1)
file(WRITE ${work}/huge_label.csv "x,label\n1,0\n2,1000000000\n")
cli_case(train_network_too_many_classes EXIT 2 ARGS train --data huge_label.csv --loss ce)
cli_case(predict_explain ARGS predict --model xor_model.json --data xor.csv --explain 2)
file(WRITE ${work}/ce_model.json [=[
{"format": "gradlab-network", "version": 1, "inputs": 2, "loss": "ce",
 "layers": [{"units": 2, "activation": "tanh", "W": [[1, -1], [0.5, 0.5]], "b": [0, 0.1]},
            {"units": 3, "activation": "softmax", "W": [[1, 0], [0, 1], [-1, -1]], "b": [0, 0, 0]}]}
]=])
cli_case(predict_explain_ce ARGS predict --model ce_model.json --data three_classes.csv --explain 3)
cli_case(predict_explain_no_sample EXIT 2 ARGS predict --model xor_model.json --data xor.csv --explain 9)
# explain for a network: one row's backward pass; the expression or --model, not both, not neither
cli_case(explain_network ARGS explain --model xor_model.json --data xor.csv --row 2)
cli_case(explain_network_ce ARGS explain --model ce_model.json --data three_classes.csv --row 3)
cli_case(explain_network_no_row EXIT 2 ARGS explain --model xor_model.json --data xor.csv --row 9)
cli_case(explain_network_needs_row EXIT 2 ARGS explain --model xor_model.json --data xor.csv)
cli_case(explain_network_and_expression EXIT 2 ARGS explain x --model xor_model.json --data xor.csv --row 1)
cli_case(explain_no_expression EXIT 2 ARGS explain)
# the progress line on stderr (forced, as stderr is a file here), and a divergence in --json
cli_case(train_network_progress ARGS train --data xor.csv --hidden 2 --loss bce --epochs 50 --progress)
cli_case(train_network_diverges_json JSON EXIT 1 ARGS train --data regression.csv --hidden 2 --activation linear
         --lr 100 --epochs 50 --json)

# --no-header reaches the network half too (it was dropped there, and the numeric first line refused).
cli_shell(train_network_no_header "^exit 0\n$"
          "printf '0,0,0\\n0,1,1\\n1,0,1\\n1,1,0\\n' > x.csv && \"$G\" train --data x.csv --no-header --hidden 2 --epochs 1 --json > /dev/null; echo \"exit $?\"")
