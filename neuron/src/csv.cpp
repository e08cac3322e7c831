#include "gradlab/neuron/csv.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_set>
#include <vector>

namespace gradlab {

CsvError::CsvError(std::string source, int line, int column, const std::string& problem)
    : Error(line > 0 && column > 0 ? fmt::format("{}:{}:{}: {}", source, line, column, problem)
            : line > 0             ? fmt::format("{}:{}: {}", source, line, problem)
                                   : fmt::format("{}: {}", source, problem)),
      source_(std::move(source)),
      line_(line),
      column_(column) {}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// One field of a line: its text without surrounding blanks, and the 1-based column it starts at.
struct Field {
  std::string_view text;
  int column;
};

/// Splits a line at commas into `fields` (cleared first), trimming blanks around each field.
void split_fields(std::string_view line, std::vector<Field>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(line.find(',', start), line.size());
    std::size_t a = start;
    std::size_t b = comma;
    while (a < b && is_blank(line[a])) ++a;
    while (b > a && is_blank(line[b - 1])) --b;
    // An empty field points at where its text would start.
    fields.push_back({line.substr(a, b - a), static_cast<int>(a == b ? start : a) + 1});
    if (comma == line.size()) return;
    start = comma + 1;
  }
}

/// A field as it is shown in a message: at most 24 characters, control bytes escaped.
std::string shown(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < 24; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, static_cast<char>(c));
  }
  if (text.size() > 24) out += "...";
  return out;
}

/// Parses the whole text as a double (a leading '+' allowed): std::errc() when it is one.
std::errc to_double(std::string_view text, double& v) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc()) return ec;
  return end == text.data() + text.size() ? std::errc() : std::errc::invalid_argument;
}

/// Parses a whole field as a finite double, or says what is wrong with it.
double parse_number(std::string_view text, const std::string& column_name, const std::string& source,
                    int line, int column) {
  if (text.empty())
    throw CsvError(source, line, column, fmt::format("missing value in column '{}'", column_name));
  double v = 0.0;
  const std::errc ec = to_double(text, v);
  if (ec == std::errc::result_out_of_range)
    throw CsvError(
        source, line, column,
        fmt::format("value '{}' in column '{}' is out of the range of a double", shown(text), column_name));
  if (ec != std::errc())
    throw CsvError(
        source, line, column,
        fmt::format("non-numeric value '{}' in column '{}' (expected a number such as 2, -3.5 or 1e-3)",
                    shown(text), column_name));
  if (!std::isfinite(v))
    throw CsvError(source, line, column,
                   fmt::format("non-finite value '{}' in column '{}' (only finite numbers are allowed)",
                               shown(text), column_name));
  return v;
}

/// Whether the field is a number as a data row would hold it.
bool is_number(std::string_view text) {
  double v = 0.0;
  return !text.empty() && to_double(text, v) == std::errc();
}

/// Reads CSV lines one at a time into one growing vector per column, so that a file can be parsed
/// as it is read: only the numbers are kept, never the whole text.
class CsvBuilder {
 public:
  CsvBuilder(std::string_view source, const CsvOptions& options) : header_(options.header) {
    table_.source = std::string(source);
  }

  /// The next line of the text, without its '\n'.
  void line(std::string_view line) {
    ++line_no_;
    constexpr std::string_view bom = "\xEF\xBB\xBF";  // UTF-8 byte-order mark: not part of a name
    if (line_no_ == 1 && line.substr(0, bom.size()) == bom) line.remove_prefix(bom.size());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return;  // blank or comment
    split_fields(line, fields_);
    if (table_.columns.empty()) {
      header();
      if (header_) return;
    }
    row(line);
  }

