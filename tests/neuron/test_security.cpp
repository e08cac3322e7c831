// Hostile names: no text a user gives (a data file's name, an output directory, a CSV column name,
// an activation's name, a title or a label) runs as code when the figures are drawn, by gradlab or
// by a user re-rendering a script with `gnuplot NAME.gp`. Each hostile name tries to create a file
// whose name starts with PWNED; after every run the scratch directory must hold none.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gradlab/figures.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/article.hpp"
#include "scratch.hpp"

extern char** environ;  // NOLINT: POSIX

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

/// Names that run a command if they reach gnuplot (or a shell) as code. None contains a '/', so
/// each is also a valid file name.
const std::vector<std::string>& hostile() {
  static const std::vector<std::string> names{
      "b`touch PWNED_backquote`",
      "d$(touch PWNED_dollar)",
      "q\"; system(\"touch PWNED_dq\"); \"",
      "s'; system('touch PWNED_sq'); '",
      "n\n!touch PWNED_newline\n",
      "r\r!touch PWNED_cr\r",
      "m@GPVAL_PWD `touch PWNED_macro`",
      "c\\\n!touch PWNED_continuation",
      "-dash",
  };
  return names;
}

/// Every file under dir whose name starts with PWNED: the proof that a command ran.
std::vector<std::string> markers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().rfind("PWNED", 0) == 0) found.push_back(e.path().string());
  return found;
}

/// Runs argv in cwd without a shell; stdout and stderr go to `log`. Returns the exit status.
int run(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {}
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool have_gnuplot() { return run({"gnuplot", "--version"}, fs::current_path(), "/dev/null") == 0; }

/// Re-renders every .gp script under dir as a user would, `gnuplot NAME.gp` in its directory.
void rerender_all(const fs::path& dir) {
  std::vector<fs::path> scripts;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".gp") scripts.push_back(e.path());
  BOOST_TEST(!scripts.empty());
  for (const fs::path& s : scripts)
    run({"gnuplot", "./" + s.filename().string()}, s.parent_path(), dir / "rerender.log");
}

// Activation records whose names are hostile (registered by the test).
// Activation records whose names (and texts) are hostile, registered by the test.
#define GRADLAB_HOSTILE_ACTIVATION(K, NAME)                                          \
  struct Hostile##K {                                                                \
    static constexpr const char* name = NAME;                                        \
    static constexpr const char* formula = "f(x) = x `touch PWNED_formula`";         \
    static constexpr const char* formula_latex = "x";                                \
    static constexpr const char* derivative = "f'(x) = 1 $(touch PWNED_derivative)"; \
    static constexpr const char* derivative_latex = "1";                             \
    static constexpr const char* kink = "none'\n!touch PWNED_kink";                  \
    static constexpr Domain domain{-1.0, 1.0};                                       \
    template <class T> static T value(const T& x) { return x; }                      \
    template <class T> static T d(const T& x) { return 0.0 * x + 1.0; }              \
  };
GRADLAB_HOSTILE_ACTIVATION(0, "act`touch PWNED_act_backquote`")
GRADLAB_HOSTILE_ACTIVATION(1, "act\n!touch PWNED_act_newline\n")
GRADLAB_HOSTILE_ACTIVATION(2, "act'; system('touch PWNED_act_sq'); '")
GRADLAB_HOSTILE_ACTIVATION(3, "act/../../PWNED_act_path")
GRADLAB_HOSTILE_ACTIVATION(4, "-act\"; system(\"touch PWNED_act_dq\"); \"")
#undef GRADLAB_HOSTILE_ACTIVATION

}  // namespace

BOOST_AUTO_TEST_SUITE(security)

BOOST_AUTO_TEST_CASE(gnuplot_quote_makes_text_inert) {
  BOOST_TEST(figures::gnuplot_quote("abc") == "'abc'");
  BOOST_TEST(figures::gnuplot_quote("it's") == "'it''s'");
  BOOST_TEST(figures::gnuplot_quote("a\nb\rc\td") == "'a?b?c?d'");
  BOOST_TEST(figures::gnuplot_quote("`x` $(y) @z \"w\" \\") == "'`x` $(y) @z \"w\" \\'");
  for (const std::string& h : hostile()) {
    const std::string q = figures::gnuplot_quote(h);
    BOOST_TEST(q.find('\n') == std::string::npos);
    BOOST_TEST(q.find('\r') == std::string::npos);
    // Inside the quotes every ' comes in a pair: the string never ends early.
    const std::string inside = q.substr(1, q.size() - 2);
    for (std::size_t k = 0; k < inside.size(); ++k)
      if (inside[k] == '\'') BOOST_TEST((k + 1 < inside.size() && inside[++k] == '\''));
  }
}

