// The model file: exact round trips, and errors that name the field.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "gradlab/networks/model_file.hpp"
#include "test_util.hpp"

namespace {
using gradlab::test::contains;
using gradlab::test::message_of;

const char* kGood = R"({"format": "gradlab-network", "version": 1, "inputs": 2, "loss": "bce",
  "layers": [{"units": 2, "activation": "tanh", "W": [[1, 2], [3, 4]], "b": [0.5, -0.5]},
             {"units": 1, "activation": "sigmoid", "W": [[1, -1]], "b": [0]}]})";
}  // namespace

BOOST_AUTO_TEST_SUITE(model_file)

BOOST_AUTO_TEST_CASE(models_round_trip_exactly) {
  gradlab::Architecture arch;
  arch.inputs = 5;
  arch.hidden = {7, 3};
  arch.activation = "gelu";
  arch.outputs = 4;
  arch.loss = gradlab::NetworkLoss::CrossEntropy;
  const gradlab::Network net = gradlab::make_network(arch, gradlab::Init::Normal, 9);
  gradlab::Standardization st{Eigen::VectorXd::LinSpaced(5, 0.1, 0.9),
                              Eigen::VectorXd::Constant(5, 1.0 / 3.0)};
  const std::string text = gradlab::model_to_json(net, st);
  const gradlab::Model m = gradlab::model_from_json(text, "m.json");
  BOOST_TEST((m.network.flat_params() == net.flat_params()));  // bit for bit
  BOOST_TEST(gradlab::short_name(m.network.loss()) == "ce");
  BOOST_TEST(m.network.layers()[2].activation == "softmax");
  BOOST_TEST(m.network.layers()[1].activation == "gelu");
  BOOST_TEST(m.standardize.has_value());
  BOOST_TEST((m.standardize->scale == st.scale));
  BOOST_TEST(gradlab::model_to_json(m.network, m.standardize) == text);
  BOOST_TEST(!gradlab::model_from_json(gradlab::model_to_json(net), "m").standardize.has_value());

  const std::string path = (std::filesystem::temp_directory_path() / "gradlab_test_model.json").string();
  gradlab::save_model(path, net);
  BOOST_TEST((gradlab::load_model(path).network.flat_params() == net.flat_params()));
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_good_file_reads) {
  const gradlab::Model m = gradlab::model_from_json(kGood, "m.json");
  BOOST_TEST(m.network.layers()[0].p.W(1, 0) == 3.0);  // rows are units
  BOOST_TEST(m.network.outputs() == 1);
}

BOOST_AUTO_TEST_CASE(malformed_files_name_the_field) {
  const auto err = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return message_of([&] { (void)gradlab::model_from_json(text, "m.json"); });
  };
  BOOST_TEST(contains(err(kGood, "[[1, 2], [3, 4]]", "[[1, 2], [3, \"x\"]]"),
                      "m.json: field 'layers[0].W[1][1]' must be a number"));
  BOOST_TEST(contains(err(kGood, "[[1, 2], [3, 4]]", "[[1, 2], [3]]"),
                      "field 'layers[0].W[1]' has 1 entries but must have 2"));
  BOOST_TEST(
      contains(err(kGood, "[0.5, -0.5]", "[0.5]"), "field 'layers[0].b' has 1 entries but must have 2"));
  BOOST_TEST(contains(err(kGood, "\"bce\"", "\"hinge\""), "field 'loss' must be"));
  BOOST_TEST(contains(err(kGood, "\"version\": 1", "\"version\": 2"), "field 'version' must be 1"));
  BOOST_TEST(contains(err(kGood, "\"inputs\": 2,", ""), "field 'inputs' is missing"));
  BOOST_TEST(contains(err(kGood, "\"units\": 1,", "\"units\": 1, \"alpha\": 2,"),
                      "field 'layers[1].alpha' is not a field"));
  BOOST_TEST(
      contains(err(kGood, "\"tanh\"", "\"tanhh\""), "m.json: Network: layer1: unknown activation 'tanhh'"));
  BOOST_TEST(contains(err(kGood, "\"sigmoid\"", "\"relu\""), "must be sigmoid"));
  BOOST_TEST(contains(err(kGood, "\"units\": 2", "\"units\": 0"),
                      "field 'layers[0].units' must be a whole number >= 1"));
  BOOST_TEST(contains(err(kGood, "]}]}", "]}]"), "m.json: not valid JSON"));
  BOOST_TEST(contains(err(kGood, "\"inputs\": 2", "\"inputs\": 1000000000000"),
                      "field 'layers[0].W[0]' has 2 entries but must have 1000000000000"));
  BOOST_TEST(contains(message_of([] { (void)gradlab::load_model("/nonexistent/m.json"); }),
                      "cannot read the model file '/nonexistent/m.json'"));
  BOOST_TEST(contains(message_of([] {
                        gradlab::save_model("/nonexistent/dir/m.json",
                                            gradlab::model_from_json(kGood, "m").network);
                      }),
                      "cannot write the model file"));
}

BOOST_AUTO_TEST_SUITE_END()