  /// Every complete line ('\n'-terminated) of `text`; returns how many bytes they take.
  std::size_t lines(std::string_view text) {
    std::size_t pos = 0;
    for (std::size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', pos)) {
      line(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    return pos;
  }

  /// The table; throws CsvError for a file without a header or without rows.
  CsvTable finish() && {
    if (table_.columns.empty())
      throw CsvError(table_.source, 1, 1, "empty file: expected a header row of column names");
    if (table_.lines.empty())
      throw CsvError(
          table_.source, table_.header_line, 1,
          fmt::format("header only: no data rows after the header ({})", fmt::join(table_.columns, ", ")));
    const auto rows = static_cast<Eigen::Index>(table_.lines.size());
    table_.values.resize(rows, static_cast<Eigen::Index>(columns_.size()));
    for (std::size_t j = 0; j < columns_.size(); ++j) {  // each column freed once copied
      table_.values.col(static_cast<Eigen::Index>(j)) =
          Eigen::Map<const Eigen::VectorXd>(columns_[j].data(), rows);
      std::vector<double>().swap(columns_[j]);
    }
    return std::move(table_);
  }

 private:
  /// The first line: the column names, or c1, c2, ... when the file has no header.
  void header() {
    const std::string& source = table_.source;
    table_.header_line = line_no_;
    columns_.resize(fields_.size());
    if (!header_) {  // this line is the first row
      for (std::size_t j = 1; j <= fields_.size(); ++j) table_.columns.push_back(fmt::format("c{}", j));
      return;
    }
    if (std::all_of(fields_.begin(), fields_.end(), [](const Field& f) { return is_number(f.text); }))
      throw CsvError(source, line_no_, 1,
                     "the first line holds only numbers, not column names: add a header row, or read "
                     "the file without one (gradlab train --no-header names the columns c1, c2, ...)");
    std::unordered_set<std::string_view> seen;  // views into line: a linear check
    for (const Field& f : fields_) {
      if (f.text.empty())
        throw CsvError(source, line_no_, f.column,
                       fmt::format("empty column name in the header (column {})", table_.columns.size() + 1));
      if (!seen.insert(f.text).second)
        throw CsvError(source, line_no_, f.column,
                       fmt::format("duplicate column name '{}' in the header", shown(f.text)));
      table_.columns.emplace_back(f.text);
    }
  }

  /// A data line: as many numbers as there are columns.
  void row(std::string_view line) {
    const std::size_t ncol = table_.columns.size();
    if (fields_.size() != ncol) {
      const int column = fields_.size() > ncol ? fields_[ncol].column : static_cast<int>(line.size()) + 1;
      throw CsvError(table_.source, line_no_, column,
                     fmt::format("ragged row: {} field{} but the header has {} column{} ({})", fields_.size(),
                                 fields_.size() == 1 ? "" : "s", ncol, ncol == 1 ? "" : "s",
                                 fmt::join(table_.columns, ", ")));
    }
    for (std::size_t j = 0; j < ncol; ++j)
      columns_[j].push_back(
          parse_number(fields_[j].text, table_.columns[j], table_.source, line_no_, fields_[j].column));
    table_.lines.push_back(line_no_);
  }

  CsvTable table_;
  bool header_;                               ///< whether the first line names the columns
  int line_no_ = 0;                           ///< the line last read
  std::vector<Field> fields_;                 ///< the fields of that line (views into it)
  std::vector<std::vector<double>> columns_;  ///< the numbers read so far, by column
};

}  // namespace

CsvTable parse_csv(std::string_view text, std::string_view source, const CsvOptions& options) {
  CsvBuilder builder(source, options);
  const std::size_t used = builder.lines(text);
  if (used < text.size()) builder.line(text.substr(used));  // a last line without '\n'
  return std::move(builder).finish();
}

// The file is parsed as it is read, in blocks: the memory holds the numbers and one block of text
// (more only for a line longer than a block), never the whole text.
CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))  // a directory opens, then reads as an empty file
    throw CsvError(path, 0, 0, "is a directory, not a CSV file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw CsvError(path, 0, 0, "cannot open the file for reading");
  CsvBuilder builder(path, options);
  std::vector<char> buffer(std::size_t{1} << 18);
  std::size_t held = 0;   // bytes of buffer holding text not yet parsed (a partial line)
  std::size_t total = 0;  // bytes read
  while (file) {
    if (held == buffer.size())  // a line longer than the buffer (no longer than the limit allows)
      buffer.resize(std::min(2 * buffer.size(), options.max_bytes + 1));
    file.read(buffer.data() + held, static_cast<std::streamsize>(buffer.size() - held));
    const auto got = static_cast<std::size_t>(file.gcount());
    // The limit holds for an endless input too (/dev/zero, a pipe that never ends): the file stops
    // with a message instead of filling the memory.
    if (got > options.max_bytes - std::min(options.max_bytes, total))
      throw CsvError(path, 0, 0,
                     fmt::format("the file is longer than {} bytes, the most a CSV file may have (an "
                                 "endless input such as /dev/zero?)",
                                 options.max_bytes));
    total += got;
    held += got;
    const std::size_t used = builder.lines(std::string_view(buffer.data(), held));
    std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(used),
              buffer.begin() + static_cast<std::ptrdiff_t>(held), buffer.begin());
    held -= used;
  }
  if (file.bad()) throw CsvError(path, 0, 0, "reading the file failed");
  if (held > 0) builder.line(std::string_view(buffer.data(), held));  // a last line without '\n'
  return std::move(builder).finish();
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  if (list.find_first_not_of(" \t") == std::string_view::npos) return names;
  std::vector<Field> fields;
  split_fields(list, fields);
  for (const Field& f : fields) names.emplace_back(f.text);
  return names;
}

