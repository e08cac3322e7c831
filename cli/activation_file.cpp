// Activations defined in a file (--activations FILE): read, checked three ways, registered as an
// activation record and an engine op whose value and derivative are the file's expressions.
#include "activation_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

#include "bindings.hpp"
#include "gradlab/autodiff/higher_order.hpp"
#include "gradlab/autodiff/matrix_ops.hpp"
#include "gradlab/expr.hpp"
#include "gradlab/expr_walk.hpp"
#include "gradlab/neuron/activation.hpp"
#include "output.hpp"

namespace gradlab::cli {

namespace {

/// A definition's expression that does not use the parameter alpha.
constexpr std::size_t kNoAlpha = std::numeric_limits<std::size_t>::max();

/// One activation of a file, as it was read. Stored in a deque that never moves its entries, so the
/// activation record's texts and the op's name stay valid for the whole program.
struct Definition {
  std::string where;  ///< "FILE:LINE" of the definition, for messages
  std::string name;
  std::string param;
  std::string alpha_param;  ///< the second parameter's name (name(x, alpha) = ...), or "" without one
  std::unique_ptr<expr::Expression> value;
  std::size_t value_alpha = kNoAlpha;  ///< the index of alpha_param in value->names(), if used
  std::string derivative_param, derivative_alpha_param;
  std::unique_ptr<expr::Expression> derivative;  ///< the hand derivative, or null
  std::size_t derivative_alpha = kNoAlpha;
  std::optional<double> default_alpha;  ///< the `alpha:` line: set for an activation with a parameter
  std::string alpha_where;
  std::string derivative_where;  ///< "FILE:LINE:COL" of the hand derivative
  std::vector<double> kinks;
  std::string kinks_where;
  Domain domain{-6.0, 6.0};
  std::string formula, formula_latex, derivative_text, derivative_latex, kink_text;
};

std::deque<Definition>& definitions() {
  static std::deque<Definition> d;
  return d;
}
std::mutex& definitions_mutex() {
  static std::mutex m;
  return m;
}

// ---- evaluating a definition on doubles, Vars or matrix nodes ------------------------------------

/// The walk's context for a definition (expr_walk.hpp): its variable is x and its parameter (the
/// name at index alpha_name, if any) the constant alpha; a constant subexpression is folded to a
/// number (it runs inside sweeps, once per fused node, and keeps no origins); an engine error goes on
/// as it is (the checks on load name the file's line).
template <class T> struct DefinitionContext {
  const T& x;
  double alpha;
  std::size_t alpha_name;
  static constexpr bool fold = true;
  [[nodiscard]] expr::Operand<T> name(const expr::Expression& e, std::size_t node) const {
    // x or alpha: the only names (checked when loaded); alpha is a constant, as leaky_relu's is
    if (e.nodes()[node].payload == alpha_name) return {T{}, false, true, alpha};
    return {x, true, false, 0.0};
  }
  T constant(double c, std::size_t /*node*/) const {
    if constexpr (std::is_same_v<T, MatVar>)
      return x * 0.0 + c;  // a constant function, shaped like x
    else
      return T(c);
  }
  void before(std::size_t /*node*/) const {}
  void after(std::size_t /*node*/) const {}
  [[noreturn]] void fail(const expr::Expression& /*e*/, std::size_t /*node*/,
                         const std::exception& /*err*/) const {
    throw;  // called while the walk handles the error: it goes on unchanged
  }
};

/// The expression e with its variable equal to x (a double, a Var recorded on the active tape, or a
/// matrix node) and its parameter (the name at index alpha_name) equal to alpha. The language's own
/// walk, so a definition may use everything an expression may.
template <class T>
T evaluate_on(const expr::Expression& e, const T& x, double alpha = 0.0, std::size_t alpha_name = kNoAlpha) {
  const DefinitionContext<T> cx{x, alpha, alpha_name};
  expr::Operand<T> r = expr::walk<T>(e, cx);
  return r.has_v ? r.v : cx.constant(r.c, r.node);
}

// ---- the generated code of one slot --------------------------------------------------------------

/// A scratch tape per nesting depth (a definition may call an earlier one, whose derivative may need
/// a scratch tape while the outer one is in use).
class ScratchTape {
 public:
  ScratchTape() {
    if (pool().size() <= depth()) pool().push_back(std::make_unique<Tape>());
    tape_ = pool()[depth()++].get();
    tape_->clear();
  }
  ~ScratchTape() { --depth(); }
  ScratchTape(const ScratchTape&) = delete;
  ScratchTape& operator=(const ScratchTape&) = delete;
  Tape& tape() { return *tape_; }

