// Statement mode (statements.hpp): gradlab::statements::Var records one entry per expression with
// the same value and gradients equal to rounding, its Hessians, hvp and higher derivatives are exact
// (the differentiable sweep replays the statements as nodes), its errors are node mode's; and
// gradlab::Var is untouched (its operators still return Vars and record one node per op).
#include <bit>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/higher_order.hpp>
#include <gradlab/autodiff/statements.hpp>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "user_ops.hpp"

using gradlab::Tape;
using gradlab::TapeScope;
using NodeVar = gradlab::Var;
using StmtVar = gradlab::statements::Var;

namespace {

// ---- the API: gradlab::Var as on main; the statement type's expressions used once ----------------
template <class A, class B>
concept Multipliable = requires(A&& a, B&& b) {
  std::forward<A>(a) * std::forward<B>(b);
};
template <class A>
concept HasSigmoid = requires(A&& a) {
  sigmoid(std::forward<A>(a));
};  // found by ADL
template <class A, class B> using Product = decltype(std::declval<A>() * std::declval<B>());
using Expr = Product<const StmtVar&, const StmtVar&>;
// Node mode: every operator and function on gradlab::Var returns a gradlab::Var, and the functions
// are still function templates whose address is a function pointer.
static_assert(std::same_as<Product<const NodeVar&, const NodeVar&>, NodeVar>);
static_assert(std::same_as<Product<const NodeVar&, double>, NodeVar>);
static_assert(std::same_as<decltype(sigmoid(std::declval<const NodeVar&>())), NodeVar>);
static_assert(requires { static_cast<NodeVar (*)(const NodeVar&)>(&gradlab::sigmoid); });
// Statement mode: any statements::Var operand makes an expression (also with a gradlab::Var or a number).
static_assert(gradlab::statements::Expression<Expr>);
static_assert(gradlab::statements::Expression<Product<const StmtVar&, const NodeVar&>>);
static_assert(gradlab::statements::Expression<Product<const NodeVar&, const StmtVar&>>);
static_assert(gradlab::statements::Expression<Product<int, const StmtVar&>>);
static_assert(gradlab::statements::Expression<decltype(sigmoid(std::declval<const StmtVar&>()))>);
static_assert(std::derived_from<StmtVar, NodeVar> && sizeof(StmtVar) == sizeof(NodeVar));
// An expression converts to both Var types, but only as a temporary: `auto r = a * b;` then `r * r`
// or `Var v = r;` does not compile.
static_assert(std::is_convertible_v<Expr, StmtVar> && std::is_convertible_v<Expr, NodeVar>);
static_assert(!std::is_convertible_v<Expr&, StmtVar> && !std::is_convertible_v<const Expr&, NodeVar>);
static_assert(Multipliable<Expr, Expr> && Multipliable<Expr, const StmtVar&> && Multipliable<double, Expr>);
static_assert(!Multipliable<Expr&, Expr> && !Multipliable<const StmtVar&, Expr&> &&
              !Multipliable<Expr&, double>);
static_assert(HasSigmoid<Expr> && !HasSigmoid<Expr&>);

bool close(double got, double want, double tol) {
  return std::abs(got - want) <= tol * (1.0 + std::abs(want));
}
bool matrix_close(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want, double tol) {
  return got.rows() == want.rows() && got.cols() == want.cols() &&
         ((got - want).array().abs() <= tol * (1.0 + want.array().abs())).all();
}

// The scalar neuron of bench/bench_scalar.cpp, L = 1/2 sum (sigmoid(w x_i + b) - y_i)^2, written
// once for both handle types: V = gradlab::Var records one node per op, V = statements::Var one
// entry per statement.
template <class V> NodeVar neuron(const NodeVar& w_in, const NodeVar& b_in, const std::vector<double>& xs,
                                  const std::vector<double>& ys) {
  const V w = w_in, b = b_in;
  V loss = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    V r = sigmoid(w * xs[i] + b) - ys[i];
    loss += 0.5 * r * r;
  }
  return loss;
}