// The table's storage becomes X: y is copied out, the feature columns are moved into their places
// (one column at a time, through one column of scratch), and the rest is cut off.
Dataset select_columns(CsvTable&& table, std::string_view target, const std::vector<std::string>& features) {
  const auto find = [&](std::string_view name, const char* role) {
    const auto it = std::find(table.columns.begin(), table.columns.end(), name);
    if (it == table.columns.end())
      throw CsvError(table.source, table.header_line, 1,
                     fmt::format("unknown {} column '{}'; the header has: {}", role, name,
                                 fmt::join(table.columns, ", ")));
    return static_cast<Eigen::Index>(it - table.columns.begin());
  };
  const auto ncols = static_cast<Eigen::Index>(table.columns.size());
  const Eigen::Index t = target.empty() ? ncols - 1 : find(target, "target");

  std::vector<Eigen::Index> cols;  // cols[k]: the table column that becomes X's column k
  if (features.empty()) {
    for (Eigen::Index j = 0; j < ncols; ++j)
      if (j != t) cols.push_back(j);
  } else {
    for (const std::string& f : features) {
      const Eigen::Index j = find(f, "feature");
      if (j == t)
        throw CsvError(table.source, table.header_line, 1,
                       fmt::format("column '{}' is the target; it cannot also be a feature", f));
      if (std::find(cols.begin(), cols.end(), j) != cols.end())
        throw CsvError(table.source, table.header_line, 1,
                       fmt::format("feature column '{}' is named twice", f));
      cols.push_back(j);
    }
  }
  if (cols.empty())
    throw CsvError(table.source, table.header_line, 1,
                   fmt::format("no feature columns: the only column is the target '{}'", table.columns[t]));

  Dataset d;
  d.source = table.source;
  d.target = table.columns[t];
  d.y = table.values.col(t);
  for (const Eigen::Index j : cols) d.features.push_back(table.columns[static_cast<std::size_t>(j)]);
  // The permutation that puts column from[k] at k: the features first, the other columns after them.
  std::vector<Eigen::Index> from = cols;
  for (Eigen::Index j = 0; j < ncols; ++j)
    if (std::find(cols.begin(), cols.end(), j) == cols.end()) from.push_back(j);
  Eigen::MatrixXd& m = table.values;
  std::vector<bool> placed(from.size(), false);
  Eigen::VectorXd scratch;
  for (Eigen::Index k = 0; k < ncols; ++k) {  // one cycle of the permutation at a time
    if (placed[static_cast<std::size_t>(k)] || from[static_cast<std::size_t>(k)] == k) continue;
    scratch = m.col(k);
    Eigen::Index at = k;
    for (Eigen::Index next = from[static_cast<std::size_t>(at)]; next != k;
         at = next, next = from[static_cast<std::size_t>(at)]) {
      m.col(at) = m.col(next);
      placed[static_cast<std::size_t>(at)] = true;
    }
    m.col(at) = scratch;
    placed[static_cast<std::size_t>(at)] = true;
  }
  m.conservativeResize(Eigen::NoChange, static_cast<Eigen::Index>(cols.size()));  // in place: a realloc
  d.X = std::move(m);
  d.lines = std::move(table.lines);
  return d;
}

Dataset select_columns(const CsvTable& table, std::string_view target,
                       const std::vector<std::string>& features) {
  return select_columns(CsvTable(table), target, features);
}

}  // namespace gradlab
