// Matrix nodes: every op's gradient against central differences, the batch neuron three ways,
// exact Hessians, shape errors and tape misuse.
#include <boost/test/unit_test.hpp>
#include <deque>
#include <functional>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/matrix.hpp>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using Eigen::MatrixXd;
using gradlab::MatVar;
using gradlab::Var;

namespace {

std::mt19937_64 rng(20240611);

MatrixXd random_matrix(Eigen::Index r, Eigen::Index c, double lo = -1.5, double hi = 1.5) {
  std::uniform_real_distribution<double> u(lo, hi);
  MatrixXd m(r, c);
  for (Eigen::Index k = 0; k < m.size(); ++k) m(k) = u(rng);
  return m;
}
// Entries of magnitude in [0.2, 1.5] with random signs: away from the kinks of abs, relu, step, sign.
MatrixXd away_from_zero(Eigen::Index r, Eigen::Index c) {
  MatrixXd m = random_matrix(r, c, 0.2, 1.5);
  std::bernoulli_distribution flip(0.5);
  for (Eigen::Index k = 0; k < m.size(); ++k)
    if (flip(rng)) m(k) = -m(k);
  return m;
}

// Random weights, the same in every evaluation of one check (a deque: constants refer to them).
std::deque<MatrixXd> weights;
std::size_t next_weight = 0;

// Reduces a matrix to a scalar with distinct weights per entry, so that every adjoint entry matters.
Var weigh(const MatVar& m) {
  if (next_weight == weights.size()) weights.push_back(random_matrix(m.rows(), m.cols()));
  const MatrixXd& w = weights[next_weight++];
  BOOST_TEST_REQUIRE(w.rows() == m.rows());
  return gradlab::dot(m, gradlab::matrix_constant(w));
}

// A scalar function of matrix inputs, recorded on the active tape.
using Build = std::function<Var(const std::vector<MatVar>&)>;

// The gradient of f with respect to each input, by the tape and by central differences, compared.
void check_gradient(const Build& f, const std::vector<MatrixXd>& at, const std::string& what) {
  std::vector<MatrixXd> ad;
  weights.clear();
  next_weight = 0;
  {
    gradlab::Tape tape;
    gradlab::TapeScope scope(tape);
    std::vector<MatVar> xs;
    for (const MatrixXd& m : at) xs.push_back(gradlab::matrix_variable(m));
    const gradlab::Gradients g = gradlab::backward(f(xs));
    for (const MatVar& x : xs) ad.push_back(g[x]);
  }
  const auto eval = [&](const std::vector<MatrixXd>& point) {
    next_weight = 0;
    gradlab::Tape tape;
    gradlab::TapeScope scope(tape);
    std::vector<MatVar> xs;
    for (const MatrixXd& m : point) xs.push_back(gradlab::matrix_variable(m));
    return f(xs).value();
  };
  const double h = 1e-6;
  for (std::size_t k = 0; k < at.size(); ++k) {
    BOOST_TEST_REQUIRE(ad[k].rows() == at[k].rows());
    BOOST_TEST_REQUIRE(ad[k].cols() == at[k].cols());
    for (Eigen::Index e = 0; e < at[k].size(); ++e) {
      std::vector<MatrixXd> plus = at, minus = at;
      plus[k](e) += h;
      minus[k](e) -= h;
      const double fd = (eval(plus) - eval(minus)) / (2 * h);
      BOOST_TEST(
          std::abs(ad[k](e) - fd) <= 1e-6 * std::max(1.0, std::abs(fd)),
          what << ": input " << k << " entry " << e << ": autodiff " << ad[k](e) << " vs central " << fd);
    }
  }
}

// The shapes every op is tried on: 1x1, Nx1, 1xN, NxM.
std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes() {
  std::uniform_int_distribution<Eigen::Index> n(2, 5);
  return {{1, 1}, {n(rng), 1}, {1, n(rng)}, {n(rng), n(rng)}};
}

template <class E, class F> void expect_message(F&& f, const std::string& message) {
  try {
    f();
    BOOST_ERROR("no exception; expected: " << message);
  } catch (const E& e) {
    BOOST_TEST(std::string(e.what()) == message);
  }
}

/// Entries where the unary op Op is real (its `defined_on`, kept 0.1 inside the bounds) and at
/// least 0.1 from its kinks (abs, relu, floor, round ...), so that central differences apply.
template <class Op> MatrixXd op_inputs(Eigen::Index r, Eigen::Index c) {
  MatrixXd m = away_from_zero(r, c);
  if constexpr (requires { Op::defined_on; })
    m = random_matrix(r, c, Op::defined_on.lo + 0.1,
                      std::min(Op::defined_on.hi, Op::defined_on.lo + 2.0) - 0.1);
  if constexpr (requires { Op::kink_distance(0.0); })
    for (Eigen::Index k = 0; k < m.size(); ++k)
      while (Op::kink_distance(m(k)) < 0.1) m(k) = random_matrix(1, 1)(0);
  return m;
}

/// Calls f(Op{}) for every built-in primitive of the op table with the given arity, and returns how
/// many: the tests below take their ops from the op list, not from a hand-written list.
template <gradlab::ops::Arity A, class F> int for_each_builtin(F&& f) {
  int n = 0;
  const auto visit = [&]<class Op>(Op op) {
    if constexpr (Op::arity == A) {
      f(op);
      ++n;
    }
  };
#define GRADLAB_VISIT(N) visit(gradlab::ops::N{});
  GRADLAB_BUILTIN_OPS(GRADLAB_VISIT)
#undef GRADLAB_VISIT
  return n;
}

/// How many built-in ops of the op table have arity a.
int builtin_count(gradlab::ops::Arity a) {
  int n = 0;
  for (gradlab::OpId id = 0; id < static_cast<gradlab::OpId>(gradlab::ops::Builtin::Count); ++id)
    n += gradlab::op_info(id).arity == a ? 1 : 0;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(matrix_gradients)

BOOST_AUTO_TEST_CASE(every_unary_primitive) {
  using namespace gradlab::ops;
  auto one = [&]<class Op>(Op) {
    for (auto [r, c] : shapes()) {
      const MatrixXd x = op_inputs<Op>(r, c);
      check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::apply<Op>(v[0])); }, {x},
                     Op::name);
      // the value is Op::value entry by entry
      gradlab::Tape tape;
      gradlab::TapeScope scope(tape);
      const MatrixXd y = gradlab::apply<Op>(gradlab::matrix_variable(x)).value();
      for (Eigen::Index k = 0; k < x.size(); ++k)
        BOOST_TEST(std::abs(y(k) - Op::value(x(k))) <= 1e-15 * std::max(1.0, std::abs(y(k))), Op::name);
    }
  };
  BOOST_TEST(for_each_builtin<Arity::Unary>(one) == builtin_count(Arity::Unary));
}

