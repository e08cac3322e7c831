// The CSV loader: what it reads, and every way a file can be bad, with its exact message.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "gradlab/neuron/csv.hpp"
#include "scratch.hpp"
#if __has_include(<malloc.h>)
#include <malloc.h>  // mallopt (glibc)
#endif

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

/// Writes text to a file of the scratch directory; returns its path.
std::string write_file(const Scratch& s, const std::string& name, const std::string& text) {
  const std::string path = (s.dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

/// The same table, value for value.
void check_same(const gradlab::CsvTable& a, const gradlab::CsvTable& b) {
  BOOST_TEST(a.columns == b.columns, boost::test_tools::per_element());
  BOOST_TEST(a.lines == b.lines, boost::test_tools::per_element());
  BOOST_TEST(a.header_line == b.header_line);
  BOOST_TEST(a.values.rows() == b.values.rows());
  BOOST_TEST(a.values.cols() == b.values.cols());
  BOOST_TEST((a.values.array() == b.values.array()).all());
}

/// Rows of numbers of varied lengths, with comments, blank lines and \r\n line ends among them: text
/// of more than 1 MB, so that read_csv reads it in several blocks, with lines across their edges.
std::string long_text(int rows) {
  std::string text = "\xEF\xBB\xBFx, y ,label\r\n";
  char buf[96];
  for (int i = 0; i < rows; ++i) {
    if (i % 1000 == 7) text += "# a comment, 1, 2\n\n";
    const int len = std::snprintf(buf, sizeof buf, "%d.%0*d, %.17g,%d%s", i % 97, i % 13, i, 1.0 / (i + 1),
                                  i % 2, i % 3 == 0 ? "\r\n" : "\n");
    text.append(buf, static_cast<std::size_t>(len));
  }
  return text;
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

// read_csv parses the file block by block as it reads it: the table is parse_csv's of the whole text,
// whatever falls on the edge of a block (a number, a \r\n, the last line without its \n), and a
// line longer than a block (a header of 10^5 names) is read whole.
BOOST_AUTO_TEST_CASE(read_csv_reads_in_blocks_what_parse_csv_reads_whole) {
  const Scratch s("csv_blocks");
  const std::string text = long_text(60000);
  BOOST_TEST(text.size() > std::size_t{1} << 20);
  check_same(gradlab::read_csv(write_file(s, "long.csv", text)), parse_csv(text, "long.csv"));
  const std::string no_newline = text + "1,2,3";
  check_same(gradlab::read_csv(write_file(s, "last.csv", no_newline)), parse_csv(no_newline, "last.csv"));
  const std::string no_header = text.substr(text.find('\n') + 1);
  check_same(gradlab::read_csv(write_file(s, "nh.csv", no_header), {.header = false}),
             parse_csv(no_header, "nh.csv", {.header = false}));

  std::string header, row;
  for (int j = 0; j < 100000; ++j) {
    header += (j ? ",c" : "c") + std::to_string(j);
    row += j ? ",1" : "1";
  }
  const std::string wide = header + "\n" + row + "\n" + row;
  BOOST_TEST(header.size() > std::size_t{1} << 18);  // longer than read_csv's first buffer
  check_same(gradlab::read_csv(write_file(s, "wide.csv", wide)), parse_csv(wide, "wide.csv"));
}

// An error far into the file names its line and column, as parse_csv does.
BOOST_AUTO_TEST_CASE(an_error_after_many_blocks_names_its_line) {
  const Scratch s("csv_error_line");
  const std::string text = long_text(60000) + "1, 2\n";
  const std::string path = write_file(s, "bad.csv", text);
  std::string message;
  try {
    gradlab::read_csv(path);
  } catch (const CsvError& e) {
    message = e.what();
  }
  BOOST_TEST(message == error_of(text, path));
  BOOST_TEST(message.find("ragged row: 2 fields but the header has 3 columns (x, y, label)") !=
             std::string::npos);
}

// The columns picked from a table, in the order asked for, whatever the cycles of the permutation
// that moves them into place.
BOOST_AUTO_TEST_CASE(select_columns_moves_the_columns_into_place) {
  const std::string text = "a,b,c,d,e,f\n1,2,3,4,5,6\n10,20,30,40,50,60\n";
  const auto t = parse_csv(text, "p.csv");
  const auto check = [&](std::string_view target, const std::vector<std::string>& features) {
    const gradlab::Dataset d = gradlab::select_columns(parse_csv(text, "p.csv"), target, features);
    BOOST_TEST(d.features == features, boost::test_tools::per_element());
    BOOST_TEST(d.X.cols() == static_cast<Eigen::Index>(features.size()));
    for (std::size_t k = 0; k < features.size(); ++k) {
      const auto j = std::find(t.columns.begin(), t.columns.end(), features[k]) - t.columns.begin();
      BOOST_TEST((d.X.col(static_cast<Eigen::Index>(k)).array() == t.values.col(j).array()).all());
    }
    const auto jt = std::find(t.columns.begin(), t.columns.end(), d.target) - t.columns.begin();
    BOOST_TEST((d.y.array() == t.values.col(jt).array()).all());
    BOOST_TEST(d.lines == t.lines, boost::test_tools::per_element());
  };
  check("c", {"f", "e", "d", "b", "a"});
  check("a", {"b", "c", "d", "e", "f"});
  check("", {"c", "a", "e"});
  check("b", {"f", "a"});
  check("f", {"a", "b", "c", "d", "e"});
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GRADLAB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define GRADLAB_SANITIZED 1
#endif
#endif
#ifndef GRADLAB_SANITIZED
// A CSV file read and its columns selected take about the memory of its numbers (as doubles), not of
// its text as well, and not of a second copy: measured as the peak resident memory of a child
// process, which starts at the parent's current resident memory. (Not under the sanitizers, whose
// shadow memory and quarantine of freed blocks count too.)
BOOST_AUTO_TEST_CASE(a_large_file_is_held_once_as_numbers) {
  const Scratch s("csv_memory");
  const int rows = 200000, cols = 11;
  std::string text = "c0";
  for (int j = 1; j < cols; ++j) text += ",c" + std::to_string(j);
  text += '\n';
  char buf[32];
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const int len = std::snprintf(buf, sizeof buf, "%.6f%c", ((i * 7919 + j * 104729) % 2000003) / 1e6,
                                    j + 1 == cols ? '\n' : ',');
      text.append(buf, static_cast<std::size_t>(len));
    }
  const std::string path = write_file(s, "big.csv", text);
  const double data_bytes = 8.0 * rows * cols;  // 17.6 MB as doubles; the text is 20 MB
  std::string().swap(text);
  const pid_t child = ::fork();
  if (child == 0) {
#ifdef __GLIBC__
    // As in a fresh process (gradlab train): the columns' blocks are mapped and given back when
    // freed. The tests before this one may have raised glibc's adaptive threshold, which then
    // keeps freed blocks in the heap.
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    const gradlab::Dataset d = gradlab::select_columns(gradlab::read_csv(path));
    ::getrusage(RUSAGE_SELF, &after);
    const double grew = 1024.0 * static_cast<double>(after.ru_maxrss - before.ru_maxrss);
    std::printf("read_csv + select_columns: peak memory grew by %.1f MB for %.1f MB of numbers\n", grew / 1e6,
                data_bytes / 1e6);
    std::fflush(stdout);
    ::_exit(d.X.rows() == rows && grew < 1.5 * data_bytes ? 0 : 1);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}
#endif

BOOST_AUTO_TEST_CASE(split_names) {
  BOOST_TEST(gradlab::split_names(" a, b ,c") == (std::vector<std::string>{"a", "b", "c"}),
             boost::test_tools::per_element());
  BOOST_TEST(gradlab::split_names("  ").empty());
}

BOOST_AUTO_TEST_SUITE_END()
