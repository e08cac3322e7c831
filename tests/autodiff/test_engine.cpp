#include <boost/test/unit_test.hpp>
#include <gradlab/autodiff.hpp>

using gradlab::Var;

BOOST_AUTO_TEST_CASE(reused_nodes_accumulate) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  Var a = tape.variable(1.0);
  Var b = a + a;
  Var c = b + b;
  BOOST_TEST(gradlab::grad(c, {a})[0] == 4.0);
}