BOOST_AUTO_TEST_CASE(every_parametrised_primitive) {
  using namespace gradlab::ops;
  auto one = [&]<class Op>(Op) {
    for (auto [r, c] : shapes()) {
      const MatrixXd x = random_matrix(r, c, 0.3, 1.8);
      check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::apply<Op>(v[0], 1.7)); }, {x},
                     Op::name);
    }
  };
  BOOST_TEST(for_each_builtin<Arity::UnaryParam>(one) == builtin_count(Arity::UnaryParam));
}

namespace {
struct Cube {  // y = x^3;  dy/dx = 3 x^2  (a user's op, not in the table of elementwise forms at first)
  static constexpr const char* name = "test_cube";
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Unary;
  static double value(double x) { return x * x * x; }
  template <class T> static T d(const T& x, const T&) { return 3.0 * x * x; }
};
}  // namespace

// apply(id, X) picks an op at run time: for every one-argument op of the op table, its value and
// gradient entry by entry equal the scalar op's, recorded through the same table.
BOOST_AUTO_TEST_CASE(apply_by_op_id) {
  const MatrixXd x = random_matrix(3, 2, 0.3, 1.8);  // inside most ops' domains
  const MatrixXd w = random_matrix(3, 2);            // L = sum_k w_k y_k: every entry's adjoint matters
  int checked = 0;
  for (gradlab::OpId id = 0; id < static_cast<gradlab::OpId>(gradlab::ops::Builtin::Count); ++id) {
    const gradlab::OpInfo& info = gradlab::op_info(id);
    const bool param = info.arity == gradlab::ops::Arity::UnaryParam;
    if (info.arity != gradlab::ops::Arity::Unary && !param) continue;
    gradlab::Tape tape;
    gradlab::TapeScope scope(tape);
    const MatVar X = gradlab::matrix_variable(x);
    const MatVar Y = param ? gradlab::apply(id, X, 1.7) : gradlab::apply(id, X);
    const MatrixXd g = gradlab::grad(gradlab::dot(Y, gradlab::matrix_constant(w)), X);
    for (Eigen::Index k = 0; k < x.size(); ++k) {
      const Var xk = tape.variable(x(k));
      const Var yk = param ? gradlab::apply(id, xk, Var(1.7)) : gradlab::apply(id, xk);
      // (outside an op's domain, acosh(0.3) say, both are NaN)
      BOOST_TEST((Y.value()(k) == yk.value() || (std::isnan(Y.value()(k)) && std::isnan(yk.value()))),
                 info.name);
      const double gk = gradlab::grad(yk, {xk})[0] * w(k);
      BOOST_TEST((std::abs(g(k) - gk) <= 1e-15 * std::max(1.0, std::abs(gk)) ||
                  (std::isnan(g(k)) && std::isnan(gk))),
                 info.name << " entry " << k);
    }
    ++checked;
  }
  BOOST_TEST(checked ==
             builtin_count(gradlab::ops::Arity::Unary) + builtin_count(gradlab::ops::Arity::UnaryParam));

  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar X = gradlab::matrix_variable(x);
  const gradlab::OpId cube = gradlab::op_id<Cube>();
  expect_message<gradlab::Error>([&] { (void)gradlab::apply(cube, X); },
                                 "apply: op 'test_cube' has no matrix form; call register_elementwise<Op>() "
                                 "once for it");
  BOOST_TEST(gradlab::register_elementwise<Cube>() == cube);
  BOOST_TEST(gradlab::apply(cube, X).value()(1) == x(1) * x(1) * x(1));
  expect_message<gradlab::Error>([&] { (void)gradlab::apply(*gradlab::find_op("add"), X); },
                                 "apply: op 'add' is a two-argument op; apply(id, X) needs a one-argument op "
                                 "without a parameter");
  expect_message<gradlab::Error>(
      [&] { (void)gradlab::apply(*gradlab::find_op("powc"), X); },
      "apply: op 'powc' is a one-argument op with a constant parameter; apply(id, X) "
      "needs a one-argument op without a parameter");
  expect_message<gradlab::Error>([&] { (void)gradlab::apply(*gradlab::find_op("exp"), X, 2.0); },
                                 "apply: op 'exp' is a one-argument op without a parameter; apply(id, X, p) "
                                 "needs a one-argument op with a constant parameter");
}