// Functions of three variables that use every kind of expression part: unary, parametrised and binary
// ops, a leaf used twice, a number where an op takes two scalars, a variable exponent, a user op, an
// n-ary function.
template <class V> NodeVar mixed(const std::vector<NodeVar>& p) {
  const V x = p[0], y = p[1], z = p[2];
  V a = exp(x * y) + pow(z, 3.0) * sin(x);
  V b = a / (1.0 + x * x) - max(y, 0.25) * tanh(z - x);
  V c = pow(1.5 + z * z, y) + user_ops::logcosh(x * z) + 2.0 / (y * y + 1.0);
  c *= b;
  c += 1.0;
  c -= max(x, y, z * 0.5);
  c /= 2.0 + pow(2.0, x * y);
  return c * a - sqrt(b * b + 1.0) + logaddexp(x, y * z);
}
template <class V> NodeVar rosenbrock(const std::vector<NodeVar>& p) {
  const V x = p[0], y = p[1];
  return pow(1.0 - x, 2.0) + 100.0 * pow(y - x * x, 2.0);
}
template <class V> NodeVar neuron3(const std::vector<NodeVar>& p) {
  return V(neuron<V>(p[0], p[1], {-1.5, 0.25, 0.8, 2.9}, {0.1, 0.7, 0.4, 0.95})) * p[2];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(statements)

// One entry per expression, its leaves in reading order (a leaf used twice appears twice), the
// partials from each op's own rule; a single op records a plain node.
BOOST_AUTO_TEST_CASE(one_entry_per_expression) {
  Tape tape;
  TapeScope scope(tape);
  const StmtVar w = tape.variable(0.3), b = tape.variable(-0.2);
  const double x = 1.7, y = 0.4;
  const StmtVar r = sigmoid(w * x + b) - y;
  BOOST_TEST(tape.size() == 3u);
  BOOST_TEST(tape.is_statement(r.index()));
  BOOST_TEST(tape.op(r.index()) == gradlab::kStatementOp);
  BOOST_TEST(tape.parent_a(r.index()) == gradlab::kNoParent);
  BOOST_TEST(tape.parent_b(r.index()) == gradlab::kNoParent);
  const double s = gradlab::ops::Sigmoid::value(0.3 * x + -0.2);
  BOOST_TEST(r.value() == s - y);
  BOOST_TEST(tape.statement_size(r.index()) == 2u);
  BOOST_TEST(tape.statement_leaf(r.index(), 0) == w.index());
  BOOST_TEST(tape.statement_leaf(r.index(), 1) == b.index());
  BOOST_TEST(close(tape.statement_partial(r.index(), 0), s * (1 - s) * x, 1e-15));
  BOOST_TEST(close(tape.statement_partial(r.index(), 1), s * (1 - s), 1e-15));
  const StmtVar sq = 0.5 * r * r;  // r twice
  BOOST_TEST(tape.statement_size(sq.index()) == 2u);
  BOOST_TEST(tape.statement_partial(sq.index(), 0) == 0.5 * r.value());
  BOOST_TEST(tape.statement_partial(sq.index(), 1) == 0.5 * r.value());
  BOOST_TEST(tape.statement_leaf(sq.index(), 0) == r.index());
  BOOST_TEST(tape.statement_leaf(sq.index(), 1) == r.index());
  // A single op records a plain node, the one gradlab::Var records; a number becomes a constant leaf.
  const StmtVar e = exp(w);
  BOOST_TEST(!tape.is_statement(e.index()));
  BOOST_TEST(tape.partial(e.index()) == std::exp(0.3));
  const StmtVar m = max(w, 0.5);
  BOOST_TEST((tape.op(m.index()) == gradlab::op_id<gradlab::ops::Max>()));
  BOOST_TEST(tape.op(m.index() - 1) == gradlab::kConstOp);
  BOOST_TEST(tape.statements() == 2u);
  // The entry's node holds its type; its words, after the leaves, its constants (x, then y).
  BOOST_TEST(tape.statement_type(r.index()).leaves == 2u);
  BOOST_TEST(tape.statement_type(r.index()).constants == 2u);
  BOOST_TEST(tape.statement_constants(r.index())[0].constant == x);
  BOOST_TEST(tape.statement_constants(r.index())[1].constant == y);
  BOOST_TEST(tape.statement_constants(sq.index())[0].constant == 0.5);
  // Bytes: an entry costs its node and adjoint, a partial (8 bytes) and a node index (4 bytes) per
  // leaf in whole 8-byte words, and its constants.
  BOOST_TEST(Tape::bytes_per_statement(2, 2) == Tape::bytes_per_node + 2 * 8 + 8 + 2 * 8);
  BOOST_TEST(Tape::bytes_per_statement(3, 1) == Tape::bytes_per_node + 3 * 8 + 16 + 8);
  BOOST_TEST(tape.recorded_bytes() ==
             5 * Tape::bytes_per_node + Tape::bytes_per_statement(2, 2) + Tape::bytes_per_statement(2, 1));
  {  // three leaves (their nodes take a word and a half), each with its own partial
    Tape odd;
    TapeScope odd_scope(odd);
    const StmtVar u = odd.variable(2.0), v = odd.variable(3.0), z = odd.variable(5.0);
    const StmtVar q = u * v + 7.0 * z;
    BOOST_TEST(odd.statement_size(q.index()) == 3u);
    BOOST_TEST(odd.statement_leaf(q.index(), 0) == u.index());
    BOOST_TEST(odd.statement_leaf(q.index(), 1) == v.index());
    BOOST_TEST(odd.statement_leaf(q.index(), 2) == z.index());
    BOOST_TEST(odd.statement_partial(q.index(), 0) == 3.0);
    BOOST_TEST(odd.statement_partial(q.index(), 1) == 2.0);
    BOOST_TEST(odd.statement_partial(q.index(), 2) == 7.0);
    const Eigen::VectorXd g = gradlab::grad(q, {u, v, z});
    BOOST_TEST(g[0] == 3.0);
    BOOST_TEST(g[1] == 2.0);
    BOOST_TEST(g[2] == 7.0);
  }
  // An expression becomes a gradlab::Var where one is taken (here grad's output): one entry.
  const std::size_t entries = tape.statements();
  const Eigen::VectorXd gwb = gradlab::grad(w * b + 2.0 * w, {w, b});
  BOOST_TEST(tape.statements() == entries + 1);
  BOOST_TEST(gwb[0] == -0.2 + 2.0);
  BOOST_TEST(gwb[1] == 0.3);
  // gradlab::Var on the same tape still records one node per op.
  const std::size_t before = tape.size();
  const NodeVar n = sigmoid(NodeVar(w) * x + NodeVar(b)) - y;
  BOOST_TEST(tape.size() == before + 4);
  BOOST_TEST(tape.statements() == 3u);
  BOOST_TEST(n.value() == r.value());
}

// The neuron at many random points and data: the same loss bit for bit, the gradient to rounding
// (against node mode and the hand-derived formula), in fewer bytes.
BOOST_AUTO_TEST_CASE(neuron_gradients_equal_node_mode_at_random_points) {
  std::mt19937_64 rng(18);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> xs(1 + trial % 17), ys(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = u(rng), ys[i] = 0.5 + u(rng) / 6.0;
    const double w0 = u(rng), b0 = u(rng);
    std::array<double, 2> loss{};
    std::array<Eigen::VectorXd, 2> g;
    std::array<std::size_t, 2> bytes{};
    for (int m = 0; m < 2; ++m) {
      Tape tape;
      TapeScope scope(tape);
      const NodeVar w = tape.variable(w0), b = tape.variable(b0);
      const NodeVar L = m == 0 ? neuron<NodeVar>(w, b, xs, ys) : neuron<StmtVar>(w, b, xs, ys);
      loss[m] = L.value();
      g[m] = gradlab::grad(L, {w, b});
      bytes[m] = tape.recorded_bytes();
    }
    BOOST_TEST_CONTEXT("trial " << trial) {
      BOOST_TEST(std::bit_cast<std::uint64_t>(loss[0]) == std::bit_cast<std::uint64_t>(loss[1]));
      BOOST_TEST(matrix_close(g[1], g[0], 1e-14));
      BOOST_TEST(bytes[1] < bytes[0]);
      double dw = 0, db = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const double s = gradlab::ops::Sigmoid::value(w0 * xs[i] + b0);
        dw += (s - ys[i]) * s * (1 - s) * xs[i];
        db += (s - ys[i]) * s * (1 - s);
      }
      BOOST_TEST(matrix_close(g[1], Eigen::Vector2d(dw, db), 1e-12));
    }
  }
}

