#define BOOST_TEST_MODULE gradlab_figures
#include <boost/test/unit_test.hpp>