 private:
  static std::vector<std::unique_ptr<Tape>>& pool() {
    thread_local std::vector<std::unique_ptr<Tape>> p;
    return p;
  }
  static std::size_t& depth() {
    thread_local std::size_t d = 0;
    return d;
  }
  Tape* tape_;
};

const Definition& slot(std::size_t s) { return definitions()[s]; }

/// f(x; alpha), from the definition (alpha is unused by an activation without a parameter).
template <class T> T slot_value(std::size_t s, const T& x, double alpha) {
  const Definition& d = slot(s);
  return evaluate_on<T>(*d.value, x, alpha, d.value_alpha);
}
/// The stated derivative f'(x; alpha), when the file gives one.
template <class T> T stated_derivative(const Definition& d, const T& x, double alpha) {
  return evaluate_on<T>(*d.derivative, x, alpha, d.derivative_alpha);
}

/// f'(x): the stated derivative, else autodiff of the definition (on a scratch tape).
double slot_derivative(std::size_t s, double x, double alpha) {
  const Definition& d = slot(s);
  if (d.derivative) return stated_derivative(d, x, alpha);
  ScratchTape scratch;
  const TapeScope scope(scratch.tape());
  const Var v = scratch.tape().variable(x);
  return grad(slot_value(s, v, alpha), {v})[0];
}
/// f'(x) recorded as nodes on x's tape, so that it can be differentiated again.
Var slot_derivative(std::size_t s, const Var& x, double alpha) {
  const Definition& d = slot(s);
  if (d.derivative) return stated_derivative(d, x, alpha);
  // Without a stated derivative: the definition recorded again from x and differentiated (recorded).
  // This sweeps the tape below it once per node of this op: state the derivative to avoid the cost.
  return grad_recorded(slot_value(s, x, alpha), {x})[0];
}
MatVar slot_derivative(std::size_t s, const MatVar& x, double alpha) {
  const Definition& d = slot(s);
  if (!d.derivative)
    throw Error(
        fmt::format("{}: the second derivative of '{}' on a matrix needs its hand derivative: add a "
                    "line {}'({}) = ... to the file",
                    d.where, d.name, d.name, d.param));
  return stated_derivative(d, x, alpha);
}

/// y = f(x) (P: y = f(x; alpha));  dy/dx = f'(x), both from slot S's definition. P: the definition has
/// a parameter, and the op takes it as a constant (UnaryParam), as leaky_relu's.
template <std::size_t S, bool P> struct SlotOp {
  static constexpr const char* name = "activation from a file";
  static constexpr ops::Arity arity = P ? ops::Arity::UnaryParam : ops::Arity::Unary;
  static double value(double x) { return slot_value(S, x, 0.0); }
  static double value(double x, double alpha) { return slot_value(S, x, alpha); }
  template <class T> static T d(const T& x, const T& /*y*/) { return slot_derivative(S, x, 0.0); }
  template <class T> static T d(const T& x, double alpha, const T& /*y*/) {
    return slot_derivative(S, x, alpha);
  }

  static double kink_distance(double x, double /*unused*/) {
    double best = std::numeric_limits<double>::infinity();
    for (const double k : slot(S).kinks) best = std::min(best, std::abs(x - k));
    return best;
  }
  static double value_fn(double x, double alpha) { return slot_value(S, x, alpha); }
  static double d_fn(double x, double alpha) { return slot_derivative(S, x, alpha); }
  static Var composite_fn(const Var& x, double alpha) { return slot_value(S, x, alpha); }
  static Var d_var_fn(const Var& x, double alpha) { return slot_derivative(S, x, alpha); }
  static MatVar composite_matrix_fn(const MatVar& x, double alpha) {
    try {
      return slot_value(S, x, alpha);
    } catch (const DomainError&) {  // a value outside a domain: said by the op, with the value
      throw;
    } catch (const AnomalyError&) {
      throw;
    } catch (const Error& e) {  // what has no matrix form yet, named with the definition's place
      throw Error(fmt::format("{}: {}: {}", slot(S).where, slot(S).name, e.what()));
    }
  }

  /// The engine op's row and the activation record of slot S.
  static ActivationInfo make() {
    const Definition& d = slot(S);
    OpInfo op;
    op.name = d.name.c_str();
    op.arity = arity;
    if (!d.kinks.empty()) {
      op.kink = d.kink_text.c_str();
      op.kink_distance = &kink_distance;
    }
    if constexpr (P) {
      op.value2 = [](double x, double alpha) { return value(x, alpha); };
      op.default_param = *d.default_alpha;
    } else {
      op.value1 = [](double x) { return value(x); };
      op.partial1 = [](double x, double y) { return SlotOp::d(x, y); };
    }
    op.backward = [](const DoubleSweep& s, Index i, double g) { backward_node<SlotOp>(s, i, g); };
    op.backward_recorded = [](const RecordedSweep& s, Index i, const Var& g) {
      backward_node<SlotOp>(s, i, g);
    };
    ActivationInfo info;
    info.name = d.name;
    info.formula = d.formula;
    info.formula_latex = d.formula_latex;
    info.derivative = d.derivative_text;
    info.derivative_latex = d.derivative_latex;
    info.kink = d.kink_text;
    info.domain = d.domain;
    info.kinks = d.kinks;
    if constexpr (P) info.default_alpha = d.default_alpha;
    info.key = &detail::record_key<SlotOp>;
    info.value_fn = &value_fn;
    info.d_fn = &d_fn;
    info.values_and_slopes_fn = &detail::values_and_slopes_of<&value_fn, &d_fn>;
    info.composite_fn = &composite_fn;
    info.d_var_fn = &d_var_fn;
    info.composite_matrix_fn = &composite_matrix_fn;
    info.op = register_op(op);
    detail::set_elementwise(info.op, &detail::apply_elementwise<SlotOp>);
    return info;
  }
};

template <bool P, std::size_t... S> constexpr auto make_slots(std::index_sequence<S...> /*unused*/) {
  return std::array<ActivationInfo (*)(), sizeof...(S)>{&SlotOp<S, P>::make...};
}
/// Each slot's code, without a parameter and with one.
constexpr auto kSlots = make_slots<false>(std::make_index_sequence<kMaxFileActivations>{});
constexpr auto kParamSlots = make_slots<true>(std::make_index_sequence<kMaxFileActivations>{});

// ---- reading the file ----------------------------------------------------------------------------

/// An error at FILE:LINE:COLUMN.
[[noreturn]] void fail(const std::string& file, std::size_t line, std::size_t column,
                       const std::string& what) {
  throw Error(fmt::format("{}:{}:{}: {}", file, line, column, what));
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// A cursor over one line, with 1-based columns.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;
  void skip_spaces() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  }
  [[nodiscard]] std::size_t column() const { return pos + 1; }
  std::string name() {
    const std::size_t start = pos;
    if (pos < text.size() && is_name_start(text[pos]))
      while (pos < text.size() && is_name_char(text[pos])) ++pos;
    return std::string(text.substr(start, pos - start));
  }
  bool eat(char c) {
    skip_spaces();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
};

/// The numbers of a `kinks:` or `domain:` line, after the keyword.
std::vector<double> parse_numbers(const std::string& file, std::size_t line, Cursor c, const char* what) {
  std::vector<double> out;
  while (true) {
    c.skip_spaces();
    const std::size_t start = c.pos;
    while (c.pos < c.text.size() && c.text[c.pos] != ',') ++c.pos;
    std::string item(c.text.substr(start, c.pos - start));
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
    char* end = nullptr;
    errno = 0;
    const double v = item.empty() ? 0.0 : std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v))
      fail(file, line, start + 1,
           fmt::format("{}: '{}' is not a finite number (write numbers separated by commas)", what, item));
    out.push_back(v);
    if (c.pos == c.text.size()) return out;
    ++c.pos;  // the comma
  }
}

