// The same digits in every build: the reductions, products and vectorised elementwise functions of
// matrix nodes give bit-identical results whatever the vector width (SSE2 in the `portable` build,
// AVX2 in `release`). The expected values below are exact (hexadecimal) and were computed once; with
// Eigen's own reductions each build got other last bits (its partial sums follow the register width).
#include <fmt/format.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/fixed_order.hpp>
#include <gradlab/autodiff/matrix.hpp>

using Eigen::Index;
using Eigen::MatrixXd;
using gradlab::MatVar;
using gradlab::Var;

namespace {

// Entries of many magnitudes and both signs, from integers alone (the same in every build).
MatrixXd data(Index rows, Index cols, int salt) {
  MatrixXd m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    const long q = (k * 7919 + salt * 104729) % 2003 - 1001;
    m(k) = static_cast<double>(q) / 7.0 * static_cast<double>(1 + (k + salt) % 5 * 37);
  }
  return m;
}

// Exact equality, reported in hexadecimal.
void same_bits(double got, double want, const std::string& what) {
  BOOST_TEST(got == want, fmt::format("{}: got {:a}, expected {:a}", what, got, want));
}

// The same sum, term k to partial k mod 16 and the partials added pairwise (8 apart, then 4 ...), written
// out one term at a time: the order fixed_order.hpp documents.
double reference_sum(const double* x, Index n) {
  double acc[16] = {};
  for (Index k = 0; k < n; ++k) acc[k % 16] += x[k];
  for (int h = 8; h > 0; h /= 2)
    for (int l = 0; l < h; ++l) acc[l] += acc[l + h];
  return acc[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fixed_order)

BOOST_AUTO_TEST_CASE(sum_adds_in_the_documented_order) {
  for (const Index n : {0, 1, 15, 16, 17, 100, 1001}) {
    const MatrixXd x = data(n, 1, 1);
    same_bits(gradlab::fixed_order::sum(x.data(), n), reference_sum(x.data(), n), fmt::format("n = {}", n));
  }
}

BOOST_AUTO_TEST_CASE(reductions_have_the_same_digits_in_every_build) {
  const MatrixXd a = data(1001, 3, 1), b = data(1001, 3, 2);
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar A = gradlab::matrix_constant(a), B = gradlab::matrix_constant(b);
  same_bits(gradlab::sum(A).value(), -0x1.08676db6db6d9p+16, "sum");
  same_bits(gradlab::dot(A, B).value(), -0x1.83a1998b4bc14p+34, "dot");
  same_bits(gradlab::squared_norm(A).value(), 0x1.3fd51f9030539p+37, "squared_norm");
  same_bits(gradlab::col_sums(A).value()(2), -0x1.2adf6db6db6d4p+14, "col_sums");
  const MatrixXd wide = data(3, 1001, 3);
  same_bits(gradlab::row_sums(gradlab::matrix_constant(wide)).value()(1), -0x1.b7b36db6db6e8p+13, "row_sums");
}

BOOST_AUTO_TEST_CASE(products_have_the_same_digits_in_every_build) {
  const MatrixXd x = data(1001, 37, 4), w = data(37, 5, 5), d = data(1001, 1, 6);
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd xw = gradlab::matmul(gradlab::matrix_constant(x), gradlab::matrix_constant(w)).value();
  same_bits(xw(1000, 4), -0x1.719b9dfd6343fp+29, "X W");
  same_bits(xw(997, 0), -0x1.8b90c3814e5dfp+27, "X W, an entry past the last block of rows");
  const MatrixXd xtd = gradlab::fixed_order::matmul_tn(x, d);
  same_bits(xtd(36, 0), -0x1.82296564b1a2p+32, "Xᵀ d");
  // each entry is dot() of its column, whether it was taken 8, 4 or 1 column at a time
  for (Index i = 0; i < x.cols(); ++i)
    BOOST_TEST(xtd(i, 0) == gradlab::fixed_order::dot(x.col(i).data(), d.data(), x.rows()), "column " << i);
}

BOOST_AUTO_TEST_CASE(matvec_adds_each_row_in_order_of_the_columns) {
  // every number of columns from 0 (the empty sum) to 29 (passes of 12, 4 and 1 column), rows past
  // the last block of 16, and past the first chunk of rows (2^17)
  const auto check = [](Index rows, Index cols) {
    const MatrixXd a = data(rows, cols, 11), b = data(cols, 1, 12);
    Eigen::VectorXd out = Eigen::VectorXd::Constant(rows, std::nan(""));  // every entry is written
    gradlab::fixed_order::matvec(a, b.data(), out.data());
    for (Index i = 0; i < rows; ++i) {
      double s = 0.0;
      for (Index k = 0; k < cols; ++k) s += a(i, k) * b(k);
      if (out(i) != s) {
        same_bits(out(i), s, fmt::format("row {} of {} x {}", i, rows, cols));
        return;
      }
    }
  };
  for (Index cols = 0; cols < 30; ++cols) check(37, cols);
  check((Index{1} << 17) + 21, 5);
}

BOOST_AUTO_TEST_CASE(xtd_columns_are_dot_products_in_any_order_of_columns) {
  // matmul_tn_into takes the columns from the last: each entry is still its column's dot()
  for (Index cols = 1; cols < 30; ++cols) {
    const MatrixXd x = data(53, cols, 13), d = data(53, 1, 14);
    const MatrixXd xtd = gradlab::fixed_order::matmul_tn(x, d);
    for (Index i = 0; i < cols; ++i)
      BOOST_TEST(xtd(i, 0) == gradlab::fixed_order::dot(x.col(i).data(), d.data(), x.rows()),
                 "column " << i << " of " << cols);
  }
}

BOOST_AUTO_TEST_CASE(sigmoid_is_the_same_past_the_last_full_register) {
  // 19 entries: the last 3 are past 16, where Eigen's exp took its scalar path (1 entry with SSE2, 3
  // with AVX2), which rounded otherwise than its vectorised one at entry 16 here. gradlab's own exp
  // (fixed_exp.hpp) gives every entry the same bits in every build and at every position.
  MatrixXd z(19, 1);
  for (Index k = 0; k < 19; ++k) {
    const Index i = k + 5;
    z(k) = static_cast<double>(i * 7919 % 2003 - 1001) / 7.0 * static_cast<double>(1 + i % 5 * 37) / 3000.0;
  }
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd f = gradlab::sigmoid(gradlab::matrix_constant(z)).value();
  same_bits(f(16), 0x1.36ce5c97b25ecp-3, "sigmoid, entry 16");
  same_bits(f(17), 0x1.efdc302a6a014p-1, "sigmoid, entry 17");
  same_bits(f(18), 0x1.faff7c18dbb4p-1, "sigmoid, entry 18");
}

BOOST_AUTO_TEST_CASE(the_batch_gradient_has_the_same_digits_in_every_build) {
  const MatrixXd x = data(1001, 7, 8) / 1000.0, y = (data(1001, 1, 9).array() / 2000.0 + 0.5).matrix();
  const MatrixXd w0 = data(7, 1, 10) / 1000.0;
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar w = gradlab::matrix_variable(w0);
  const Var b = tape.variable(-0.1);
  const MatVar f = gradlab::sigmoid(gradlab::matmul(gradlab::matrix_constant(x), w) + b);
  const Var L = 0.5 * gradlab::squared_norm(f - gradlab::matrix_constant(y));
  const gradlab::Gradients g = gradlab::backward(L);
  same_bits(L.value(), 0x1.d50575d734fb9p+12, "L");
  same_bits(g[w](6), -0x1.25c8c53a207dep+6, "dL/dw_6");
  same_bits(g[b], -0x1.c364c7f46bd52p+2, "dL/db");
}

BOOST_AUTO_TEST_SUITE_END()