// Every binary primitive entry by entry, with each kind of broadcast on either side. An op that
// declares a domain (pow: a positive base; xlogy: a positive b) is tried on positive numbers.
BOOST_AUTO_TEST_CASE(binary_primitives_with_broadcasting) {
  using gradlab::ops::Arity;
  const auto one = [&]<class Op>(Op) {
    constexpr bool positive = requires { Op::in_domain(0.0, 0.0); }
    || requires { Op::defined_on; };
    for (auto [r, c] : shapes()) {
      // the second operand: same shape, a column, a row, 1x1; and each on either side
      for (auto [br, bc] :
           std::vector<std::pair<Eigen::Index, Eigen::Index>>{{r, c}, {r, 1}, {1, c}, {1, 1}}) {
        const MatrixXd a = positive ? random_matrix(r, c, 0.2, 2.0) : away_from_zero(r, c),
                       b = positive ? random_matrix(br, bc, 0.2, 2.0) : away_from_zero(br, bc);
        const std::string what = std::string(Op::name) + " " + std::to_string(br) + "x" + std::to_string(bc);
        check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::apply<Op>(v[0], v[1])); },
                       {a, b}, what);
        check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::apply<Op>(v[1], v[0])); },
                       {a, b}, what + " (swapped)");
      }
    }
  };
  BOOST_TEST(for_each_builtin<Arity::Binary>(one) == builtin_count(Arity::Binary));
}

// The operators are those ops.
BOOST_AUTO_TEST_CASE(operators_are_the_binary_primitives) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd a = away_from_zero(3, 2), b = away_from_zero(3, 1);
  const MatVar A = gradlab::matrix_variable(a), B = gradlab::matrix_variable(b);
  using namespace gradlab::ops;
  BOOST_TEST(((A + B).value() == gradlab::apply<Add>(A, B).value()));
  BOOST_TEST(((A - B).value() == gradlab::apply<Sub>(A, B).value()));
  BOOST_TEST(((A * B).value() == gradlab::apply<Mul>(A, B).value()));
  BOOST_TEST(((A / B).value() == gradlab::apply<Div>(A, B).value()));
  BOOST_TEST((gradlab::max(A, B).value() == gradlab::apply<Max>(A, B).value()));
  BOOST_TEST((gradlab::min(A, B).value() == gradlab::apply<Min>(A, B).value()));
}

BOOST_AUTO_TEST_CASE(arithmetic_with_scalars) {
  for (auto [r, c] : shapes()) {
    const MatrixXd a = away_from_zero(r, c), s = away_from_zero(1, 1);
    // a scalar Var (taken from a 1x1 input so that the checker can perturb it) and a double
    const auto sc = [](const MatVar& m) { return gradlab::sum(m); };
    check_gradient(
        [&](const std::vector<MatVar>& v) {
          const Var x = sc(v[1]);
          return weigh(v[0] + x) + weigh(x - v[0]) + weigh(v[0] * x) + weigh(x / v[0]) + weigh(v[0] / x) +
                 weigh(x * v[0]) + weigh(v[0] - x) + weigh(x + v[0]);
        },
        {a, s}, "scalar Var");
    check_gradient(
        [&](const std::vector<MatVar>& v) {
          return weigh(v[0] + 2.5) + weigh(2.5 - v[0]) + weigh(2.5 * v[0]) + weigh(v[0] / 2.5) +
                 weigh(2.5 / v[0]) + weigh(v[0] - 2.5) + weigh(-v[0]) + weigh(v[0] * 1.0);
        },
        {a}, "double");
  }
}

