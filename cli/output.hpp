#pragma once
/// @file output.hpp
/// Everything gradlab writes: numbers that round-trip, JSON, the non-finite warning, files written whole
/// or not at all, temporary files, and the last check that standard output and standard error took
/// every byte (a failed write is an error, exit 2, never a success).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.hpp"

namespace gradlab::cli {

using Json = nlohmann::ordered_json;

/// A number in its shortest form that reads back to the same double.
std::string num(double v);

/// Prints a warning on stderr (once per run) when v is not finite, suggesting --detect-anomaly.
void warn_if_not_finite(double v, const std::string& what);

/// How gradlab's JSON writes a number: finite numbers as numbers (shortest text that reads back to
/// the same double), NaN as the string "NaN" and infinities as "Infinity" and "-Infinity" (JSON has
/// no such numbers; Python's float() and JavaScript's Number() read these strings back exactly).
Json json_number(double v);
/// j with every non-finite number replaced by json_number's string. print_json, JsonObjectPrinter and
/// json_text apply it, so every JSON gradlab writes (the CLI and the page) uses this one encoding.
Json lossless_json(const Json& j);
/// j as compact JSON text (the page's responses), with the same encoding as print_json.
std::string json_text(const Json& j);

/// Prints j on stdout, indented: the one way gradlab prints JSON. Text that is not valid UTF-8 (a
/// Latin-1 file name or CSV header) is printed with each invalid byte replaced by U+FFFD, so the
/// output is always valid JSON and the finished work is never lost to an encoding error.
void print_json(const Json& j);

/// An object whose keys are known to be distinct (e.g. the names of --at), built in linear time:
/// ordered_json's operator[] searches the keys it has, which made a 3000 x 3000 Hessian cubic.
Json object_of_distinct_keys(std::vector<std::pair<std::string, Json>> items);

/// A JSON object printed on stdout member by member, byte for byte as print_json would print the whole
/// object, so that a large member (a Hessian, row by row) never needs a tree of its own. close() (or
/// the destructor) prints the closing brace.
class JsonObjectPrinter {
 public:
  /// Starts an object at nesting depth `depth` (0: the top level).
  explicit JsonObjectPrinter(unsigned depth = 0) : depth_(depth) {}
  ~JsonObjectPrinter() { close(); }
  JsonObjectPrinter(const JsonObjectPrinter&) = delete;
  JsonObjectPrinter& operator=(const JsonObjectPrinter&) = delete;
  JsonObjectPrinter(JsonObjectPrinter&& other) noexcept
      : depth_(other.depth_), members_(other.members_), closed_(other.closed_) {
    other.closed_ = true;
  }
  JsonObjectPrinter& operator=(JsonObjectPrinter&&) = delete;
  /// Prints "key": value.
  void member(std::string_view key, const Json& value);
  /// Prints "key": and returns the printer of an object that is this member's value; close it (or
  /// let it go) before the next member.
  JsonObjectPrinter object(std::string_view key);
  void close();

 private:
  void key(std::string_view key);
  unsigned depth_;
  std::size_t members_ = 0;
  bool closed_ = false;
};

/// "w=0.5, b=-1"
std::string describe_point(const std::vector<Binding>& point);

/// Writes text to path (replacing the file); throws Error naming the file and the reason when any byte
/// could not be written (a full disk, /dev/full, a directory).
void write_file(const std::string& path, std::string_view text);

/// A temporary file with a unique name (mkstemp in the temporary directory), removed when this object
/// goes: only a file this program made is ever removed.
class TempFile {
 public:
  /// `suffix` ends the name (e.g. ".dot"). Throws Error when no file can be made.
  explicit TempFile(std::string_view suffix);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Flushes standard output and standard error and returns an error message when either lost output
/// (empty when all was written). main() calls it once before every exit, for every subcommand.
std::string flush_output_streams();

}  // namespace gradlab::cli
