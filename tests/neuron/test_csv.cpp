// The CSV loader: what it reads, and every way a file can be bad, with its exact message.
#include <boost/test/unit_test.hpp>
#include <string>

#include "gradlab/neuron/csv.hpp"

using gradlab::CsvError;
using gradlab::parse_csv;

namespace {

/// The message parse_csv throws for this text (fails the test when it does not throw CsvError).
std::string error_of(const std::string& text, const std::string& name = "data.csv") {
  try {
    parse_csv(text, name);
  } catch (const CsvError& e) {
    return e.what();
  }
  BOOST_FAIL("no CsvError for: " + text);
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(reads_header_and_numbers) {
  const auto t = parse_csv("# a comment\nx, y ,label\r\n1,2.5,0\n\n  -3 ,+.5, 1e-3\n-1e2,7,1\n", "f.csv");
  BOOST_TEST(t.columns == (std::vector<std::string>{"x", "y", "label"}), boost::test_tools::per_element());
  BOOST_TEST(t.header_line == 2);
  BOOST_TEST(t.values.rows() == 3);
  BOOST_TEST(t.values.cols() == 3);
  BOOST_TEST(t.values(0, 1) == 2.5);
  BOOST_TEST(t.values(1, 0) == -3.0);
  BOOST_TEST(t.values(1, 1) == 0.5);
  BOOST_TEST(t.values(1, 2) == 1e-3);
  BOOST_TEST(t.values(2, 0) == -100.0);
  BOOST_TEST(t.lines == (std::vector<int>{3, 5, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_bad_file_names_file_line_column_and_problem) {
  BOOST_TEST(error_of("") == "data.csv:1:1: empty file: expected a header row of column names");
  BOOST_TEST(error_of("\n  \n# only a comment\n") ==
             "data.csv:1:1: empty file: expected a header row of column names");
  BOOST_TEST(error_of("x,y\n") == "data.csv:1:1: header only: no data rows after the header (x, y)");
  BOOST_TEST(error_of("x,y\n1,2\n3\n") ==
             "data.csv:3:2: ragged row: 1 field but the header has 2 columns (x, y)");
  BOOST_TEST(error_of("x,y\n1,2\n3,4,5\n") ==
             "data.csv:3:5: ragged row: 3 fields but the header has 2 columns (x, y)");
  BOOST_TEST(
      error_of("x,y\n1,abc\n") ==
      "data.csv:2:3: non-numeric value 'abc' in column 'y' (expected a number such as 2, -3.5 or 1e-3)");
  BOOST_TEST(
      error_of("x,y\n1,2x\n") ==
      "data.csv:2:3: non-numeric value '2x' in column 'y' (expected a number such as 2, -3.5 or 1e-3)");
  BOOST_TEST(error_of("x,y\n1,2\n ,4\n") == "data.csv:3:1: missing value in column 'x'");
  BOOST_TEST(error_of("x,y\n1,\n") == "data.csv:2:3: missing value in column 'y'");
  BOOST_TEST(error_of("x,y\n1,nan\n") ==
             "data.csv:2:3: non-finite value 'nan' in column 'y' (only finite numbers are allowed)");
  BOOST_TEST(error_of("x,y\n-inf,1\n") ==
             "data.csv:2:1: non-finite value '-inf' in column 'x' (only finite numbers are allowed)");
  BOOST_TEST(error_of("x,y\n1e999,1\n") ==
             "data.csv:2:1: value '1e999' in column 'x' is out of the range of a double");
  BOOST_TEST(error_of("x,,y\n") == "data.csv:1:3: empty column name in the header (column 2)");
  BOOST_TEST(error_of("x,y,x\n") == "data.csv:1:5: duplicate column name 'x' in the header");
  BOOST_TEST(error_of("x,y\n1,\x01\x02\n") ==
             "data.csv:2:3: non-numeric value '\\x01\\x02' in column 'y' (expected a number such as 2, -3.5 "
             "or 1e-3)");
}

BOOST_AUTO_TEST_CASE(unreadable_file) {
  try {
    gradlab::read_csv("/nonexistent/dir/data.csv");
    BOOST_FAIL("no error");
  } catch (const CsvError& e) {
    BOOST_TEST(std::string(e.what()) == "/nonexistent/dir/data.csv: cannot open the file for reading");
    BOOST_TEST(e.line() == 0);
  }
  // A directory opens as a stream and reads as empty: it must not be called an empty file.
  try {
    gradlab::read_csv("/");
    BOOST_FAIL("no error");
  } catch (const CsvError& e) {
    BOOST_TEST(std::string(e.what()) == "/: is a directory, not a CSV file");
  }
}

BOOST_AUTO_TEST_CASE(position_accessors) {
  try {
    parse_csv("a,b\n1,2\n3, zz\n", "p.csv");
    BOOST_FAIL("no error");
  } catch (const CsvError& e) {
    BOOST_TEST(e.source() == "p.csv");
    BOOST_TEST(e.line() == 3);
    BOOST_TEST(e.column() == 4);
  }
}

BOOST_AUTO_TEST_CASE(selects_target_and_features) {
  const auto t = parse_csv("a,b,c,y\n1,2,3,4\n5,6,7,8\n", "s.csv");
  const auto d = gradlab::select_columns(t);
  BOOST_TEST(d.target == "y");
  BOOST_TEST(d.features == (std::vector<std::string>{"a", "b", "c"}), boost::test_tools::per_element());
  BOOST_TEST(d.y[1] == 8.0);
  BOOST_TEST(d.X(1, 2) == 7.0);

  const auto e = gradlab::select_columns(t, "a", {"c", "b"});
  BOOST_TEST(e.target == "a");
  BOOST_TEST(e.X(0, 0) == 3.0);
  BOOST_TEST(e.X(0, 1) == 2.0);
  BOOST_TEST(e.y[1] == 5.0);
  BOOST_TEST(gradlab::select_columns(t, "b").features == (std::vector<std::string>{"a", "c", "y"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_column_selections) {
  const auto t = parse_csv("a,b,y\n1,2,3\n", "s.csv");
  const auto msg = [&](std::string_view target, std::vector<std::string> features) -> std::string {
    try {
      gradlab::select_columns(t, target, features);
    } catch (const CsvError& e) {
      return e.what();
    }
    return "no error";
  };
  BOOST_TEST(msg("z", {}) == "s.csv:1:1: unknown target column 'z'; the header has: a, b, y");
  BOOST_TEST(msg("", {"a", "q"}) == "s.csv:1:1: unknown feature column 'q'; the header has: a, b, y");
  BOOST_TEST(msg("", {"y"}) == "s.csv:1:1: column 'y' is the target; it cannot also be a feature");
  BOOST_TEST(msg("", {"a", "a"}) == "s.csv:1:1: feature column 'a' is named twice");
  const auto one = parse_csv("y\n1\n", "one.csv");
  try {
    gradlab::select_columns(one);
    BOOST_FAIL("no error");
  } catch (const CsvError& e) {
    BOOST_TEST(std::string(e.what()) == "one.csv:1:1: no feature columns: the only column is the target 'y'");
  }
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_not_part_of_the_first_name) {
  const auto t = parse_csv("\xEF\xBB\xBFx,y\n1,2\n", "excel.csv");
  BOOST_TEST(t.columns == (std::vector<std::string>{"x", "y"}), boost::test_tools::per_element());
  BOOST_TEST(gradlab::select_columns(t, "y", {"x"}).features.front() == "x");
}

BOOST_AUTO_TEST_CASE(a_numeric_first_line_is_not_taken_for_a_header) {
  BOOST_TEST(error_of("1,2\n3,4\n") ==
             "data.csv:1:1: the first line holds only numbers, not column names: add a header row, or read "
             "the file without one (gradlab train --no-header names the columns c1, c2, ...)");
  // Read without a header, the first line is a row.
  const auto t = parse_csv("# comment\n1,2\n3,4\n", "n.csv", {.header = false});
  BOOST_TEST(t.columns == (std::vector<std::string>{"c1", "c2"}), boost::test_tools::per_element());
  BOOST_TEST(t.values.rows() == 2);
  BOOST_TEST(t.values(0, 1) == 2.0);
  BOOST_TEST(t.lines == (std::vector<int>{2, 3}), boost::test_tools::per_element());
  // A header with one name among numbers is a header.
  BOOST_TEST(parse_csv("1,y\n3,4\n").columns.back() == "y");
}

BOOST_AUTO_TEST_CASE(an_endless_input_stops_at_the_size_limit) {
  try {
    gradlab::read_csv("/dev/zero", {.max_bytes = std::size_t{1} << 20});
    BOOST_FAIL("no error");
  } catch (const CsvError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "/dev/zero: the file is longer than 1048576 bytes, the most a CSV file may have (an endless "
               "input such as /dev/zero?)");
  }
  BOOST_TEST(gradlab::kMaxCsvBytes == std::size_t{256} << 20);
}

// The duplicate-name check is a hash set: 10^5 columns take milliseconds (17 s with the former
// pairwise check), and the duplicate is still found and named.
BOOST_AUTO_TEST_CASE(a_header_of_100000_columns_is_checked_in_linear_time) {
  std::string header, row;
  for (int j = 0; j < 100000; ++j) {
    header += (j ? ",c" : "c") + std::to_string(j);
    row += j ? ",1" : "1";
  }
  BOOST_TEST(parse_csv(header + "\n" + row + "\n").columns.size() == 100000u);
  BOOST_TEST(error_of(header + ",c99999\n") ==
             "data.csv:1:688891: duplicate column name 'c99999' in the header");
}

BOOST_AUTO_TEST_CASE(split_names) {
  BOOST_TEST(gradlab::split_names(" a, b ,c") == (std::vector<std::string>{"a", "b", "c"}),
             boost::test_tools::per_element());
  BOOST_TEST(gradlab::split_names("  ").empty());
}

BOOST_AUTO_TEST_SUITE_END()
