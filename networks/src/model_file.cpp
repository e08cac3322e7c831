#include "gradlab/networks/model_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gradlab {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormat = "gradlab-network";
constexpr int kVersion = 1;

/// A JSON number in its shortest round-trip form.
std::string number(double v) { return Json(v).dump(); }

std::string vector_text(const Eigen::VectorXd& v) {
  std::string s = "[";
  for (Eigen::Index i = 0; i < v.size(); ++i) s += (i > 0 ? ", " : "") + number(v[i]);
  return s + "]";
}

/// Errors that name the source and the field.
struct Reader {
  const std::string& source;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(fmt::format("{}: field '{}' {}", source, field, what));
  }
  const Json& member(const Json& obj, const std::string& path, const char* key) const {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path.empty() ? key : path + "." + key, "is missing");
    return *it;
  }
  double real(const Json& j, const std::string& field) const {
    if (!j.is_number()) fail(field, fmt::format("must be a number, not {}", j.dump()));
    const double v = j.get<double>();
    if (!std::isfinite(v)) fail(field, "must be a finite number");
    return v;
  }
  Eigen::Index count(const Json& j, const std::string& field) const {
    if (!j.is_number_integer() || j.get<long long>() < 1)
      fail(field, fmt::format("must be a whole number >= 1, not {}", j.dump()));
    return static_cast<Eigen::Index>(j.get<long long>());
  }
  Eigen::VectorXd vec(const Json& j, const std::string& field, Eigen::Index size) const {
    if (!j.is_array()) fail(field, "must be an array of numbers");
    if (static_cast<Eigen::Index>(j.size()) != size)
      fail(field, fmt::format("has {} entries but must have {}", j.size(), size));
    Eigen::VectorXd v(size);
    for (Eigen::Index i = 0; i < size; ++i)
      v[i] = real(j[static_cast<std::size_t>(i)], fmt::format("{}[{}]", field, i));
    return v;
  }
  void only(const Json& obj, const std::string& path, std::initializer_list<std::string_view> keys) const {
    for (const auto& [k, v] : obj.items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        fail(path.empty() ? k : path + "." + k, "is not a field of the model format");
  }
};

}  // namespace

std::string model_to_json(const Network& net, const std::optional<Standardization>& standardize) {
  std::string s = "{\n";
  s += fmt::format("  \"format\": \"{}\",\n  \"version\": {},\n  \"inputs\": {},\n  \"loss\": \"{}\",\n",
                   kFormat, kVersion, net.inputs(), short_name(net.loss()));
  s += "  \"layers\": [\n";
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const DenseLayer& L = net.layers()[l];
    s += fmt::format("    {{\"units\": {}, \"activation\": {},\n     \"W\": [", L.p.W.rows(),
                     Json(L.activation).dump());
    for (Eigen::Index i = 0; i < L.p.W.rows(); ++i)
      s += (i > 0 ? ",\n           " : "") + vector_text(L.p.W.row(i).transpose());
    s += fmt::format("],\n     \"b\": {}}}{}\n", vector_text(L.p.b), l + 1 < net.depth() ? "," : "");
  }
  s += "  ]";
  if (standardize)
    s += fmt::format(",\n  \"standardize\": {{\"mean\": {}, \"scale\": {}}}", vector_text(standardize->mean),
                     vector_text(standardize->scale));
  return s + "\n}\n";
}

Model model_from_json(std::string_view text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", source, e.what()));
  }
  const Reader r{source};
  if (!j.is_object()) throw Error(fmt::format("{}: a model file must be a JSON object", source));
  r.only(j, "", {"format", "version", "inputs", "loss", "layers", "standardize"});
  const Json& format = r.member(j, "", "format");
  if (format != kFormat) r.fail("format", fmt::format("must be \"{}\", not {}", kFormat, format.dump()));
  const Json& version = r.member(j, "", "version");
  if (version != kVersion) r.fail("version", fmt::format("must be {}, not {}", kVersion, version.dump()));
  const Eigen::Index inputs = r.count(r.member(j, "", "inputs"), "inputs");
  const Json& loss_j = r.member(j, "", "loss");
  if (!loss_j.is_string() || (loss_j != "ce" && loss_j != "bce" && loss_j != "mse"))
    r.fail("loss", fmt::format("must be \"ce\", \"bce\" or \"mse\", not {}", loss_j.dump()));
  const NetworkLoss loss = network_loss(loss_j.get<std::string>());
  const Json& layers_j = r.member(j, "", "layers");
  if (!layers_j.is_array() || layers_j.empty()) r.fail("layers", "must be a non-empty array of layers");
  std::vector<DenseLayer> layers;
  Eigen::Index in = inputs;
  for (std::size_t l = 0; l < layers_j.size(); ++l) {
    const std::string path = fmt::format("layers[{}]", l);
    const Json& lj = layers_j[l];
    if (!lj.is_object()) r.fail(path, "must be an object");
    r.only(lj, path, {"units", "activation", "W", "b"});
    DenseLayer L;
    const Eigen::Index units = r.count(r.member(lj, path, "units"), path + ".units");
    const Json& act = r.member(lj, path, "activation");
    if (!act.is_string()) r.fail(path + ".activation", "must be a string");
    L.activation = act.get<std::string>();
    const Json& W = r.member(lj, path, "W");
    if (!W.is_array() || static_cast<Eigen::Index>(W.size()) != units)
      r.fail(path + ".W", fmt::format("must be an array of {} rows (units)", units));
    // every row is read (and its length checked) before W is allocated, so that a huge "inputs"
    // is an error naming the field, not an allocation of its size
    std::vector<Eigen::VectorXd> rows;
    for (Eigen::Index i = 0; i < units; ++i)
      rows.push_back(r.vec(W[static_cast<std::size_t>(i)], fmt::format("{}.W[{}]", path, i), in));
    L.p.W.resize(units, in);
    for (Eigen::Index i = 0; i < units; ++i) L.p.W.row(i) = rows[static_cast<std::size_t>(i)].transpose();
    L.p.b = r.vec(r.member(lj, path, "b"), path + ".b", units);
    layers.push_back(std::move(L));
    in = units;
  }
  std::optional<Standardization> st;
  if (const auto it = j.find("standardize"); it != j.end()) {
    if (!it->is_object()) r.fail("standardize", "must be an object with mean and scale");
    r.only(*it, "standardize", {"mean", "scale"});
    st = Standardization{r.vec(r.member(*it, "standardize", "mean"), "standardize.mean", inputs),
                         r.vec(r.member(*it, "standardize", "scale"), "standardize.scale", inputs)};
    for (Eigen::Index k = 0; k < inputs; ++k)
      if (!(st->scale[k] > 0.0)) r.fail(fmt::format("standardize.scale[{}]", k), "must be > 0");
  }
  try {
    return Model{Network(inputs, std::move(layers), loss), st};
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", source, e.what()));
  }
}

void save_model(const std::string& path, const Network& net,
                const std::optional<Standardization>& standardize) {
  const std::string text = model_to_json(net, standardize);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(fmt::format("cannot write the model file '{}'", path));
  out << text;
  out.close();
  if (!out) throw Error(fmt::format("writing the model file '{}' failed", path));
}

Model load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read the model file '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("reading the model file '{}' failed", path));
  return model_from_json(text.str(), path);
}

}  // namespace gradlab
