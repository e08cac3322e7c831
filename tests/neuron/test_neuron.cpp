// The neuron: its gradient three ways for every (activation, loss) pair, the article's formulas,
// BCE's stability, and misuse.
#include <fmt/format.h>
#include <Eigen/Dense>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <gradlab/neuron.hpp>
#include <random>

#include "message_of.hpp"

namespace {
struct Problem {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Eigen::VectorXd w;
  double b;
};

// Random data with d = 3 inputs and n samples. For a loss with an output range (BCE) the
// parameters keep z in (0.1, 0.4), where every built-in activation's output lies in (0, 1).
Problem random_problem(std::mt19937_64& rng, bool bounded_output, Eigen::Index n = 6) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Problem p{Eigen::MatrixXd(n, 3), Eigen::VectorXd(n), Eigen::VectorXd(3), 0.0};
  for (Eigen::Index i = 0; i < p.X.size(); ++i) p.X.data()[i] = 2.0 * u(rng);
  for (Eigen::Index i = 0; i < n; ++i) p.y[i] = 0.5 + 0.45 * u(rng);
  if (bounded_output) {
    for (Eigen::Index j = 0; j < 3; ++j) p.w[j] = 0.025 * u(rng);
    p.b = 0.25;
  } else {
    for (Eigen::Index j = 0; j < 3; ++j) p.w[j] = u(rng);
    p.b = u(rng);
  }
  return p;
}
// max_k |a_k - b_k| / max_k |b_k|: a relative difference that entries near 0 cannot inflate.
double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

