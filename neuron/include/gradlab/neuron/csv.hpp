#pragma once
/// @file csv.hpp
/// A small reader for numeric CSV files: a header row of column names, then rows of numbers.
///
/// The format, exactly:
///  - fields are separated by commas; spaces and tabs around a field are ignored;
///  - the first non-blank, non-comment line is the header: non-empty, distinct column names;
///  - every later line is one row with as many fields as the header, each a finite decimal number
///    (`2`, `-3.5`, `.5`, `1e-3`; a leading `+` is allowed);
///  - blank lines and lines whose first non-blank character is `#` are skipped; `\r\n` line ends work.
///  - a UTF-8 byte-order mark at the start of the file (Excel writes one) is skipped;
///  - a first line made only of numbers is not taken for a header: it is an error, unless the file
///    is read with CsvOptions::header = false (`gradlab train --no-header`), when every line is a
///    row and the columns are named c1, c2, ...;
///  - read_csv reads at most CsvOptions::max_bytes (256 MiB by default): a larger file, or an endless
///    input such as /dev/zero, is an error naming the file.
/// Anything else throws CsvError naming the file, the line, the column and the problem; a file is
/// either read whole or not at all. read_csv parses the file as it reads it: it never holds the
/// whole text, only the numbers (one vector per column, gathered into the table at the end).
#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/autodiff/error.hpp"

namespace gradlab {

/// Bad CSV input. The message reads `FILE:LINE:COLUMN: problem`; line and column count from 1 (the
/// column in characters). A column of 0 is left out (`FILE:LINE: problem`, a whole row), and a line
/// of 0 too (`FILE: problem`, an unreadable file).
class CsvError : public Error {
 public:
  CsvError(std::string source, int line, int column, const std::string& problem);
  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] int column() const { return column_; }

 private:
  std::string source_;
  int line_;
  int column_;
};

/// A CSV file read whole: the column names and one row of numbers per data line.
struct CsvTable {
  std::string source;                ///< the file name (or the name given to parse_csv)
  std::vector<std::string> columns;  ///< the header
  Eigen::MatrixXd values;            ///< rows x columns
  std::vector<int> lines;            ///< the file line of each row (for later messages)
  int header_line = 1;               ///< the file line of the header
};

/// The largest file read_csv reads by default: 256 MiB.
inline constexpr std::size_t kMaxCsvBytes = std::size_t{256} << 20;

/// How a CSV file is read.
struct CsvOptions {
  bool header = true;                    ///< false: no header row; the columns are named c1, c2, ...
  std::size_t max_bytes = kMaxCsvBytes;  ///< read_csv refuses a longer file (or endless input)
};

/// Parses CSV text; `source` names it in messages. Throws CsvError.
CsvTable parse_csv(std::string_view text, std::string_view source = "<input>",
                   const CsvOptions& options = {});
/// Reads and parses a file. Throws CsvError (also when the file cannot be opened or is longer than
/// options.max_bytes).
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

/// Training data: X (one sample per row) and the target y, with the names of their columns.
struct Dataset {
  std::string source;
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  std::vector<std::string> features;
  std::string target;
  std::vector<int> lines;  ///< the file line of each sample
};

/// Picks the target column (default: the last one) and the feature columns (default: every other
/// column, in file order). Throws CsvError for an unknown column, a feature that is the target, a
/// feature named twice, or no feature left.
Dataset select_columns(const CsvTable& table, std::string_view target = {},
                       const std::vector<std::string>& features = {});
/// The same, taking the table's storage for X instead of copying it (the memory of a large file is
/// then the numbers once).
Dataset select_columns(CsvTable&& table, std::string_view target = {},
                       const std::vector<std::string>& features = {});

/// Splits "a,b,c" into {"a", "b", "c"}, trimming spaces (an empty string gives no names).
std::vector<std::string> split_names(std::string_view list);

}  // namespace gradlab