BOOST_AUTO_TEST_CASE(products_and_reductions) {
  std::uniform_int_distribution<Eigen::Index> n(1, 5);
  for (int trial = 0; trial < 8; ++trial) {
    // matrix.matrix and matrix.vector; the first two trials have inner dimension 1 (outer products)
    const Eigen::Index r = n(rng), k = trial < 2 ? 1 : n(rng), c = trial % 2 ? 1 : n(rng);
    const MatrixXd a = random_matrix(r, k), b = random_matrix(k, c), m = random_matrix(r, c);
    {
      gradlab::Tape tape;
      gradlab::TapeScope scope(tape);
      const MatVar product = gradlab::matmul(gradlab::matrix_constant(a), gradlab::matrix_constant(b));
      BOOST_TEST(product.value().isApprox(a * b, 1e-15));
    }
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::matmul(v[0], v[1])); }, {a, b},
                   "matmul");
    check_gradient(
        [&](const std::vector<MatVar>& v) { return weigh(gradlab::detail::matmul_tn(v[0], v[1])); }, {a, m},
        "matmul_tn");
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::transpose(v[0])); }, {a},
                   "transpose");
    check_gradient([&](const std::vector<MatVar>& v) { return gradlab::sum(v[0]) * 1.3; }, {m}, "sum");
    check_gradient([&](const std::vector<MatVar>& v) { return gradlab::mean(v[0]) * 1.3; }, {m}, "mean");
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::row_sums(v[0])); }, {m},
                   "row_sums");
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::col_sums(v[0])); }, {m},
                   "col_sums");
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::row_means(v[0])); }, {m},
                   "row_means");
    check_gradient([&](const std::vector<MatVar>& v) { return weigh(gradlab::col_means(v[0])); }, {m},
                   "col_means");
    check_gradient([&](const std::vector<MatVar>& v) { return gradlab::dot(v[0], v[1]); },
                   {m, random_matrix(r, c)}, "dot");
    check_gradient([&](const std::vector<MatVar>& v) { return gradlab::dot(v[0], v[0]); }, {m}, "dot (same)");
    check_gradient([&](const std::vector<MatVar>& v) { return gradlab::squared_norm(v[0]); }, {m},
                   "squared_norm");
  }
}

