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

/// Splits a line at commas, trimming blanks around each field.
std::vector<Field> split_fields(std::string_view line) {
  std::vector<Field> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(line.find(',', start), line.size());
    std::size_t a = start;
    std::size_t b = comma;
    while (a < b && is_blank(line[a])) ++a;
    while (b > a && is_blank(line[b - 1])) --b;
    // An empty field points at where its text would start.
    fields.push_back({line.substr(a, b - a), static_cast<int>(a == b ? start : a) + 1});
    if (comma == line.size()) return fields;
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

}  // namespace

CsvTable parse_csv(std::string_view text, std::string_view source_name, const CsvOptions& options) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";  // UTF-8 byte-order mark: not part of a name
  if (text.substr(0, bom.size()) == bom) text.remove_prefix(bom.size());
  CsvTable table;
  table.source = std::string(source_name);
  const std::string& source = table.source;
  std::vector<double> flat;
  bool have_header = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;  // blank or comment
    const std::vector<Field> fields = split_fields(line);

    if (!have_header && !options.header) {  // columns c1, c2, ...; this line is the first row
      for (std::size_t j = 1; j <= fields.size(); ++j) table.columns.push_back(fmt::format("c{}", j));
      table.header_line = line_no;
      have_header = true;
    } else if (!have_header) {
      if (std::all_of(fields.begin(), fields.end(), [](const Field& f) { return is_number(f.text); }))
        throw CsvError(source, line_no, 1,
                       "the first line holds only numbers, not column names: add a header row, or read "
                       "the file without one (gradlab train --no-header names the columns c1, c2, ...)");
      std::unordered_set<std::string_view> seen;  // views into text: a linear check
      for (const Field& f : fields) {
        if (f.text.empty())
          throw CsvError(
              source, line_no, f.column,
              fmt::format("empty column name in the header (column {})", table.columns.size() + 1));
        if (!seen.insert(f.text).second)
          throw CsvError(source, line_no, f.column,
                         fmt::format("duplicate column name '{}' in the header", shown(f.text)));
        table.columns.emplace_back(f.text);
      }
      table.header_line = line_no;
      have_header = true;
      continue;
    }

    const std::size_t ncol = table.columns.size();
    if (fields.size() != ncol) {
      const int column = fields.size() > ncol ? fields[ncol].column : static_cast<int>(line.size()) + 1;
      throw CsvError(source, line_no, column,
                     fmt::format("ragged row: {} field{} but the header has {} column{} ({})", fields.size(),
                                 fields.size() == 1 ? "" : "s", ncol, ncol == 1 ? "" : "s",
                                 fmt::join(table.columns, ", ")));
    }
    for (std::size_t j = 0; j < ncol; ++j)
      flat.push_back(parse_number(fields[j].text, table.columns[j], source, line_no, fields[j].column));
    table.lines.push_back(line_no);
  }

  if (!have_header) throw CsvError(source, 1, 1, "empty file: expected a header row of column names");
  if (table.lines.empty())
    throw CsvError(
        source, table.header_line, 1,
        fmt::format("header only: no data rows after the header ({})", fmt::join(table.columns, ", ")));

  const auto rows = static_cast<Eigen::Index>(table.lines.size());
  const auto cols = static_cast<Eigen::Index>(table.columns.size());
  table.values = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      flat.data(), rows, cols);
  return table;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))  // a directory opens, then reads as an empty file
    throw CsvError(path, 0, 0, "is a directory, not a CSV file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw CsvError(path, 0, 0, "cannot open the file for reading");
  // Read in blocks up to the limit, so that an endless input (/dev/zero, a pipe that never ends)
  // stops with a message instead of filling the memory.
  std::string text;
  std::vector<char> block(std::size_t{1} << 16);
  while (file) {
    file.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(file.gcount());
    if (got > options.max_bytes - std::min(options.max_bytes, text.size()))
      throw CsvError(path, 0, 0,
                     fmt::format("the file is longer than {} bytes, the most a CSV file may have (an "
                                 "endless input such as /dev/zero?)",
                                 options.max_bytes));
    text.append(block.data(), got);
  }
  if (file.bad()) throw CsvError(path, 0, 0, "reading the file failed");
  return parse_csv(text, path, options);
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  if (list.find_first_not_of(" \t") == std::string_view::npos) return names;
  for (const Field& f : split_fields(list)) names.emplace_back(f.text);
  return names;
}

Dataset select_columns(const CsvTable& table, std::string_view target,
                       const std::vector<std::string>& features) {
  const auto find = [&](std::string_view name, const char* role) {
    const auto it = std::find(table.columns.begin(), table.columns.end(), name);
    if (it == table.columns.end())
      throw CsvError(table.source, table.header_line, 1,
                     fmt::format("unknown {} column '{}'; the header has: {}", role, name,
                                 fmt::join(table.columns, ", ")));
    return static_cast<Eigen::Index>(it - table.columns.begin());
  };
  const Eigen::Index t =
      target.empty() ? static_cast<Eigen::Index>(table.columns.size()) - 1 : find(target, "target");

  std::vector<Eigen::Index> cols;
  if (features.empty()) {
    for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(table.columns.size()); ++j)
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
  d.X.resize(table.values.rows(), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t k = 0; k < cols.size(); ++k) {
    d.X.col(static_cast<Eigen::Index>(k)) = table.values.col(cols[k]);
    d.features.push_back(table.columns[cols[k]]);
  }
  d.lines = table.lines;
  return d;
}

}  // namespace gradlab