/// Parses the expression that starts at column `offset + 1` of the line; a parse error is reported at
/// its column in the file.
/// `alpha` names the parameter ("" without one); *alpha_name is set to its index in the names.
std::unique_ptr<expr::Expression> parse_at(const std::string& file, std::size_t line, std::size_t offset,
                                           std::string_view text, const std::string& param,
                                           const std::string& alpha, std::size_t* alpha_name) {
  std::unique_ptr<expr::Expression> e;
  try {
    e = std::make_unique<expr::Expression>(expr::parse(std::string(text)));
  } catch (const expr::ParseError& err) {
    fail(file, line, offset + err.column(), err.reason());
  }
  for (const expr::Node& n : e->nodes())
    if (n.kind == expr::NodeKind::Name && e->names()[n.payload] != param && e->names()[n.payload] != alpha)
      fail(file, line, offset + n.begin + 1,
           fmt::format("unknown name '{}': a definition may use only its variable '{}'{} (and pi)",
                       e->names()[n.payload], param,
                       alpha.empty() ? std::string() : fmt::format(" and its parameter '{}'", alpha)));
  *alpha_name = kNoAlpha;
  for (std::size_t k = 0; k < e->names().size(); ++k)
    if (!alpha.empty() && e->names()[k] == alpha) *alpha_name = k;
  // What the walk refuses whatever the value (a parameter of leaky_relu that is not a constant), at
  // its column; values outside a domain are the checks' business.
  try {
    evaluate_on<double>(*e, 1.0, 1.0, *alpha_name);
  } catch (const expr::ParseError& err) {
    fail(file, line, offset + err.column(), err.reason());
  } catch (const Error&) {}
  return e;
}

