#include "output.hpp"

#include "gradlab/autodiff/number_text.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gradlab/autodiff/error.hpp"

namespace gradlab::cli {

std::string num(double v) { return number_text(v); }

void warn_if_not_finite(double v, const std::string& what) {
  static bool warned = false;
  if (std::isfinite(v) || warned) return;
  warned = true;
  std::cerr << fmt::format(
      "gradlab: warning: {} is {}; run again with --detect-anomaly to find the op that produced it\n", what,
      num(v));
}

namespace {
constexpr unsigned kJsonIndent = 2;

bool has_non_finite(const Json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (!j.is_structured()) return false;
  return std::any_of(j.begin(), j.end(), [](const Json& v) { return has_non_finite(v); });
}

/// The one place JSON text is made: with non-finite numbers encoded (see lossless_json), indented by
/// kJsonIndent from depth `depth` (no indent when `indent` is false), streamed to `out` (not dumped
/// into a string first), with invalid UTF-8 replaced by U+FFFD (error_handler replace).
void dump_json(std::ostream& out, const Json& j, bool indent, unsigned depth) {
  nlohmann::detail::serializer<Json> s(nlohmann::detail::output_adapter<char>(out), ' ',
                                       Json::error_handler_t::replace);
  // Copied only when something must change: a large finite tree (a Hessian row) is printed as it is.
  if (has_non_finite(j))
    s.dump(lossless_json(j), indent, false, kJsonIndent, depth * kJsonIndent);
  else
    s.dump(j, indent, false, kJsonIndent, depth * kJsonIndent);
}
void dump_json(const Json& j, unsigned depth) { dump_json(std::cout, j, true, depth); }
}  // namespace

Json json_number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

Json lossless_json(const Json& j) {
  if (j.is_number_float()) return json_number(j.get<double>());
  if (!j.is_structured() || !has_non_finite(j)) return j;
  Json out = j;
  for (auto& v : out) v = lossless_json(v);
  return out;
}

std::string json_text(const Json& j) {
  std::ostringstream out;
  dump_json(out, j, false, 0);
  return out.str();
}

void print_json(const Json& j) {
  dump_json(j, 0);
  std::cout << '\n';
}

Json object_of_distinct_keys(std::vector<std::pair<std::string, Json>> items) {
  Json j = Json::object();
  auto& obj = j.get_ref<Json::object_t&>();
  obj.reserve(items.size());
  for (auto& [key, value] : items) obj.Container::emplace_back(std::move(key), std::move(value));
  return j;
}

void JsonObjectPrinter::key(std::string_view key) {
  std::cout << (members_++ == 0 ? "{\n" : ",\n") << std::string((depth_ + 1) * kJsonIndent, ' ');
  dump_json(Json(key), 0);
  std::cout << ": ";
}

void JsonObjectPrinter::member(std::string_view key, const Json& value) {
  this->key(key);
  dump_json(value, depth_ + 1);
}

JsonObjectPrinter JsonObjectPrinter::object(std::string_view key) {
  this->key(key);
  return JsonObjectPrinter(depth_ + 1);
}

void JsonObjectPrinter::close() {
  if (closed_) return;
  closed_ = true;
  if (members_ == 0)
    std::cout << "{}";
  else
    std::cout << '\n' << std::string(depth_ * kJsonIndent, ' ') << '}';
  if (depth_ == 0) std::cout << '\n';
}

std::string describe_point(const std::vector<Binding>& point) {
  std::string s;
  for (const Binding& b : point) s += fmt::format("{}{}={}", s.empty() ? "" : ", ", b.name, b.value);
  return s;
}

void write_file(const std::string& path, std::string_view text) {
  errno = 0;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (f) f.close();  // the last bytes reach the file (or fail) here
  if (!f || f.is_open()) {
    const int e = errno;
    throw Error(e != 0 ? fmt::format("could not write {}: {}", path, std::strerror(e))
                       : fmt::format("could not write {}", path));
  }
}

TempFile::TempFile(std::string_view suffix) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string name = (dir / "gradlab-XXXXXX").string();
  name += suffix;
  const int fd = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0)
    throw Error(fmt::format("could not make a temporary file in {}: {}", dir.string(), std::strerror(errno)));
  ::close(fd);
  path_ = std::move(name);
}

TempFile::~TempFile() { std::remove(path_.c_str()); }

std::string flush_output_streams() {
  errno = 0;
  std::cout.flush();
  const bool out_ok = std::cout.good() && std::fflush(stdout) == 0 && std::ferror(stdout) == 0;
  const int e = errno;
  std::cerr.flush();
  const bool err_ok = std::cerr.good() && std::fflush(stderr) == 0 && std::ferror(stderr) == 0;
  if (out_ok && err_ok) return "";
  const std::string which = !out_ok && !err_ok ? "standard output and standard error"
                            : !out_ok          ? "standard output"
                                               : "standard error";
  return e != 0 && !out_ok ? fmt::format("could not write to {}: {}", which, std::strerror(e))
                           : fmt::format("could not write to {}", which);
}

}  // namespace gradlab::cli