// Gradients, Hessians and hvp of the same functions, node mode against statement mode, at random
// points: equal to rounding; the Hessians symmetric.
BOOST_AUTO_TEST_CASE(hessians_in_both_modes) {
  using Function = NodeVar (*)(const std::vector<NodeVar>&);
  const std::array<std::tuple<const char*, Function, Function>, 3> functions = {
      {{"mixed", mixed<NodeVar>, mixed<StmtVar>},
       {"rosenbrock", rosenbrock<NodeVar>, rosenbrock<StmtVar>},
       {"neuron3", neuron3<NodeVar>, neuron3<StmtVar>}}};
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> u(-1.2, 1.2);
  for (const auto& [label, f_nodes, f_stmts] : functions) {
    for (int trial = 0; trial < 20; ++trial) {
      const Eigen::Vector3d p(u(rng), u(rng), u(rng));
      const Eigen::Vector3d v(u(rng), u(rng), u(rng));
      BOOST_TEST_CONTEXT(label << " at " << p.transpose()) {
        const auto node_vg = gradlab::value_and_grad(f_nodes, p);
        const auto stmt_vg = gradlab::value_and_grad(f_stmts, p);
        BOOST_TEST(close(stmt_vg.value, node_vg.value, 1e-15));
        BOOST_TEST(matrix_close(stmt_vg.gradient, node_vg.gradient, 1e-13));
        const Eigen::MatrixXd H = gradlab::hessian(f_nodes, p);
        const Eigen::MatrixXd Hs = gradlab::hessian(f_stmts, p);
        BOOST_TEST(matrix_close(Hs, H, 1e-12));
        BOOST_TEST(matrix_close(Hs, Hs.transpose(), 1e-13));
        BOOST_TEST(matrix_close(gradlab::hvp(f_stmts, p, v), gradlab::hvp(f_nodes, p, v), 1e-12));
      }
    }
  }
}