/// The LaTeX of an expression's text: its characters, with the ones LaTeX treats specially escaped.
std::string latex_of(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '_' || c == '#' || c == '%' || c == '&' || c == '$' || c == '{' || c == '}') out += '\\';
    out += c;
  }
  return out;
}

/// The one-sided derivatives at a kink k, each of second order: (-3 f(k) + 4 f(k + h) - f(k + 2h)) / 2h
/// and its mirror, with h = 1e-5 max(1, |k|) (truncation ~h^2 |f'''|, rounding ~eps |f| / h).
std::pair<double, double> one_sided(double k, const std::function<double(double)>& f) {
  const double h = 1e-5 * std::max(1.0, std::abs(k));
  const double left = (3 * f(k) - 4 * f(k - h) + f(k - 2 * h)) / (2 * h);
  const double right = (-3 * f(k) + 4 * f(k + h) - f(k + 2 * h)) / (2 * h);
  return {left, right};
}

/// The point where the stated derivative is furthest from autodiff or central differences.
std::string worst_point(const ActivationCheck& c) {
  const ActivationCheckPoint* worst = nullptr;
  double worst_gap = -1;
  for (const ActivationCheckPoint& p : c.points) {
    const double scale = std::max({1.0, std::abs(p.autodiff), std::abs(p.numeric)});
    double gap = std::max(std::abs(p.record - p.autodiff), std::abs(p.record - p.numeric)) / scale;
    if (!std::isfinite(gap) || !std::isfinite(p.record)) gap = std::numeric_limits<double>::infinity();
    if (gap > worst_gap) worst_gap = gap, worst = &p;
  }
  if (worst == nullptr) return "no point could be sampled";
  return fmt::format(
      "at x = {}, the stated derivative gives {}, autodiff of the definition {} and central differences {} "
      "(ratio stated / autodiff = {})",
      num(worst->x), num(worst->record), num(worst->autodiff), num(worst->numeric),
      num(worst->record / worst->autodiff));
}

/// Checks a loaded definition three ways (and at its kinks) at one value of its parameter.
void check_definition_at(const Definition& d, const ActivationInfo& info, double alpha) {
  const std::string& at = d.derivative ? d.derivative_where : d.where;
  const std::string with = d.default_alpha ? fmt::format(" with {} = {}", d.alpha_param, num(alpha)) : "";
  ActivationCheck c;
  try {
    ActivationCheckOptions options;
    if (d.default_alpha) options.alpha = alpha;
    c = check_activation(info, options);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: checking '{}'{} failed: {}", at, d.name, with, e.what()));
  }
  if (!c.autodiff_vs_record.within(1e-12, 1e-12) || !c.numeric_vs_record.within(1e-7, 1e-7))
    throw Error(fmt::format("{}: {}'({}) disagrees with the definition of {}{}: {}", at, d.name,
                            d.alpha_param.empty() ? d.param : d.param + ", " + d.alpha_param, d.name, with,
                            worst_point(c)));
  if (!c.passed())
    throw Error(
        fmt::format("{}: {}'s derivatives disagree{} (the fused op's f' vs f': {:.1e}, its f'' vs autodiff "
                    "of autodiff of the definition: {:.1e}); is the hand derivative right where it is "
                    "differentiated again?",
                    at, d.name, with, c.fused_vs_record.rel, c.second_order.rel));
  for (const double k : d.kinks) {
    const auto [left, right] = one_sided(k, [&](double u) { return info.value_fn(u, alpha); });
    const double stated = info.d_fn(k, alpha);
    const double tol = 1e-6 * std::max({1.0, std::abs(left), std::abs(right)});
    if (!(stated >= std::min(left, right) - tol && stated <= std::max(left, right) + tol))
      throw Error(fmt::format(
          "{}: at the kink x = {}{}, {}' is {}, but the one-sided derivatives are {} (left) and {} (right); "
          "at a kink the derivative must lie between them",
          d.kinks_where, num(k), with, d.name, num(stated), num(left), num(right)));
  }
}