/// Absolute error written for a double y only, so it has no matrix form.
struct AbsoluteError {
  static constexpr const char* name = "test_absolute_error";
  static constexpr const char* formula = "L(f, y) = |f - y|";
  static constexpr const char* formula_latex = R"(L = |f - y|)";
  static constexpr const char* derivative = "dL/df = sign(f - y)";
  static constexpr const char* derivative_latex = R"(\operatorname{sign}(f - y))";
  template <class T> static T value(const T& f, double y) { return gradlab::ops::abs(f - y); }
  template <class T> static T d(const T& f, double y) { return gradlab::ops::sign(f - y); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(neuron)

// Autodiff (both activation paths) vs the hand-derived chain rule vs central differences.
BOOST_AUTO_TEST_CASE(three_way_for_every_activation_and_loss) {
  std::mt19937_64 rng(2024);
  int checked = 0;
  for (const gradlab::LossInfo* loss : gradlab::loss_list())
    for (const gradlab::ActivationInfo* act : gradlab::activation_list())
      for (int trial = 0; trial < 5; ++trial) {
        const Problem p = random_problem(rng, loss->output_range.has_value());
        gradlab::Neuron n(p.w, p.b, act->name, loss->name);
        BOOST_TEST_CONTEXT(act->name << " + " << loss->name << " trial " << trial) {
          for (auto path : {gradlab::ActivationPath::Composite, gradlab::ActivationPath::Fused}) {
            n.set_activation_path(path);
            const gradlab::CrossCheckReport r = n.cross_check(p.X, p.y);
            BOOST_TEST(r.rows.size() == 4u);
            BOOST_TEST(r.autodiff_vs_formula.within(1e-13, 1e-12));
            BOOST_TEST(r.numeric_vs_formula.within(1e-9, 1e-7));
            BOOST_TEST(r.agrees());
          }
          ++checked;
        }
      }
  BOOST_TEST(checked == 2 * 8 * 5);
}

// Matrix nodes (a handful of nodes for the whole data set) against scalar nodes (one per
// multiply-add) and the hand formula: every (activation, loss) pair, both activation paths, N = 50.
BOOST_AUTO_TEST_CASE(matrix_nodes_equal_scalar_nodes_and_the_formula) {
  std::mt19937_64 rng(31);
  int checked = 0;
  for (const gradlab::LossInfo* loss : gradlab::loss_list())
    for (const gradlab::ActivationInfo* act : gradlab::activation_list())
      for (int trial = 0; trial < 3; ++trial) {
        const Problem p = random_problem(rng, loss->output_range.has_value(), 50);
        gradlab::Neuron n(p.w, p.b, act->name, loss->name);
        BOOST_TEST_CONTEXT(act->name << " + " << loss->name << " trial " << trial) {
          BOOST_TEST(n.uses_matrix_nodes(50));
          BOOST_TEST(!n.uses_matrix_nodes(gradlab::Neuron::kScalarNodeRows));
          for (auto path : {gradlab::ActivationPath::Composite, gradlab::ActivationPath::Fused}) {
            n.set_activation_path(path);
            const Eigen::VectorXd m = n.gradient(p.X, p.y, gradlab::GradMethod::AutodiffMatrix);
            const Eigen::VectorXd s = n.gradient(p.X, p.y, gradlab::GradMethod::AutodiffScalar);
            const Eigen::VectorXd f = n.gradient(p.X, p.y, gradlab::GradMethod::Formula);
            BOOST_TEST(relative_difference(m, s) <= 1e-12);
            BOOST_TEST(relative_difference(m, f) <= 1e-12);
            BOOST_TEST(relative_difference(s, f) <= 1e-12);
            // Autodiff picks matrix nodes for 50 samples, and reads L off the same tape.
            BOOST_TEST((n.gradient(p.X, p.y, gradlab::GradMethod::Autodiff).array() == m.array()).all());
            const gradlab::ValueAndGradient vg =
                n.value_and_gradient(p.X, p.y, gradlab::GradMethod::Autodiff);
            BOOST_TEST((vg.gradient.array() == m.array()).all());
            BOOST_TEST(vg.value == n.loss(p.X, p.y), boost::test_tools::tolerance(1e-13));
            const gradlab::CrossCheckReport r = n.cross_check(p.X, p.y);
            BOOST_TEST(r.has_matrix_nodes);
            BOOST_TEST(r.rows[3].autodiff_matrix == m[3]);
            BOOST_TEST(r.agrees());
          }
          ++checked;
        }
      }
  BOOST_TEST(checked == 2 * 8 * 3);
}

// The Hessian through matrix nodes (autodiff of the recorded matrix backward pass) equals the one
// through scalar nodes, for every pair and both activation paths.
BOOST_AUTO_TEST_CASE(hessian_on_matrix_nodes_equals_scalar_nodes) {
  std::mt19937_64 rng(47);
  for (const gradlab::LossInfo* loss : gradlab::loss_list())
    for (const gradlab::ActivationInfo* act : gradlab::activation_list()) {
      const Problem p = random_problem(rng, loss->output_range.has_value(), 50);
      gradlab::Neuron n(p.w, p.b, act->name, loss->name);
      BOOST_TEST_CONTEXT(act->name << " + " << loss->name) {
        for (auto path : {gradlab::ActivationPath::Composite, gradlab::ActivationPath::Fused}) {
          n.set_activation_path(path);
          const Eigen::MatrixXd hm = n.hessian(p.X, p.y, gradlab::GradMethod::AutodiffMatrix);
          const Eigen::MatrixXd hs = n.hessian(p.X, p.y, gradlab::GradMethod::AutodiffScalar);
          BOOST_TEST_REQUIRE(hm.rows() == 4);
          BOOST_TEST_REQUIRE(hm.cols() == 4);
          BOOST_TEST(hs.cwiseAbs().maxCoeff() > 0.1);
          BOOST_TEST(relative_difference(hm, hs) <= 1e-12);
          BOOST_TEST((n.hessian(p.X, p.y).array() == hm.array()).all());  // Autodiff: matrix nodes
        }
      }
    }
}

// The article's formulas, written out: dL/dw = sum (f - y) f (1 - f) x, dL/db = sum (f - y) f (1 - f).
BOOST_AUTO_TEST_CASE(sigmoid_squared_error_matches_the_article) {
  const Eigen::MatrixXd X = gradlab::article::inputs();
  const Eigen::VectorXd Y = gradlab::article::targets();
  for (auto [w, b] : {std::pair{0.0, -8.0}, std::pair{1.3, -0.7}, std::pair{-2.0, 3.0}}) {
    double L = 0, dw = 0, db = 0;
    for (int i = 0; i < 2; ++i) {
      const double f = 1.0 / (1.0 + std::exp(-(w * X(i, 0) + b)));
      L += 0.5 * (f - Y[i]) * (f - Y[i]);
      dw += (f - Y[i]) * f * (1 - f) * X(i, 0);
      db += (f - Y[i]) * f * (1 - f);
    }
    gradlab::Neuron n(Eigen::VectorXd::Constant(1, w), b);
    BOOST_TEST(n.loss(X, Y) == L, boost::test_tools::tolerance(1e-14));
    for (auto method : {gradlab::GradMethod::Formula, gradlab::GradMethod::Autodiff}) {
      const Eigen::VectorXd g = n.gradient(X, Y, method);
      BOOST_TEST(g[0] == dw, boost::test_tools::tolerance(1e-13));
      BOOST_TEST(g[1] == db, boost::test_tools::tolerance(1e-13));
    }
  }
}

// The table prints each parameter (by name) with its three values, the differences and what rounding
// allows.
BOOST_AUTO_TEST_CASE(cross_check_table) {
  gradlab::Neuron n = gradlab::article::start();
  const std::string t = n.cross_check(gradlab::article::inputs(), gradlab::article::targets()).table();
  BOOST_TEST(t.find("parameter") == 0u);
  BOOST_TEST(t.find("autodiff") != std::string::npos);
  BOOST_TEST(t.find("central diff") != std::string::npos);
  BOOST_TEST(t.find("\nw          -0.00078747126028783825") != std::string::npos, t);
  BOOST_TEST(t.find("\nb  ") != std::string::npos);
  BOOST_TEST(t.find("allowed") != std::string::npos);
}

// BCE from the pre-activation: L = softplus(z) - y z is finite and exact at |z| = 800, where the
// naive -[y ln f + (1 - y) ln(1 - f)] takes ln 0.
BOOST_AUTO_TEST_CASE(bce_is_stable_for_large_logits) {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Constant(1, 1, 1.0);
  struct Case {
    double z, y, loss, grad;
  };
  for (const Case& c :
       {Case{800.0, 1.0, 0.0, 0.0}, Case{800.0, 0.0, 800.0, 1.0}, Case{-800.0, 1.0, 800.0, -1.0},
        Case{-800.0, 0.0, 0.0, 0.0}, Case{40.0, 0.25, 30.0, 0.75}}) {
    gradlab::Neuron n(Eigen::VectorXd::Zero(1), c.z, "sigmoid", "binary_cross_entropy");
    const Eigen::VectorXd Y = Eigen::VectorXd::Constant(1, c.y);
    BOOST_TEST_CONTEXT("z = " << c.z << ", y = " << c.y) {
      BOOST_TEST(n.loss(X, Y) == c.loss, boost::test_tools::tolerance(1e-15));
      for (auto m : {gradlab::GradMethod::Formula, gradlab::GradMethod::Autodiff}) {
        const Eigen::VectorXd g = n.gradient(X, Y, m);
        BOOST_TEST(std::isfinite(g[1]));
        BOOST_TEST(g[1] == c.grad, boost::test_tools::tolerance(1e-15));
        BOOST_TEST(g[0] == g[1]);  // dL/dw = dL/dz x with x = 1
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bce_logit_form_equals_the_probability_form) {
  const gradlab::LossInfo& bce = gradlab::loss("binary_cross_entropy");
  for (double z : {-3.0, -0.5, 0.0, 0.7, 4.0})
    for (double y : {0.0, 0.3, 1.0}) {
      const double f = 1.0 / (1.0 + std::exp(-z));
      BOOST_TEST(bce.value_logit(z, y) == bce.value(f, y), boost::test_tools::tolerance(1e-13));
      BOOST_TEST(bce.d_logit(z, y) == bce.d(f, y) * f * (1 - f), boost::test_tools::tolerance(1e-13));
    }
}

BOOST_AUTO_TEST_CASE(hessian_at_the_optimum) {
  // With zero residuals, H = sum_i (f_i (1 - f_i))^2 [x_i^2 x_i; x_i 1].
  const gradlab::article::Optimum opt = gradlab::article::exact_optimum();
  BOOST_TEST(opt.w == 0.5 * (std::log(9.0) - std::log(0.25)), boost::test_tools::tolerance(1e-15));
  gradlab::Neuron n(Eigen::VectorXd::Constant(1, opt.w), opt.b);
  BOOST_TEST(n.forward(Eigen::VectorXd::Constant(1, 0.5)) == 0.2, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(n.forward(Eigen::VectorXd::Constant(1, 2.5)) == 0.9, boost::test_tools::tolerance(1e-14));
  const gradlab::article::Curvature c = gradlab::article::curvature(n);
  const double s0 = 0.2 * 0.8, s1 = 0.9 * 0.1;
  Eigen::Matrix2d H;
  H << s0 * s0 * 0.25 + s1 * s1 * 6.25, s0 * s0 * 0.5 + s1 * s1 * 2.5, s0 * s0 * 0.5 + s1 * s1 * 2.5,
      s0 * s0 + s1 * s1;
  BOOST_TEST((c.hessian - H).cwiseAbs().maxCoeff() < 1e-14);
  const double tr = H.trace(), det = H.determinant();
  const double lmax = 0.5 * (tr + std::sqrt(tr * tr - 4 * det));
  BOOST_TEST(c.eigenvalues[1] == lmax, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(c.max_stable_learning_rate == 2.0 / lmax, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(misuse_errors) {
  gradlab::Neuron n(Eigen::VectorXd::Zero(2), 0.0);
  const Eigen::MatrixXd X3 = Eigen::MatrixXd::Zero(4, 3);
  const Eigen::VectorXd y4 = Eigen::VectorXd::Zero(4);
  BOOST_TEST(message_of<gradlab::ShapeError>([&] { (void)n.loss(X3, y4); }) ==
             "Neuron::loss: X is 4x3 (4 samples of 3 features) but w is 2x1 (2 inputs)");
  BOOST_TEST(message_of<gradlab::ShapeError>([&] {
               (void)n.gradient(Eigen::MatrixXd::Zero(4, 2), y4.head(3));
             }) == "Neuron::gradient: X is 4x2 (4 samples) but y is 3x1 (3 targets)");
  BOOST_TEST(message_of<gradlab::ShapeError>([&] { (void)n.forward(Eigen::VectorXd::Zero(3)); }) ==
             "Neuron: x is 3x1 but w is 2x1; they must have the same length");
  BOOST_TEST(message_of<gradlab::ShapeError>([&] { n.set_params(Eigen::VectorXd::Zero(2)); }) ==
             "Neuron::set_params: theta is 2x1 but a neuron with 2 inputs needs 3x1 ([w, b])");
  BOOST_CHECK_THROW(gradlab::Neuron(Eigen::VectorXd(), 0.0), gradlab::ShapeError);

  const std::string act =
      message_of<gradlab::Error>([] { gradlab::Neuron(Eigen::VectorXd::Zero(1), 0, "sigmod"); });
  BOOST_TEST(act.find("unknown activation 'sigmod'; known activations: sigmoid, tanh, relu") == 0u, act);
  const std::string loss =
      message_of<gradlab::Error>([] { gradlab::Neuron(Eigen::VectorXd::Zero(1), 0, "sigmoid", "mse"); });
  BOOST_TEST(loss == "unknown loss 'mse'; known losses: squared_error, binary_cross_entropy", loss);

  // BCE needs outputs in (0, 1): relu gives 0 here.
  gradlab::Neuron r(Eigen::VectorXd::Zero(1), -1.0, "relu", "binary_cross_entropy");
  const std::string range = message_of<gradlab::DomainError>(
      [&] { (void)r.loss(Eigen::MatrixXd::Ones(2, 1), Eigen::VectorXd::Constant(2, 0.5)); });
  BOOST_TEST(
      range.find("loss 'binary_cross_entropy' needs the output in (0, 1), but activation 'relu' gave f = 0 "
                 "at sample 0") == 0u,
      range);
  // the same check on matrix nodes, at the first sample out of range
  const gradlab::Neuron r1(Eigen::VectorXd::Ones(1), -1.0, "relu", "binary_cross_entropy");
  const Eigen::MatrixXd X2 = (Eigen::MatrixXd(2, 1) << 1.5, 0.5).finished();  // z = 0.5, -0.5
  const std::string range_matrix = message_of<gradlab::DomainError>(
      [&] { (void)r1.gradient(X2, Eigen::VectorXd::Constant(2, 0.5), gradlab::GradMethod::AutodiffMatrix); });
  BOOST_TEST(range_matrix.find("but activation 'relu' gave f = 0 at sample 1") != std::string::npos,
             range_matrix);
  // and in the formula's pass over blocks of rows: the first sample out of range, in the third block
  const Eigen::Index rows = gradlab::Neuron::formula_block_rows(1);
  Eigen::MatrixXd Xf = Eigen::MatrixXd::Constant(3 * rows, 1, 1.5);
  Xf(2 * rows + 5, 0) = 0.5;
  Xf(2 * rows + 9, 0) = 0.25;
  const std::string range_formula = message_of<gradlab::DomainError>([&] {
    (void)r1.value_and_gradient(Xf, Eigen::VectorXd::Constant(3 * rows, 0.5), gradlab::GradMethod::Formula);
  });
  BOOST_TEST(range_formula.find(fmt::format("but activation 'relu' gave f = 0 at sample {}", 2 * rows + 5)) !=
                 std::string::npos,
             range_formula);

  BOOST_TEST(message_of<gradlab::Error>([&] { (void)n.hessian(Eigen::MatrixXd::Zero(4, 2), y4); }).empty());
  BOOST_TEST(message_of<gradlab::Error>(
                 [&] { (void)n.hessian(Eigen::MatrixXd::Zero(4, 2), y4, gradlab::GradMethod::Formula); }) ==
             "Neuron::hessian: the Hessian is computed by autodiff only (method Autodiff, "
             "AutodiffScalar or AutodiffMatrix)");
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const gradlab::MatVar w3 = gradlab::matrix_variable(Eigen::VectorXd::Zero(3));
  BOOST_TEST(message_of<gradlab::ShapeError>([&] {
               (void)n.record_loss(w3, tape.variable(0.0), Eigen::MatrixXd::Zero(4, 2), y4);
             }) == "Neuron::record_loss: w is 3x1 but a neuron with 2 inputs needs 2x1");
}

namespace {
/// z_i = x_i1 w_1 + x_i2 w_2 + ... + x_id w_d + b, added in order of the features from the first
/// product: the reference every pre-activation of the neuron must equal bit for bit.
double in_order_z(const Eigen::MatrixXd& X, Eigen::Index i, const Eigen::VectorXd& w, double b) {
  double z = X(i, 0) * w[0];
  for (Eigen::Index j = 1; j < w.size(); ++j) z += X(i, j) * w[j];
  return z + b;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// Features whose products span six orders of magnitude, so that any other order of addition
/// changes the last bits of some z.
Problem wide_problem(Eigen::Index n, Eigen::Index d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), e(-3.0, 3.0);
  Problem p{Eigen::MatrixXd(n, d), Eigen::VectorXd(n), Eigen::VectorXd(d), 0.3};
  for (Eigen::Index i = 0; i < p.X.size(); ++i) p.X.data()[i] = u(rng) * std::pow(10.0, e(rng));
  for (Eigen::Index i = 0; i < n; ++i) p.y[i] = 0.5 + 0.45 * u(rng);
  for (Eigen::Index j = 0; j < d; ++j) p.w[j] = u(rng) * 0.3 / std::sqrt(static_cast<double>(d));
  return p;
}
}  // namespace

// With many features, Eigen's dot product of two contiguous vectors (w . x in pre_activation and
// forward) added in an order that depends on the register width: other digits in the SSE2 and AVX2
// builds. Every z of the neuron now adds in order of the features, and the formula pass (blocks of
// rows, gradient columns transposed in registers) adds every sum in order of the samples, its f and
// f' from the activation's block function (sigmoid's vectorised: its loss may differ from loss()'s,
// which takes value_fn, in the last bits).
BOOST_AUTO_TEST_CASE(every_sum_adds_in_one_order_whatever_the_register_width) {
  const std::pair<const char*, const char*> models[] = {{"sigmoid", "squared_error"},
                                                        {"elu", "squared_error"},
                                                        {"tanh", "squared_error"},
                                                        {"sigmoid", "binary_cross_entropy"}};
  for (const Eigen::Index d : {Eigen::Index{1}, Eigen::Index{3}, Eigen::Index{8}, Eigen::Index{37}}) {
    // several blocks, the last one a few rows that fill no register
    const Eigen::Index n = 2 * gradlab::Neuron::formula_block_rows(d) + 7;
    const Problem p = wide_problem(n, d, static_cast<unsigned>(d));
    for (const auto& [act, loss] : models) {
      const gradlab::Neuron neuron(p.w, p.b, act, loss);
      const gradlab::ActivationInfo& a = gradlab::activation(act);
      const gradlab::LossInfo& l = gradlab::loss(loss);
      const bool logit = l.uses_logit(a);
      double L = 0.0, L_blocks = 0.0;
      Eigen::VectorXd g = Eigen::VectorXd::Zero(d + 1);
      const Eigen::VectorXd f = neuron.forward_batch(p.X);
      Eigen::VectorXd zs(n), fb(n), dfb(n);
      for (Eigen::Index i = 0; i < n; ++i) zs[i] = in_order_z(p.X, i, p.w, p.b);
      a.values_and_slopes_fn(zs.data(), fb.data(), dfb.data(), static_cast<std::size_t>(n), neuron.alpha());
      for (Eigen::Index i = 0; i < n; ++i) {
        const double z = zs[i];
        const Eigen::VectorXd x = p.X.row(i).transpose();  // contiguous
        BOOST_TEST_REQUIRE(same_bits(neuron.pre_activation(x), z), "d " << d << " row " << i);
        BOOST_TEST_REQUIRE(same_bits(neuron.forward(x), a.value_fn(z, neuron.alpha())));
        BOOST_TEST_REQUIRE(same_bits(f[i], a.value_fn(z, neuron.alpha())));
        const double fz = a.value_fn(z, neuron.alpha());
        L += logit ? l.value_logit(z, p.y[i]) : l.value(fz, p.y[i]);
        L_blocks += logit ? l.value_logit(z, p.y[i]) : l.value(fb[i], p.y[i]);
        const double dz = logit ? l.d_logit(z, p.y[i]) : l.d(fb[i], p.y[i]) * dfb[i];
        for (Eigen::Index j = 0; j < d; ++j) g[j] += dz * p.X(i, j);
        g[d] += dz;
      }
      const gradlab::ValueAndGradient vg = neuron.value_and_gradient(p.X, p.y, gradlab::GradMethod::Formula);
      BOOST_TEST(same_bits(vg.value, L_blocks), act << " " << loss << " d " << d);
      BOOST_TEST(same_bits(neuron.loss(p.X, p.y), L));
      const Eigen::VectorXd formula = neuron.gradient(p.X, p.y, gradlab::GradMethod::Formula);
      for (Eigen::Index k = 0; k <= d; ++k) {
        BOOST_TEST(same_bits(vg.gradient[k], g[k]), act << " " << loss << " d " << d << " k " << k);
        BOOST_TEST(same_bits(formula[k], g[k]));
      }
    }
  }
}

// A NaN anywhere in the data makes the loss and every gradient NaN, in the formula's blocks too.
BOOST_AUTO_TEST_CASE(a_nan_in_the_data_gives_nan_out_of_the_formula_pass) {
  for (const char* loss : {"squared_error", "binary_cross_entropy"}) {
    Problem p = wide_problem(1000, 20, 7);
    p.X(700, 4) = std::nan("");
    const gradlab::Neuron neuron(p.w, p.b, "sigmoid", loss);
    const gradlab::ValueAndGradient vg = neuron.value_and_gradient(p.X, p.y, gradlab::GradMethod::Formula);
    BOOST_TEST(std::isnan(vg.value), loss);
    BOOST_TEST(vg.gradient.array().isNaN().all(), loss << ": " << vg.gradient.transpose());
  }
}

// The squared error's matrix form is one dot product of 0.5 e and e (three nodes: e, 0.5 e and the
// dot, where the generic sum(value(f, y)) records four: e, 0.5 e, their product and its sum), with the
// same digits: the value and the gradient bit for bit, on outputs of many magnitudes, products that
// underflow to subnormals and a sum that overflows.
BOOST_AUTO_TEST_CASE(the_squared_error_matrix_form_has_the_digits_of_the_sum) {
  const Eigen::Index n = 1003;
  Eigen::MatrixXd f0(n, 1), y0(n, 1);
  for (Eigen::Index k = 0; k < n; ++k) {
    f0(k) =
        static_cast<double>((k * 7919) % 2003 - 1001) / 7.0 * std::pow(10.0, static_cast<double>(k % 13 - 6));
    y0(k) = static_cast<double>((k * 104729) % 1009) / 1009.0;
  }
  f0(5) = y0(5) + 3e-160;  // (0.5 e) e is subnormal
  f0(6) = y0(6) - 7e-170;
  for (const double big : {1.0, 1.5e154}) {  // 1.5e154: two finite products whose sum overflows to inf
    f0(7) = f0(8) = big;
    struct Result {
      double value;
      Eigen::MatrixXd g;
      std::size_t nodes;
    };
    const auto gradient = [&](bool record_form) {
      gradlab::Tape tape;
      gradlab::TapeScope scope(tape);
      const gradlab::MatVar f = gradlab::matrix_variable(f0), y = gradlab::matrix_constant(y0);
      const std::size_t before = tape.size();
      const gradlab::Var L = record_form ? gradlab::loss("squared_error").value_matrix(f, y)
                                         : gradlab::sum(gradlab::losses::SquaredError::value(f, y));
      const std::size_t nodes = tape.size() - before;
      return Result{L.value(), gradlab::grad(L, f), nodes};
    };
    const auto [value, g, nodes] = gradient(true);
    const auto [want, want_g, generic_nodes] = gradient(false);
    BOOST_TEST(nodes == 3u);
    BOOST_TEST(generic_nodes == 4u);
    BOOST_TEST(value == want, fmt::format("{:a} against {:a}", value, want));
    BOOST_TEST(std::isinf(value) == (big > 1.0));
    for (Eigen::Index k = 0; k < n; ++k)
      BOOST_TEST(g(k) == want_g(k), fmt::format("entry {}: {:a} against {:a}", k, g(k), want_g(k)));
  }
}

// A loss record whose value takes y as a double has no matrix form: Autodiff keeps scalar nodes,
// the cross-check says n/a, and asking for matrix nodes names the loss and the fix. (Last: it
// registers a loss, which the loops over every loss above must not see.)
BOOST_AUTO_TEST_CASE(a_loss_without_matrix_form) {
  const gradlab::LossInfo& abs_loss = gradlab::register_loss<AbsoluteError>();
  BOOST_TEST(abs_loss.value_matrix == nullptr);
  BOOST_TEST(gradlab::loss("squared_error").value_matrix != nullptr);
  BOOST_TEST(gradlab::loss("binary_cross_entropy").value_logit_matrix != nullptr);
  std::mt19937_64 rng(5);
  const Problem p = random_problem(rng, false, 20);
  const gradlab::Neuron n(p.w, p.b, "tanh", AbsoluteError::name);
  BOOST_TEST(!n.uses_matrix_nodes(20));
  BOOST_TEST((n.gradient(p.X, p.y, gradlab::GradMethod::Autodiff).array() ==
              n.gradient(p.X, p.y, gradlab::GradMethod::AutodiffScalar).array())
                 .all());
  const gradlab::CrossCheckReport r = n.cross_check(p.X, p.y);
  BOOST_TEST(!r.has_matrix_nodes);
  BOOST_TEST(r.agrees());
  BOOST_TEST(r.table().find("n/a") != std::string::npos, r.table());
  BOOST_TEST(
      message_of<gradlab::Error>([&] { (void)n.gradient(p.X, p.y, gradlab::GradMethod::AutodiffMatrix); }) ==
      "Neuron::record_loss: loss 'test_absolute_error' has no matrix form (its value takes y as a "
      "double; make y's type a template parameter, as the built-in losses do)");
}

BOOST_AUTO_TEST_SUITE_END()