// Higher orders: derivative(), taylor_coefficients() and partial_derivatives() replay statements at
// every order.
BOOST_AUTO_TEST_CASE(higher_orders_in_both_modes) {
  const auto f = []<class V>(const NodeVar& x_in) -> NodeVar {
    const V x = x_in;
    V y = exp(sin(x) * x) / (1.0 + x * x);
    return y * y - x;
  };
  const auto f_nodes = [&](const NodeVar& x) { return f.operator()<NodeVar>(x); };
  const auto f_stmts = [&](const NodeVar& x) { return f.operator()<StmtVar>(x); };
  for (int k = 0; k <= 5; ++k)
    BOOST_TEST(close(gradlab::derivative(f_stmts, 0.7, k), gradlab::derivative(f_nodes, 0.7, k), 1e-12),
               "order " << k);
  BOOST_TEST(matrix_close(gradlab::taylor_coefficients(f_stmts, -0.3, 4),
                          gradlab::taylor_coefficients(f_nodes, -0.3, 4), 1e-12));
  std::array<std::vector<double>, 2> partials;
  for (int m = 0; m < 2; ++m) {
    Tape tape;
    TapeScope scope(tape);
    const std::vector<NodeVar> p{tape.variable(0.4), tape.variable(-0.7), tape.variable(1.3)};
    partials[m] = gradlab::partial_derivatives(m == 0 ? mixed<NodeVar>(p) : mixed<StmtVar>(p), p, 3);
    if (m == 1) BOOST_TEST(tape.has_statements());
  }
  BOOST_TEST_REQUIRE(partials[0].size() == 27u);
  for (std::size_t i = 0; i < 27; ++i)
    BOOST_TEST(close(partials[1][i], partials[0][i], 1e-11), "entry " << i);
}

// An adjoint that is 0 by arithmetic is handed on through a statement: 0 x inf is NaN as in node
// mode; NaN in gives NaN out.
BOOST_AUTO_TEST_CASE(zero_adjoint_times_inf_and_nan_in_statements) {
  Tape tape;
  TapeScope scope(tape);
  const StmtVar x = tape.variable(1000.0);
  const StmtVar s = exp(x) * 2.0 + x;  // d s/dx = inf
  const StmtVar z = s * 0.0;           // s's adjoint: 0
  BOOST_TEST(tape.is_statement(s.index()));
  BOOST_TEST(std::isnan(gradlab::grad(z, {x})[0]));
  const StmtVar y = tape.variable(1.0);
  const StmtVar q = y * y + y;  // not reached from z: its 0 stays 0
  BOOST_TEST(gradlab::grad(z, {y})[0] == 0.0);
  BOOST_TEST(gradlab::grad(q, {y})[0] == 3.0);
  const StmtVar n = tape.variable(std::numeric_limits<double>::quiet_NaN());
  const StmtVar out = sigmoid(n * 2.0 + y) * y;
  BOOST_TEST(std::isnan(out.value()));
  const Eigen::VectorXd g = gradlab::grad(out, {n, y});
  BOOST_TEST(std::isnan(g[0]));
  BOOST_TEST(std::isnan(g[1]));
}