/// The parameter values an activation with a parameter is checked at: its default, half and twice
/// it (0, 0.5 and 1 for a default of 0).
std::vector<double> alphas_checked(const Definition& d) {
  if (!d.default_alpha) return {0.0};  // unused
  const double a = *d.default_alpha;
  if (a == 0) return {0.0, 0.5, 1.0};
  return {a, a / 2, 2 * a};
}

/// Checks a loaded definition three ways (and at its kinks), at a few values of its parameter;
/// throws naming the line when it fails.
void check_definition(const Definition& d, const ActivationInfo& info) {
  for (const double alpha : alphas_checked(d)) check_definition_at(d, info, alpha);
}

/// Registers a definition that was read completely: slot, op, record, after its checks.
void finish(Definition&& d) {
  std::lock_guard lock(definitions_mutex());
  const std::size_t s = definitions().size();
  if (s == kMaxFileActivations)
    throw Error(
        fmt::format("{}: at most {} activations can be defined from files", d.where, kMaxFileActivations));
  if (!d.alpha_param.empty() && !d.default_alpha)
    throw Error(
        fmt::format("{}: {} has a parameter '{}': give its default on the next line, as in alpha: 0.01",
                    d.where, d.name, d.alpha_param));
  const auto params = [](const std::string& x, const std::string& alpha) {
    return alpha.empty() ? x : fmt::format("{}, {}", x, alpha);
  };
  d.formula = fmt::format("{}({}) = {}", d.name, params(d.param, d.alpha_param), d.value->source());
  d.formula_latex = fmt::format("{}({}) = {}", latex_of(d.name), latex_of(params(d.param, d.alpha_param)),
                                latex_of(d.value->source()));
  if (d.derivative) {
    const std::string p = params(d.derivative_param, d.derivative_alpha_param);
    d.derivative_text = fmt::format("{}'({}) = {}", d.name, p, d.derivative->source());
    d.derivative_latex =
        fmt::format("{}'({}) = {}", latex_of(d.name), latex_of(p), latex_of(d.derivative->source()));
  } else {
    d.derivative_text =
        fmt::format("{}'({}): autodiff of the definition (no hand derivative in the file)", d.name, d.param);
    d.derivative_latex = fmt::format("\\text{{autodiff of }} {}", latex_of(d.name));
  }
  std::vector<std::string> ks;
  for (const double k : d.kinks) ks.push_back(num(k));
  d.kink_text = d.kinks.empty() ? "smooth (no kinks declared in the file)"
                                : fmt::format(
                                      "kinks at x = {}, where f' is the file's (between the one-sided "
                                      "derivatives)",
                                      fmt::join(ks, ", "));
  definitions().push_back(std::move(d));
  const Definition& stored = definitions().back();
  ActivationInfo info;
  try {
    info = stored.default_alpha ? kParamSlots[s]() : kSlots[s]();
  } catch (const Error& e) {
    definitions().pop_back();  // the op was not registered: the slot is free again
    throw Error(fmt::format("{}: {}", stored.where, e.what()));
  }
  // The op is in the engine's table now (a refused definition's op stays there, unused, until the
  // program stops at the error); the activation record is added only when the checks pass.
  check_definition(stored, info);
  detail::add_activation(info);
}

}  // namespace