BOOST_AUTO_TEST_CASE(hostile_titles_labels_dirs_and_run_names_run_nothing) {
  Scratch s("security_library");
  const bool gnuplot = have_gnuplot();
  const Trajectory t = article::run_gradient_descent();
  figures::Grid g = figures::article_grid();
  g.nw = g.nb = 20;
  const Neuron start = article::start();
  const figures::Surface surface = figures::loss_surface(start, article::inputs(), article::targets(), g);
  const auto arrows = figures::gradient_arrows(start, article::inputs(), article::targets(), g, 4);
  for (const std::string& h : hostile()) {
    BOOST_TEST_CONTEXT("name " << figures::gnuplot_quote(h)) {
      figures::Options o;
      o.loss_label = h;
      o.frames = 2;
      const fs::path dir = s.dir / h;  // a directory named by the hostile text, e.g. "-dash"
      figures::Report r = figures::write_landscape(dir.string(), surface, arrows, t, h, o);
      r.merge(figures::write_optimizer_paths(dir.string(), surface, {{h, t}, {"gd", t}}, h, o));
      BOOST_TEST(r.errors.empty(), (r.errors.empty() ? "" : r.errors.front()));
      if (gnuplot) {
        BOOST_TEST(r.images.size() == 5u);
        for (const char* image :
             {"loss_surface.png", "contour.png", "loss_curve.png", "descent.gif", "optimizers.png"})
          BOOST_TEST(fs::exists(dir / image), image);
      }
      BOOST_TEST(markers(s.dir).empty());
    }
  }
  if (gnuplot) rerender_all(s.dir);
  const auto found = markers(s.dir);
  BOOST_TEST(found.empty(), (found.empty() ? "" : found.front()));
}

BOOST_AUTO_TEST_CASE(hostile_activation_names_run_nothing_and_stay_in_the_directory) {
  register_activation<Hostile0>();
  register_activation<Hostile1>();
  register_activation<Hostile2>();
  register_activation<Hostile3>();
  register_activation<Hostile4>();
  Scratch s("security_activations");
  const fs::path dir = s.dir / "plots" / "inner";
  const figures::Report r = figures::write_activation_plots(dir.string(), {}, 11);
  BOOST_TEST(r.errors.empty(), (r.errors.empty() ? "" : r.errors.front()));
  // Every file is inside the directory, one .dat and .gp per activation (names made unique).
  const std::size_t acts = activation_list().size();
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(s.dir))
    if (e.is_regular_file()) {
      BOOST_TEST(e.path().parent_path() == dir, e.path());
      ++files;
    }
  BOOST_TEST(files == (have_gnuplot() ? 3 : 2) * acts);
  if (have_gnuplot()) {
    BOOST_TEST(r.images.size() == acts);
    rerender_all(s.dir);
  }
  const auto found = markers(s.dir);
  BOOST_TEST(found.empty(), (found.empty() ? "" : found.front()));
}

#ifdef GRADLAB_CLI
// The program with hostile --data, --out and --plot names and hostile CSV column names. With two
// features train draws the loss curve only (its title holds the data file's name); one run with one
// feature draws every landscape figure under a name that holds every payload at once.
BOOST_AUTO_TEST_CASE(hostile_names_through_the_program_run_nothing) {
  Scratch s("security_cli");
  const fs::path log = s.dir / "log.txt";
  std::string all = "all";
  for (const std::string& h : hostile()) all += h;
  std::vector<std::string> names = hostile();
  names.push_back(all);
  for (const std::string& h : names) {
    BOOST_TEST_CONTEXT("name " << figures::gnuplot_quote(h)) {
      const std::string data = "d" + h + ".csv";
      std::string column = "x" + h;  // a CSV line holds no line break: those become spaces
      for (char& c : column)
        if (c == '\n' || c == '\r') c = ' ';
      {
        std::ofstream csv(s.dir / data);
        csv << column << ",z'\"@x,y`touch PWNED_column`\n0.5,1,0.2\n2.5,-1,0.9\n";
      }
      const bool landscape = h == all;
      std::vector<std::string> args{GRADLAB_CLI, "train", "--data", data, "--out", h, "--epochs", "20"};
      if (landscape) args.insert(args.end(), {"--features", column});
      BOOST_TEST(run(args, s.dir, log) == 0);
      BOOST_TEST(fs::exists(s.dir / h / "trajectory.csv"));
      BOOST_TEST(fs::exists(s.dir / h / (landscape ? "descent.gp" : "loss_curve.gp")));
      BOOST_TEST(markers(s.dir).empty());
    }
  }
  BOOST_TEST(
      run({GRADLAB_CLI, "train", "--data=d-dash.csv", "--out=-", "--epochs=5", "--json"}, s.dir, log) == 0);
  BOOST_TEST(fs::exists(s.dir / "-" / "loss_curve.gp"));
  // Directories named '-' and '-dash' are directories, not options of cd.
  BOOST_TEST(run({GRADLAB_CLI, "activations", "--plot=-"}, s.dir, log) == 0);
  BOOST_TEST(fs::exists(s.dir / "-" / "activation_sigmoid.dat"));
  BOOST_TEST(run({GRADLAB_CLI, "activations", "--plot=-dash"}, s.dir, log) == 0);
  BOOST_TEST(fs::exists(s.dir / "-dash" / "activation_sigmoid.dat"));
  if (have_gnuplot()) {
    BOOST_TEST(fs::exists(s.dir / "-" / "activation_sigmoid.png"));
    BOOST_TEST(fs::exists(s.dir / "-dash" / "activation_sigmoid.png"));
    rerender_all(s.dir);
  }
  const auto found = markers(s.dir);
  BOOST_TEST(found.empty(), (found.empty() ? "" : found.front()));
}