namespace {
// acc + an expression of 11 leaves and 2 constants: an entry of 19 words, more than Tape's room for
// small entries.
template <class V> V add_large(const V& acc, const V& x, const V& y) {
  return acc + x * y + x * x * 0.25 + y * y + sin(x) * y - x * acc * 1e-3;
}
// Entries of 6 words (3 leaves, 1 constant: within Tape's room for small entries) and of 19, plain
// nodes between them, over 3 * 10^4 entries.
template <class V> std::pair<double, Eigen::VectorXd> mixed_sizes(Tape& tape) {
  const V x = tape.variable(0.3), y = tape.variable(-0.2);
  V acc = 0.0;
  for (int k = 0; k < 30000; ++k) {
    if (k % 7 == 3)
      acc = add_large(acc, x, y);
    else if (k % 5 == 1)
      acc = V(gradlab::Var(acc) * 0.999);  // a plain node (node mode's operator)
    else
      acc = acc + x * y * (k % 11);
  }
  return {acc.value(), gradlab::grad(acc, {x, y})};
}
// One small entry (which finds the statement storage's first 1024 words on a fresh tape), `large`
// entries of 19 words (the 54th no longer fits in them), then 20 small ones.
template <class V> std::pair<double, Eigen::VectorXd> small_large_small(Tape& tape, int large) {
  const V x = tape.variable(0.3), y = tape.variable(-0.2);
  V acc = x * y * 2.0;
  for (int k = 0; k < large; ++k) acc = add_large(acc, x, y);
  for (int k = 0; k < 20; ++k) acc = acc + x * y * 0.5;
  return {acc.value(), gradlab::grad(acc, {x, y})};
}
// run<V>(tape) (a value and its gradient) with node mode's Var on `nodes` and statement mode's on
// `statements`: the same to rounding.
template <class Run>
void expect_modes_agree(Tape& nodes, Tape& statements, Run&& run, const std::string& what) {
  std::pair<double, Eigen::VectorXd> want, got;
  {
    TapeScope scope(nodes);
    want = run.template operator()<NodeVar>(nodes);
  }
  {
    TapeScope scope(statements);
    got = run.template operator()<StmtVar>(statements);
  }
  BOOST_TEST(close(got.first, want.first, 1e-12), what);
  for (int k = 0; k < 2; ++k) BOOST_TEST(close(got.second[k], want.second[k], 1e-10), what);
}
}  // namespace

// The room for small statement entries (one test per entry) stays inside the statement storage as
// the tape grows, across entries of more words, plain nodes and clear() (under ASan, the small
// entries after 53 large ones overflow the storage if a large entry does not reset the room).
BOOST_AUTO_TEST_CASE(statement_room_across_growth_and_clear) {
  Tape nodes, statements;
  for (int round = 0; round < 3; ++round) {  // three clear()s
    nodes.clear();
    statements.clear();
    expect_modes_agree(
        nodes, statements, []<class V>(Tape& t) { return mixed_sizes<V>(t); },
        "round " + std::to_string(round));
    BOOST_TEST(statements.statements() > 20000u);
  }
  for (int large = 0; large <= 80; ++large) {
    Tape node_tape, statement_tape;
    expect_modes_agree(
        node_tape, statement_tape, [large]<class V>(Tape& t) { return small_large_small<V>(t, large); },
        std::to_string(large) + " large");
  }
}