void load_activation_file(const std::string& path) {
  register_builtin_activations();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read the activations file: {}", path, std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("{}: reading the activations file failed", path));
  const std::string text = buffer.str();

  std::optional<Definition> current;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    Cursor c{line};
    c.skip_spaces();
    if (c.pos == line.size()) {
      if (end == text.size()) break;
      continue;
    }
    const std::size_t name_col = c.column();
    const std::string word = c.name();
    if (word.empty())
      fail(path, line_no, name_col, "expected a definition such as mish(x) = x*tanh(softplus(x))");
    if ((word == "kinks" || word == "domain" || word == "alpha") && c.eat(':')) {
      if (!current) fail(path, line_no, name_col, fmt::format("'{}:' must follow a definition", word));
      const std::vector<double> v = parse_numbers(path, line_no, c, word.c_str());
      if (word == "alpha") {
        if (current->alpha_param.empty())
          fail(path, line_no, name_col,
               fmt::format("alpha: {} has no parameter; declare one as in {}({}, alpha) = ...", current->name,
                           current->name, current->param));
        if (v.size() != 1) fail(path, line_no, name_col, "alpha: write one number, the parameter's default");
        if (current->default_alpha) fail(path, line_no, name_col, "alpha: is given twice");
        current->default_alpha = v[0];
        current->alpha_where = fmt::format("{}:{}:{}", path, line_no, name_col);
      } else if (word == "kinks") {
        current->kinks = v;
        current->kinks_where = fmt::format("{}:{}:{}", path, line_no, name_col);
      } else {
        if (v.size() != 2 || !(v[0] < v[1]))
          fail(path, line_no, name_col, "domain: write two numbers lo, hi with lo < hi");
        current->domain = {v[0], v[1]};
      }
      continue;
    }
    const bool is_derivative = c.pos < line.size() && line[c.pos] == '\'';
    if (is_derivative) ++c.pos;
    if (!c.eat('(')) fail(path, line_no, c.column(), fmt::format("expected '(' after '{}'", word));
    c.skip_spaces();
    const std::size_t param_col = c.column();
    const std::string param = c.name();
    if (param.empty()) fail(path, line_no, param_col, "expected the parameter's name, e.g. (x)");
    if (param == "pi") fail(path, line_no, param_col, "the parameter cannot be called pi");
    std::string alpha;  // name(x, alpha): an activation with a parameter
    if (c.eat(',')) {
      c.skip_spaces();
      const std::size_t alpha_col = c.column();
      alpha = c.name();
      if (alpha.empty() || alpha == "pi" || alpha == param)
        fail(path, line_no, alpha_col,
             fmt::format("expected the parameter's name after '{},', e.g. ({}, alpha)", param, param));
    }
    if (!c.eat(')'))
      fail(path, line_no, c.column(),
           "expected ')': an activation takes its variable and at most one parameter, as in (x) or (x, "
           "alpha)");
    if (!c.eat('=')) fail(path, line_no, c.column(), "expected '=' and the expression");
    c.skip_spaces();
    const std::size_t offset = c.pos;
    const std::string_view body = line.substr(offset);
    if (is_derivative) {
      if (!current || current->name != word)
        fail(path, line_no, name_col,
             fmt::format("{}' must follow the definition of {} (and come before the next one)", word, word));
      if (current->derivative) fail(path, line_no, name_col, fmt::format("{}' is given twice", word));
      if (!alpha.empty() && current->alpha_param.empty())
        fail(path, line_no, name_col,
             fmt::format("{}' has a parameter '{}', but {} has none", word, alpha, word));
      current->derivative = parse_at(path, line_no, offset, body, param, alpha, &current->derivative_alpha);
      current->derivative_param = param;
      current->derivative_alpha_param = alpha;
      current->derivative_where = fmt::format("{}:{}:{}", path, line_no, name_col);
      continue;
    }
    if (current) finish(std::move(*std::exchange(current, std::nullopt)));
    const std::vector<std::string> functions = expr::function_names();
    if (find_op(word) || std::find(functions.begin(), functions.end(), word) != functions.end() ||
        word == "pi")
      fail(
          path, line_no, name_col,
          fmt::format("'{}' is already a function (built in, or defined before); choose another name", word));
    current.emplace();
    current->where = fmt::format("{}:{}:{}", path, line_no, name_col);
    current->name = word;
    current->param = param;
    current->alpha_param = alpha;
    current->value = parse_at(path, line_no, offset, body, param, alpha, &current->value_alpha);
  }
  if (current) finish(std::move(*current));
}

void add_activations_file_option(Command& command) {
  auto file = std::make_shared<std::string>();
  command.app
      ->add_option("--activations", *file,
                   "load activations defined in FILE (one a line, e.g. mish(x) = x*tanh(softplus(x)); "
                   "see docs/adding-an-activation.md)")
      ->type_name("FILE");
  command.run = [file, run = std::move(command.run)] {
    if (!file->empty()) load_activation_file(*file);
    return run();
  };
}

}  // namespace gradlab::cli