BOOST_AUTO_TEST_CASE(values_of_reductions) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd m = random_matrix(3, 4), p = random_matrix(3, 4);
  const MatVar x = gradlab::matrix_variable(m);
  BOOST_TEST(gradlab::sum(x).value() == m.sum(), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(gradlab::mean(x).value() == m.mean(), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(gradlab::squared_norm(x).value() == m.squaredNorm(), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(gradlab::dot(x, gradlab::matrix_constant(p)).value() == m.cwiseProduct(p).sum(),
             boost::test_tools::tolerance(1e-14));
  BOOST_TEST(gradlab::row_sums(x).value().isApprox(m.rowwise().sum()));
  BOOST_TEST(gradlab::col_means(x).value().isApprox(m.colwise().mean()));
  BOOST_TEST(gradlab::transpose(x).value().isApprox(m.transpose()));
}

BOOST_AUTO_TEST_CASE(mixed_scalar_and_matrix_graph) {
  // L = s * sum(exp(M s) ⊙ c) + s^2 + mean(M) sin(s): scalar nodes feed matrix nodes and back.
  for (auto [r, c] : shapes()) {
    const MatrixXd m = random_matrix(r, c, -0.5, 0.5), s = random_matrix(1, 1);
    check_gradient(
        [&](const std::vector<MatVar>& v) {
          const Var x = gradlab::sum(v[1]);
          return x * weigh(gradlab::exp(v[0] * x)) + x * x + gradlab::mean(v[0]) * gradlab::sin(x);
        },
        {m, s}, "mixed");
  }
}

// +, - and x + c have the derivative ops::one: the first-order sweep hands the adjoint's buffer to
// the parent instead of copying it (and unary rules form their product in that buffer first). Graphs where
// that buffer is then added to (a reused operand, x + x, both operands of a - b, a broadcast parent, a second
// sweep) must still be exact.
BOOST_AUTO_TEST_CASE(unit_derivatives_hand_the_adjoint_on) {
  for (auto [r, c] : shapes()) {
    const MatrixXd a = random_matrix(r, c), b = random_matrix(r, c), row = random_matrix(1, c);
    check_gradient(
        [&](const std::vector<MatVar>& v) {
          const MatVar early = gradlab::sin(v[1]);  // swept last: adds into v[1]'s adjoint
          const MatVar s = v[0] + v[1];             // both parents take g
          const MatVar t = (s + 0.5) - v[0];        // addc hands on, then sub: a reused operand
          const MatVar u = (t + t) + v[2];          // x + x, and a broadcast row
          // tanh(s), swept first, forms its product in its own adjoint buffer and hands it to s
          return weigh(u) + weigh(v[0] * s) + weigh(v[1] - v[2]) + weigh(early) + weigh(gradlab::tanh(s));
        },
        {a, b, row}, "unit rules");
  }
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd a0 = random_matrix(3, 2);
  const MatVar x = gradlab::matrix_variable(a0);
  const Var L = gradlab::dot(x + x, gradlab::matrix_constant_copy(a0)) + gradlab::sum(x - 1.0);
  const MatrixXd expected = 2.0 * a0.array() + 1.0;
  BOOST_TEST(gradlab::grad(L, x).isApprox(expected, 1e-15));
  BOOST_TEST(gradlab::grad(L, x).isApprox(expected, 1e-15));  // a second sweep of the same tape
}

BOOST_AUTO_TEST_CASE(constant_indexing) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd data = random_matrix(4, 3);
  const MatVar c = gradlab::matrix_constant(data);
  BOOST_TEST(c.value().data() == data.data());  // referred to, not copied
  BOOST_TEST(gradlab::col(c, 2).value().data() == data.col(2).data());
  BOOST_TEST(gradlab::row(c, 1).value().isApprox(data.row(1)));
  // the gradient through an indexed constant
  const MatrixXd w0 = random_matrix(1, 3);
  const MatVar w = gradlab::matrix_variable(w0);
  const Var l = gradlab::dot(gradlab::row(c, 1), w) + gradlab::sum(gradlab::col(c, 0) * gradlab::sum(w));
  const MatrixXd expected = data.row(1).array() + data.col(0).sum();
  BOOST_TEST(gradlab::grad(l, w).isApprox(expected, 1e-14));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the batch neuron, three ways -----------------------------------------------------------------

namespace {
struct Batch {
  MatrixXd X;
  Eigen::VectorXd y, w;
  double b;
  Batch(Eigen::Index n, Eigen::Index d)
      : X(random_matrix(n, d)), y(random_matrix(n, 1, 0, 1)), w(random_matrix(d, 1)) {
    b = random_matrix(1, 1)(0, 0);
  }
  // L = 1/2 |σ(Xw + b) - y|^2
  Var loss(const MatVar& wv, const Var& bv) const {
    return 0.5 *
           gradlab::squared_norm(gradlab::sigmoid(gradlab::matmul(gradlab::matrix_constant(X), wv) + bv) -
                                 gradlab::matrix_constant(y));
  }
  // the same loss with one scalar node per multiply
  Var scalar_loss(const std::vector<Var>& ws, const Var& bs) const {
    Var L = 0.0;
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      Var z = bs;
      for (Eigen::Index j = 0; j < X.cols(); ++j) z = z + X(i, j) * ws[static_cast<std::size_t>(j)];
      const Var r = gradlab::sigmoid(z) - y[i];
      L = L + 0.5 * r * r;
    }
    return L;
  }
  Eigen::ArrayXd f() const {
    return ((X * w).array() + b).unaryExpr([](double z) { return 1 / (1 + std::exp(-z)); });
  }
  // the hand Hessian: Xᵀ diag(f'^2 + (f - y) f'') X with f' = f(1-f), f'' = f'(1-2f)
  MatrixXd hessian() const {
    const Eigen::ArrayXd fv = f(), d1 = fv * (1 - fv), d2 = d1 * (1 - 2 * fv);
    const Eigen::ArrayXd s = d1 * d1 + (fv - y.array()) * d2;
    return X.transpose() * s.matrix().asDiagonal() * X;
  }
};
// The batch loss recorded with matrix nodes on a fresh tape, active while this lives.
struct Recorded {
  gradlab::Tape tape;
  gradlab::TapeScope scope{tape};
  MatVar w;
  Var b, L;
  explicit Recorded(const Batch& data)
      : w(gradlab::matrix_variable(data.w)), b(tape.variable(data.b)), L(data.loss(w, b)) {}
};
double rel(const MatrixXd& a, const MatrixXd& b) { return (a - b).norm() / b.norm(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(batch_neuron)

BOOST_AUTO_TEST_CASE(gradient_three_ways) {
  for (auto [n, d] : std::vector<std::pair<Eigen::Index, Eigen::Index>>{{1, 1}, {50, 1}, {40, 7}, {200, 3}}) {
    const Batch data(n, d);
    // hand: dL/dw = Xᵀ((f - y) ⊙ f ⊙ (1 - f)), dL/db = sum of the same
    const Eigen::ArrayXd f = data.f();
    const Eigen::VectorXd delta = ((f - data.y.array()) * f * (1 - f)).matrix();
    const Eigen::VectorXd hand_w = data.X.transpose() * delta;
    const double hand_b = delta.sum();
    // matrix nodes
    Recorded r(data);
    const MatVar& w = r.w;
    const Var& b = r.b;
    const Var& L = r.L;
    const gradlab::Gradients g = gradlab::backward(L);
    BOOST_TEST(rel(g[w], hand_w) <= 1e-12);
    BOOST_TEST(std::abs(g[b] - hand_b) <= 1e-12 * std::abs(hand_b));
    BOOST_TEST(L.value() == 0.5 * (f - data.y.array()).matrix().squaredNorm(),
               boost::test_tools::tolerance(1e-12));
    // scalar nodes
    std::vector<Var> ws;
    for (Eigen::Index j = 0; j < d; ++j) ws.push_back(r.tape.variable(data.w[j]));
    const Var bs = r.tape.variable(data.b);
    const Var Ls = data.scalar_loss(ws, bs);
    ws.push_back(bs);
    const Eigen::VectorXd gs = gradlab::grad(Ls, ws);
    BOOST_TEST(rel(gs.head(d), hand_w) <= 1e-12);
    BOOST_TEST(rel(gs.head(d), g[w]) <= 1e-12);
    BOOST_TEST(std::abs(gs[d] - hand_b) <= 1e-12 * std::abs(hand_b));
  }
}

BOOST_AUTO_TEST_CASE(hessian_and_hvp_are_exact) {
  for (auto [n, d] :
       std::vector<std::pair<Eigen::Index, Eigen::Index>>{{1, 1}, {30, 1}, {60, 5}, {100, 12}}) {
    const Batch data(n, d);
    const MatrixXd H = data.hessian();
    const Recorded r(data);
    const MatrixXd v = random_matrix(d, 1);
    BOOST_TEST(rel(gradlab::hvp(r.L, r.w, v), H * v) <= 1e-11);
    const MatrixXd Ha = gradlab::hessian(r.L, r.w);
    BOOST_TEST(rel(Ha, H) <= 1e-11);
    BOOST_TEST(rel(Ha, Ha.transpose()) <= 1e-13);
    // the scalar engine's Hessian of the same loss agrees
    if (d <= 5) {
      const auto f = [&](const std::vector<Var>& p) { return data.scalar_loss(p, data.b); };
      BOOST_TEST(rel(gradlab::hessian(f, data.w), H) <= 1e-11);
    }
  }
}

namespace {
// The exact Hessian against central differences of the exact gradient.
void check_hessian(const std::function<Var(const MatVar&)>& build, const MatrixXd& w0, const char* what) {
  const auto gradient_at = [&](const MatrixXd& w) {
    gradlab::Tape tape;
    gradlab::TapeScope scope(tape);
    const MatVar wv = gradlab::matrix_variable(w);
    return gradlab::grad(build(wv), wv);
  };
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar w = gradlab::matrix_variable(w0);
  const MatrixXd H = gradlab::hessian(build(w), w);
  const double h = 1e-6;
  for (Eigen::Index k = 0; k < w0.size(); ++k) {
    MatrixXd p = w0, m = w0;
    p(k) += h;
    m(k) -= h;
    const MatrixXd fd = ((gradient_at(p) - gradient_at(m)) / (2 * h)).reshaped();
    BOOST_TEST((H.col(k) - fd).norm() <= 1e-7 * std::max(1.0, fd.norm()), what << ": column " << k);
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(hessians_of_other_ops_match_central_differences_of_the_gradient) {
  // second-order rules of matmul (constant and variable operands, Aᵀ B), transpose, tanh, exp,
  // division by a scalar, broadcasting, reductions
  const MatrixXd A = random_matrix(6, 3), c = random_matrix(6, 1), C = random_matrix(3, 3);
  check_hessian(
      [&](const MatVar& w) {
        return gradlab::dot(gradlab::tanh(gradlab::matmul(gradlab::matrix_constant(A), w)),
                            gradlab::matrix_constant(c)) /
                   (1.0 + gradlab::squared_norm(w)) +
               gradlab::mean(gradlab::exp(gradlab::transpose(w)) * 0.5);
      },
      random_matrix(3, 1), "tanh(A w)");
  check_hessian(
      [&](const MatVar& W) {
        return gradlab::dot(gradlab::tanh(gradlab::matmul(W, W)), gradlab::matrix_constant(C)) +
               gradlab::sum(gradlab::sin(gradlab::detail::matmul_tn(W, W))) +
               gradlab::mean(gradlab::row_sums(W * W) * gradlab::transpose(gradlab::col_means(W)) /
                             (1.0 + gradlab::squared_norm(W)));
      },
      random_matrix(3, 3), "W W");
  // a variable exponent (the rule's pow and log recorded on matrices), with a broadcast scalar
  check_hessian(
      [&](const MatVar& w) {
        const MatVar base = gradlab::exp(w * 0.5);
        return gradlab::sum(gradlab::pow(base, w)) + gradlab::sum(gradlab::pow(base, gradlab::sum(w)));
      },
      random_matrix(3, 1), "pow(e^(w/2), w)");
  // max and min: their rules record constant tie shares, so the Hessian is that of the chosen side
  check_hessian(
      [&](const MatVar& w) {
        return gradlab::sum(gradlab::max(w, w * 0.5) * w) +
               gradlab::sum(gradlab::min(w * w, gradlab::sum(w)));
      },
      away_from_zero(4, 1), "max(w, w/2) w");
}

BOOST_AUTO_TEST_CASE(max_and_min_split_the_adjoint_at_a_tie) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatrixXd a0 = random_matrix(2, 3);
  const MatVar a = gradlab::matrix_variable(a0);
  const MatVar b = gradlab::matrix_variable(a0);
  const Var L = gradlab::sum(gradlab::max(a, b)) + 3.0 * gradlab::sum(gradlab::min(a, b));
  const gradlab::Gradients g = gradlab::backward(L);
  BOOST_TEST(g[a].isApprox(MatrixXd::Constant(2, 3, 2.0), 1e-15));  // 1/2 + 3/2 on each side
  BOOST_TEST(g[b].isApprox(MatrixXd::Constant(2, 3, 2.0), 1e-15));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- errors and misuse -----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_both_shapes) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar a = gradlab::matrix_variable(MatrixXd::Ones(3, 2));
  const MatVar b = gradlab::matrix_variable(MatrixXd::Ones(4, 1));
  const MatVar c = gradlab::matrix_variable(MatrixXd::Ones(2, 3));
  using gradlab::ShapeError;
  expect_message<ShapeError>([&] { (void)gradlab::matmul(a, b); }, "matmul: cannot multiply 3x2 by 4x1");
  const std::string tail =
      " entry by entry (one operand must have the result's shape; the other may be 1x1, a row or a column of "
      "it)";
  expect_message<ShapeError>([&] { (void)(a + c); }, "add: cannot combine 3x2 and 2x3" + tail);
  expect_message<ShapeError>([&] { (void)(a * b); }, "mul: cannot combine 3x2 and 4x1" + tail);
  expect_message<ShapeError>([&] { (void)(b / a); }, "div: cannot combine 4x1 and 3x2" + tail);
  expect_message<ShapeError>([&] { (void)gradlab::dot(a, c); }, "dot: the shapes 3x2 and 2x3 differ");
  MatrixXd base = MatrixXd::Ones(2, 2);
  base(1, 0) = -0.5;
  const MatVar neg = gradlab::matrix_constant_copy(base);
  expect_message<gradlab::DomainError>(
      [&] { (void)gradlab::pow(neg, gradlab::sum(a)); },
      "a variable exponent needs a positive base (a^b = exp(b ln a)), but the base is -0.5; a constant "
      "exponent, as in x^2, works for any base (entry (1, 0) of the 2x2 result)");
  const Var L = gradlab::sum(a);
  expect_message<ShapeError>([&] { (void)gradlab::hvp(L, a, MatrixXd::Ones(2, 3)); },
                             "hvp: the direction v is 2x3 but the variable is 3x2");
  expect_message<gradlab::Error>(
      [&] { (void)gradlab::row(a, 0); },
      "row: only constant matrices can be indexed (this 3x2 matrix depends on an input)");
  const MatVar k = gradlab::matrix_constant_copy(MatrixXd::Ones(3, 2));
  expect_message<ShapeError>([&] { (void)gradlab::col(k, 2); },
                             "col: index 2 is out of range for a 3x2 matrix");
  expect_message<ShapeError>([&] { (void)MatVar::from_node(L); },
                             "MatVar: node " + std::to_string(L.index()) + " holds a scalar, not a matrix");
  expect_message<ShapeError>([&] { tape.backward_recorded(a.index()); },
                             "backward_recorded: node " + std::to_string(a.index()) +
                                 " is a matrix; reduce it to a scalar first (sum, mean, dot, squared_norm)");
}

// Derivatives of a non-scalar: every entry point that sweeps from y refuses a matrix y, naming the sweep.
BOOST_AUTO_TEST_CASE(derivatives_of_a_matrix_are_refused) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar a = gradlab::matrix_variable(MatrixXd::Ones(2, 3));
  const Var x = tape.variable(2.0);
  const Var y = (a * x).node();  // a 2x3 matrix, not a scalar
  const std::string node = std::to_string(y.index());
  const std::string tail = " is a matrix; reduce it to a scalar first (sum, mean, dot, squared_norm)";
  using gradlab::ShapeError;
  const std::string first = "backward: node " + node + tail;
  const std::string second = "backward_recorded: node " + node + tail;
  expect_message<ShapeError>([&] { (void)gradlab::grad(y, {x}); }, first);
  expect_message<ShapeError>([&] { (void)gradlab::grad(y, a); }, first);
  expect_message<ShapeError>([&] { (void)gradlab::backward(y); }, first);
  expect_message<ShapeError>([&] { (void)gradlab::grad_recorded(y, {x}); }, second);
  expect_message<ShapeError>([&] { (void)gradlab::hessian(y, {x}); }, second);
  expect_message<ShapeError>([&] { (void)gradlab::hessian(y, a); }, second);
  expect_message<ShapeError>([&] { (void)gradlab::hvp(y, a, MatrixXd::Ones(2, 3)); }, second);
}

// A scalar handle of a matrix node (MatVar::node()) is refused wherever a scalar is read, instead of
// reading as the scalar 0. Scalars made by matrix ops (sum, dot) stay ordinary scalars.
BOOST_AUTO_TEST_CASE(a_matrix_node_is_not_a_scalar) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const MatVar a = gradlab::matrix_variable(MatrixXd::Constant(2, 3, 0.5));
  const Var x = tape.variable(2.0);
  const Var m = (a * x).node();
  const auto refused = [](const std::string& where, const Var& v) {
    return where + ": node " + std::to_string(v.index()) +
           " is a 2x3 matrix, not a scalar; pass the MatVar itself, or reduce it first (sum, mean, dot, "
           "squared_norm)";
  };
  using gradlab::ShapeError;
  expect_message<ShapeError>([&] { (void)m.value(); }, refused("Var::value", m));
  expect_message<ShapeError>([&] { (void)gradlab::sin(m); }, refused("sin", m));
  expect_message<ShapeError>([&] { (void)(m + x); }, refused("add", m));
  expect_message<ShapeError>([&] { (void)(x * m); }, refused("mul", m));
  expect_message<ShapeError>([&] { (void)gradlab::pow(m, 2.0); }, refused("powc", m));
  const auto sin_id = gradlab::find_op("sin");
  BOOST_REQUIRE(sin_id.has_value());
  expect_message<ShapeError>([&] { (void)gradlab::apply(*sin_id, m); }, refused("sin", m));
  expect_message<ShapeError>([&] { (void)gradlab::as_matrix(m); }, refused("as_matrix", m));
  const Var L = gradlab::sum(a);
  const Var in = a.node();
  expect_message<ShapeError>([&] { (void)gradlab::grad(L, {in}); }, refused("grad", in));
  expect_message<ShapeError>([&] { (void)gradlab::backward(L)[in]; }, refused("Gradients[x]", in));
  expect_message<ShapeError>([&] { (void)gradlab::hessian(L, {in}); }, refused("hessian", in));
  // the scalar results of matrix ops are scalars: they read and combine as such
  BOOST_TEST(L.value() == 3.0);
  BOOST_TEST(gradlab::sin(L).value() == std::sin(3.0));
  BOOST_TEST(gradlab::grad(L * x, {x})[0] == 3.0);
}

BOOST_AUTO_TEST_CASE(cleared_tape_and_reuse) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const Batch data(100, 4);
  Eigen::MatrixXd first;
  std::size_t bytes = 0;
  for (int round = 0; round < 3; ++round) {
    tape.clear();
    const MatVar w = gradlab::matrix_variable(data.w);
    const Var b = tape.variable(data.b);
    const Eigen::MatrixXd g = gradlab::grad(data.loss(w, b), w);
    if (round == 0) first = g;
    BOOST_TEST((g - first).norm() == 0.0);  // the reused storage gives the same numbers
    if (round == 1) bytes = tape.memory_bytes();
    if (round == 2) BOOST_TEST(tape.memory_bytes() == bytes);  // clear() kept and reused the storage
  }
  const MatVar stale = gradlab::matrix_variable(data.w);
  tape.clear();
  BOOST_CHECK_THROW((void)gradlab::exp(stale), gradlab::TapeError);
  BOOST_CHECK_THROW((void)stale.value(), gradlab::TapeError);
  BOOST_CHECK_THROW((void)gradlab::matmul(MatVar(), MatVar()), gradlab::TapeError);
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  MatrixXd m = MatrixXd::Ones(2, 2);
  m(1, 0) = -1;
  const MatVar x = gradlab::matrix_variable(m);
  BOOST_CHECK_NO_THROW((void)gradlab::log(x));  // off: NaN propagates
  gradlab::DetectAnomaly on;
  expect_message<gradlab::AnomalyError>(
      [&] { (void)gradlab::log(x); },
      "anomaly: 'log' produced nan at (1, 0) of its 2x2 result in the forward pass");
  // backward: sqrt(0) = 0 is finite, but its derivative 1/(2 sqrt x) is inf at (0, 1)
  MatrixXd z = MatrixXd::Ones(2, 2);
  z(0, 1) = 0;
  const MatVar w = gradlab::matrix_variable(z);
  const MatVar r = gradlab::sqrt(w);
  const Var L = gradlab::sum(r);
  {
    gradlab::DetectAnomaly off(false);
    BOOST_TEST(std::isinf(gradlab::grad(L, w)(0, 1)));  // off: the inf reaches the gradient
  }
  expect_message<gradlab::AnomalyError>(
      [&] { (void)gradlab::grad(L, w); },
      "anomaly: the backward pass of 'sqrt' (node " + std::to_string(r.index()) +
          ") produced inf at (0, 1) of the 2x2 adjoint of node " + std::to_string(w.index()));
}

BOOST_AUTO_TEST_SUITE_END()