namespace {
// The gradient of root with respect to inputs, in bits: NaN equal to NaN.
std::vector<std::uint64_t> gradient_bits(const NodeVar& root, const std::vector<NodeVar>& inputs) {
  std::vector<std::uint64_t> bits;
  const Eigen::VectorXd g = gradlab::grad(root, inputs);
  for (const double v : g) bits.push_back(std::bit_cast<std::uint64_t>(v));
  return bits;
}
// In each mode: x, y, then `below` (its partial with respect to x is inf: e^1000), then `top`, which
// uses y, and `below` with the weight c (0 or 1) or not at all; returns d top / d(x, y) in bits.
template <class V> std::vector<std::uint64_t> zero_adjoint_in_a_run(int use_below, double c) {
  Tape tape;
  TapeScope scope(tape);
  const V x = tape.variable(1000.0), y = tape.variable(1.5);
  const V below = exp(x) * 2.0 + x;
  const V top = use_below != 0 ? V(y * y + below * y * c) : V(y * y + y * 3.0);
  if constexpr (std::is_same_v<V, StmtVar>) {
    BOOST_TEST(tape.is_statement(below.index()));
    BOOST_TEST(tape.is_statement(top.index()));
    BOOST_TEST(below.index() + 1 == top.index());  // one run of entries
  }
  return gradient_bits(top, {x, y});
}
}  // namespace

// A statement entry with a 0 adjoint in a run of entries, swept without testing each adjoint: the
// gradients are node mode's bit for bit. Not reached from the root, an entry with an infinite
// partial hands on nothing (not 0 x inf = NaN); reached with a 0 adjoint (by the weight 0), it hands
// on NaN, as node mode does; with a finite weight, as any entry.
BOOST_AUTO_TEST_CASE(zero_adjoint_inside_a_run_of_entries) {
  for (const auto& [use, c] : {std::pair{0, 0.0}, std::pair{1, 0.0}, std::pair{1, 1.0}}) {
    const std::vector<std::uint64_t> node = zero_adjoint_in_a_run<NodeVar>(use, c);
    const std::vector<std::uint64_t> statement = zero_adjoint_in_a_run<StmtVar>(use, c);
    BOOST_TEST(statement == node, "below used " << use << " with weight " << c);
  }
  const auto unreached = zero_adjoint_in_a_run<StmtVar>(0, 0.0);
  BOOST_TEST(std::bit_cast<double>(unreached[0]) == 0.0);
  BOOST_TEST(std::bit_cast<double>(unreached[1]) == 6.0);  // 2 y + 3
  BOOST_TEST(std::isnan(std::bit_cast<double>(zero_adjoint_in_a_run<StmtVar>(1, 0.0)[0])));
}

namespace {
// The message that f throws (an Error), or "" when it throws nothing.
template <class F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const gradlab::Error& e) {
    return std::string(typeid(e).name()) + ": " + e.what();
  }
  return "";
}
}  // namespace

// Errors: a foreign tape, a cleared tape, an uninitialised Var, a matrix node and a domain error give
// the messages of node mode (the same op named); a domain error records nothing.
BOOST_AUTO_TEST_CASE(errors_are_those_of_node_mode) {
  Tape other;
  NodeVar foreign;
  {
    TapeScope s(other);
    foreign = other.variable(2.0);
  }
  Tape tape;
  TapeScope scope(tape);
  const NodeVar x = tape.variable(-2.0), y = tape.variable(0.5);
  NodeVar stale;
  {
    Tape t2;
    TapeScope s2(t2);
    stale = t2.variable(1.0);
    t2.clear();
  }
  const NodeVar matrix = gradlab::as_matrix(x).node();
  const NodeVar uninitialised;
  // f(a, b) on both handle types: the same message.
  const auto both = [&](const char* what, auto f, const NodeVar& a, const NodeVar& b) {
    const std::string nodes = message_of([&] { (void)NodeVar(f(a, b)); });
    const std::string stmts = message_of([&] { (void)StmtVar(f(StmtVar(a), StmtVar(b))); });
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(!nodes.empty());
      BOOST_TEST(stmts == nodes);
    }
  };
  // One chain of ops, so that node mode's order does not depend on the compiler's evaluation order
  // of operator arguments (GCC records `g(b)` before `f(a)` in `f(a) - g(b)`; a statement checks its
  // leaves in reading order).
  const auto expr = [](const auto& a, const auto& b) { return (sigmoid(a * 2.0 + b) - 0.5) * b; };
  both("foreign first", expr, foreign, y);
  both("foreign second", expr, x, foreign);
  both("uninitialised", expr, x, uninitialised);
  both("matrix", expr, y, matrix);
  both("matrix first", expr, matrix, y);
  both(
      "domain", [](const auto& a, const auto& b) { return pow(a * 1.0, b) + b; }, x, y);
  both(
      "domain, constant base", [](const auto& a, const auto& b) { return pow(-1.0, a + b) * b; }, x, y);
  {
    Tape t3;
    TapeScope s3(t3);
    const NodeVar p = t3.variable(1.0);
    t3.clear();
    const NodeVar q = t3.variable(2.0);
    both("cleared", expr, q, p);
  }
  (void)stale;
  const std::size_t before = tape.size();
  BOOST_CHECK_THROW((void)StmtVar(pow(StmtVar(x) * 1.0, y) + y), gradlab::DomainError);
  BOOST_TEST(tape.size() == before);
  // A named expression recorded after clear(): the leaf's message, nothing recorded.
  {
    const StmtVar a = tape.variable(1.0);
    auto e = a * a + 1.0;  // NOLINT: a named expression, on purpose
    tape.clear();
    BOOST_CHECK_THROW((void)StmtVar(std::move(e)), gradlab::TapeError);
    BOOST_TEST(tape.size() == 0u);
  }
  // chain_terms (explain) needs nodes.
  const StmtVar a = tape.variable(0.0), b = tape.variable(1.0);
  const StmtVar r = a * b + b;
  BOOST_CHECK_THROW(gradlab::chain_terms(tape, r.index()), gradlab::Error);
}