// An activations file (--activations) under every hostile name, plotted: its names and formulas reach
// the gnuplot scripts only quoted. Hostile text inside the file is refused by the loader (a name is an
// identifier, a definition an expression) before anything runs.
BOOST_AUTO_TEST_CASE(hostile_activation_files_run_nothing) {
  Scratch s("security_activation_files");
  const fs::path log = s.dir / "log.txt";
  for (const std::string& h : hostile()) {
    BOOST_TEST_CONTEXT("name " << figures::gnuplot_quote(h)) {
      const std::string file = "a" + h + ".txt";
      std::ofstream(s.dir / file) << "sec_mish(x) = x*tanh(softplus(x))\n"
                                  << "sec_hs(x) = min(max(x + 3, 0), 6)/6\nkinks: -3, 3\n";
      BOOST_TEST(run({GRADLAB_CLI, "activations", "--activations", file, "--plot", "plots"}, s.dir, log) ==
                 0);
      BOOST_TEST(fs::exists(s.dir / "plots" / "activation_sec_mish.dat"));
      BOOST_TEST(fs::exists(s.dir / "plots" / "activation_sec_hs.gp"));
      const std::string bad = "b" + h + ".txt";
      std::ofstream(s.dir / bad) << "sec(x) = x\"; system(\"touch PWNED_def\")\n" << h << "(x) = x\n";
      BOOST_TEST(run({GRADLAB_CLI, "activations", "--activations", bad, "--plot", "plots"}, s.dir, log) == 2);
      BOOST_TEST(markers(s.dir).empty());
    }
  }
  if (have_gnuplot()) rerender_all(s.dir);
  const auto found = markers(s.dir);
  BOOST_TEST(found.empty(), (found.empty() ? "" : found.front()));
}

// An --out that cannot be written is found before anything else is done (before the data is even
// read: here the data file does not exist either, and the message is about --out), not after training.
BOOST_AUTO_TEST_CASE(an_unwritable_out_fails_before_training) {
  Scratch s("security_unwritable_out");
  std::ofstream(s.dir / "file") << "x";
  const fs::path log = s.dir / "log.txt";
  BOOST_TEST(run({GRADLAB_CLI, "train", "--data", "missing.csv", "--out", "file/out"}, s.dir, log) == 2);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(text.find("cannot create the directory 'file/out'") != std::string::npos, text);
  BOOST_TEST(text.find("missing.csv") == std::string::npos, text);
}
// A network run's figures (loss and accuracy curves, decision boundary) with hostile data file,
// --out and column names: nothing runs, when drawn or re-rendered; an unwritable --out fails first.
BOOST_AUTO_TEST_CASE(hostile_names_through_a_network_run_nothing) {
  Scratch s("security_network");
  const fs::path log = s.dir / "log.txt";
  std::string all = "all";
  for (const std::string& h : hostile()) all += h;
  std::string column = "x" + all;  // a CSV line holds no line break: those become spaces
  for (char& c : column)
    if (c == '\n' || c == '\r') c = ' ';
  const std::string data = "d" + all + ".csv";
  {
    std::ofstream csv(s.dir / data);
    csv << column << ",z'\"@x,y`touch PWNED_column`\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";
  }
  BOOST_TEST(run({GRADLAB_CLI, "train", "--data", data, "--hidden", "3", "--loss", "bce", "--epochs", "20",
                  "--validation", "0.25", "--out", all},
                 s.dir, log) == 0);
  for (const char* f : {"history.csv", "loss_curves.gp", "accuracy_curves.gp", "boundary.dat", "samples.csv",
                        "decision_boundary.gp"})
    BOOST_TEST(fs::exists(s.dir / all / f), f);
  if (have_gnuplot()) {
    BOOST_TEST(fs::exists(s.dir / all / "decision_boundary.png"));
    rerender_all(s.dir);
  }
  const auto found = markers(s.dir);
  BOOST_TEST(found.empty(), (found.empty() ? "" : found.front()));
  std::ofstream(s.dir / "file") << "x";
  const fs::path log2 = s.dir / "log2.txt";
  BOOST_TEST(run({GRADLAB_CLI, "train", "--data", "missing.csv", "--hidden", "2", "--out", "file/out"}, s.dir,
                 log2) == 2);
  std::ifstream in(log2);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(text.find("cannot create the directory 'file/out'") != std::string::npos, text);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
