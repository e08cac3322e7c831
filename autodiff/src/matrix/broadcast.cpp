// Matrix nodes, part 2: broadcasting (the shape rule and its messages), the elementwise ops picked
// at run time by op id, and the elementwise operators.
#include <fmt/format.h>

#include <mutex>

#include "gradlab/autodiff/matrix.hpp"

namespace gradlab {

namespace detail {

std::pair<Eigen::Index, Eigen::Index> broadcast_shape(const char* op, const ConstMap& a, const ConstMap& b) {
  const auto fits = [](const ConstMap& small, const ConstMap& big) {
    return (small.rows() == big.rows() || small.rows() == 1) &&
           (small.cols() == big.cols() || small.cols() == 1);
  };
  if (fits(b, a)) return {a.rows(), a.cols()};
  if (fits(a, b)) return {b.rows(), b.cols()};
  throw ShapeError(
      fmt::format("{}: cannot combine {} and {} entry by entry (one operand must have the "
                  "result's shape; the other may be 1x1, a row or a column of it)",
                  op, shape_str(a), shape_str(b)));
}

void throw_entry_domain_error(const std::string& why, Eigen::Index r, Eigen::Index c, Eigen::Index rows,
                              Eigen::Index cols) {
  throw DomainError(fmt::format("{} (entry ({}, {}) of the {} result)", why, r, c, shape_str(rows, cols)));
}

}  // namespace detail

using detail::ConstMap;

MatVar tie_share(const MatVar& u, const MatVar& v) {
  const ConstMap uv = detail::checked("max", u), vv = detail::checked("max", v);
  const auto [rows, cols] = detail::broadcast_shape("max", uv, vv);
  Eigen::MatrixXd share(rows, cols);
  detail::broadcast_both(uv, vv, rows, cols, [&](const auto& ux, const auto& vx) {
    share = ux.binaryExpr(vx, [](double a, double b) { return ops::tie_share(a, b); });
  });
  return matrix_constant_copy(share);
}

// ---- elementwise ops by op id -------------------------------------------------------------------

namespace {
// The elementwise form of each op id that has one, next to the op table: the built-in unary
// primitives from the start, other ops once register_elementwise<Op>() ran.
template <class Op> detail::ElementwiseFn builtin_form() {
  if constexpr (Op::arity == ops::Arity::Unary || Op::arity == ops::Arity::UnaryParam)
    return &detail::apply_elementwise<Op>;
  else
    return nullptr;
}
struct ElementwiseTable {
  std::mutex mutex;
  std::vector<detail::ElementwiseFn> forms;
  ElementwiseTable() {
#define GRADLAB_FORM(N) forms.push_back(builtin_form<ops::N>());
    GRADLAB_BUILTIN_OPS(GRADLAB_FORM)
#undef GRADLAB_FORM
  }
};
ElementwiseTable& elementwise_table() {
  static ElementwiseTable t;
  return t;
}

const char* arity_str(ops::Arity arity) {
  switch (arity) {
    case ops::Arity::Leaf:
      return "a leaf";
    case ops::Arity::Unary:
      return "a one-argument op without a parameter";
    case ops::Arity::UnaryParam:
      return "a one-argument op with a constant parameter";
    case ops::Arity::Binary:
      return "a two-argument op";
  }
  return "?";
}

MatVar apply_by_id(OpId id, const MatVar& x, double p, ops::Arity arity) {
  const OpInfo& info = op_info(id);
  if (info.arity != arity)
    throw Error(fmt::format("apply: op '{}' is {}; apply(id, X{}) needs {}", info.name, arity_str(info.arity),
                            arity == ops::Arity::Unary ? "" : ", p", arity_str(arity)));
  detail::ElementwiseFn fn = nullptr;
  {
    ElementwiseTable& t = elementwise_table();
    std::lock_guard lock(t.mutex);
    if (id < t.forms.size()) fn = t.forms[id];
  }
  if (fn == nullptr)
    throw Error(fmt::format("apply: op '{}' has no matrix form; call register_elementwise<Op>() once for it",
                            info.name));
  return fn(x, p);
}
}  // namespace

void detail::set_elementwise(OpId id, ElementwiseFn fn) {
  ElementwiseTable& t = elementwise_table();
  std::lock_guard lock(t.mutex);
  if (id >= t.forms.size()) t.forms.resize(id + 1, nullptr);
  t.forms[id] = fn;
}

MatVar apply(OpId id, const MatVar& x) { return apply_by_id(id, x, 0.0, ops::Arity::Unary); }
MatVar apply(OpId id, const MatVar& x, double p) { return apply_by_id(id, x, p, ops::Arity::UnaryParam); }

MatVar operator+(const MatVar& a, const MatVar& b) { return apply<ops::Add>(a, b); }
MatVar operator-(const MatVar& a, const MatVar& b) { return apply<ops::Sub>(a, b); }
MatVar operator/(const MatVar& a, const MatVar& b) { return apply<ops::Div>(a, b); }

MatVar operator*(const MatVar& x, double c) {
  if (c == 1.0) return x;  // x * 1 = x: no node (the recorded rules multiply by such constants often)
  return apply<ops::MulC>(x, c);
}

MatVar operator*(const MatVar& a, const MatVar& b) {
  // A 1x1 constant factor (such as T(1.0) in a rule) becomes a parametrised op, without broadcasting.
  const Tape& t = Tape::current();
  const auto constant_1x1 = [&](const MatVar& m) {
    const Index i = t.check(m.node());
    const detail::MatrixSlot* s = detail::slot_of(t, i);
    return t.op(i) == kConstOp && s != nullptr && s->rows == 1 && s->cols == 1;
  };
  if (constant_1x1(b)) return a * b.value()(0, 0);
  if (constant_1x1(a)) return b * a.value()(0, 0);
  return apply<ops::Mul>(a, b);
}

}  // namespace gradlab