// An expression of one op on Vars records its node as apply<Op> does, room first: on a full tape it
// grows the tape (unary, binary and parametrised ops), on a fresh thread it takes the thread's
// default tape, on a destroyed tape it throws node mode's message.
BOOST_AUTO_TEST_CASE(one_op_expressions_make_room) {
  for (int m = 0; m < 2; ++m) {
    Tape tape;
    tape.reserve(2);
    TapeScope scope(tape);
    const StmtVar x = tape.variable(0.5);
    StmtVar s, p, q, c;
    if (m == 0) {
      s = sin(x);   // fills the tape
      p = s * x;    // a binary op on a full tape
      q = 2.0 * p;  // a parametrised op
      c = cos(q);   // a unary op
    } else {
      const NodeVar xn = x;
      s = sin(xn), p = NodeVar(s) * xn, q = 2.0 * NodeVar(p), c = cos(NodeVar(q));
    }
    BOOST_TEST_CONTEXT((m == 0 ? "statements" : "nodes")) {
      BOOST_TEST(tape.size() == 5u);
      BOOST_TEST(!tape.has_statements());
      BOOST_TEST(c.value() == std::cos(2.0 * (std::sin(0.5) * 0.5)));
      BOOST_TEST(tape.partial(c.index()) == -std::sin(q.value()));
      std::vector<double> adj;
      tape.backward(c.index(), adj);
      const double z = 2.0 * std::sin(0.5) * 0.5;
      BOOST_TEST(adj[x.index()] == -std::sin(z) * 2.0 * (std::cos(0.5) * 0.5 + std::sin(0.5)),
                 boost::test_tools::tolerance(1e-15));
    }
  }
  // The thread's first op (no active tape yet), and an op on a destroyed tape: node mode's messages.
  std::string fresh;
  std::thread([&] { fresh = message_of([] { (void)StmtVar(sin(StmtVar{})); }); }).join();
  BOOST_TEST(fresh.find("an uninitialised Var was used") != std::string::npos, fresh);
  auto own = std::make_unique<Tape>();
  TapeScope own_scope(*own);
  const StmtVar x = own->variable(1.0);
  own.reset();
  const std::string gone = message_of([&] { (void)StmtVar(exp(x)); });
  BOOST_TEST(gone.find("active tape was destroyed") != std::string::npos, gone);
}

// Anomaly detection: expressions record nodes (the messages name the op), and a statement recorded
// before it was turned on is checked in the backward pass.
BOOST_AUTO_TEST_CASE(anomaly_mode) {
  Tape tape;
  TapeScope scope(tape);
  const StmtVar a = tape.variable(0.0), b = tape.variable(1.0);
  const StmtVar y = sqrt(a) * 2.0 + 1.0;  // d y/da = inf at 0
  BOOST_TEST(tape.is_statement(y.index()));
  const gradlab::DetectAnomaly on;
  const StmtVar q = b * 2.0 + a;
  BOOST_TEST(!tape.is_statement(q.index()));
  std::string node_message, stmt_message;
  try {
    (void)NodeVar(log(NodeVar(a) * 1.0) + NodeVar(b));
  } catch (const gradlab::AnomalyError& e) {
    node_message = e.what();
  }
  try {
    (void)StmtVar(log(a * 1.0) + b);
  } catch (const gradlab::AnomalyError& e) {
    stmt_message = e.what();
  }
  BOOST_TEST(stmt_message.find("'log'") != std::string::npos);
  BOOST_TEST(stmt_message.substr(0, stmt_message.find("node")) ==
             node_message.substr(0, node_message.find("node")));
  try {
    (void)gradlab::grad(y, {a});
    BOOST_FAIL("no anomaly");
  } catch (const gradlab::AnomalyError& e) {
    BOOST_TEST(std::string(e.what()).find("statement entry") != std::string::npos);
  }
}

// Recording reads one per-thread pointer for the active tape and the anomaly switch together: it
// follows every change of either (switching anomaly detection off and on again inside a scope begun
// while it was on, a scope's end, a destroyed tape), entries only while detection is off.
BOOST_AUTO_TEST_CASE(anomaly_switch_and_scopes) {
  Tape outer;
  TapeScope outer_scope(outer);
  const StmtVar x = outer.variable(0.5);
  {
    const gradlab::DetectAnomaly on;
    const StmtVar s = sin(x) * x;  // switched on inside a scope: nodes
    BOOST_TEST(!outer.is_statement(s.index()));
    Tape inner;
    {
      TapeScope inner_scope(inner);  // begun with detection on
      const StmtVar y = inner.variable(0.5);
      const StmtVar z = sin(y) * y;
      BOOST_TEST(!inner.is_statement(z.index()));
      {
        const gradlab::DetectAnomaly off(false);
        const StmtVar u = sin(y) * y;
        BOOST_TEST(inner.is_statement(u.index()));
        BOOST_TEST(u.index() == inner.size() - 1);
      }
      const StmtVar v = sin(y) * y;
      BOOST_TEST(!inner.is_statement(v.index()));
    }
    const StmtVar w = sin(x) * x;  // the outer tape again, detection still on: nodes
    BOOST_TEST(w.index() == outer.size() - 1);
    BOOST_TEST(!outer.is_statement(w.index()));
  }
  const StmtVar q = sin(x) * x;  // detection off again: an entry on the outer tape
  BOOST_TEST(q.index() == outer.size() - 1);
  BOOST_TEST(outer.is_statement(q.index()));
  {
    Tape inner;
    TapeScope inner_scope(inner);
    const StmtVar y = inner.variable(2.0);
    const StmtVar u = sin(y) * y;
    BOOST_TEST(inner.is_statement(u.index()));
  }  // the inner scope ends, then its tape is destroyed: the outer tape records again
  const StmtVar r = sin(x) * x;
  BOOST_TEST(r.index() == outer.size() - 1);
  BOOST_TEST(outer.is_statement(r.index()));
  {
    auto gone = std::make_unique<Tape>();
    TapeScope gone_scope(*gone);
    gone.reset();  // destroyed while its scope is active: recording throws, as in node mode
    BOOST_CHECK_THROW((void)StmtVar(sin(x) * x), gradlab::TapeError);
    BOOST_CHECK_THROW((void)NodeVar(sin(NodeVar(x)) * NodeVar(x)), gradlab::TapeError);
  }
  const StmtVar t = sin(x) * x;
  BOOST_TEST(outer.is_statement(t.index()));
}

// Statement results used by matrix ops: first order works; the differentiable sweep refuses clearly.
BOOST_AUTO_TEST_CASE(statements_and_matrices) {
  Tape tape;
  TapeScope scope(tape);
  const StmtVar x = tape.variable(0.5);
  const StmtVar s = x * x + 1.0;
  const Eigen::MatrixXd data = Eigen::MatrixXd::Constant(2, 2, 3.0);
  const NodeVar L = gradlab::sum(gradlab::as_matrix(s) * gradlab::matrix_constant(data));
  BOOST_TEST(gradlab::grad(L, {x})[0] == 12.0 * 2 * 0.5);
  BOOST_CHECK_THROW(gradlab::hessian(L, {x}), gradlab::Error);
}

BOOST_AUTO_TEST_SUITE_END()
