#define BOOST_TEST_MODULE gradlab_autodiff
#include <boost/test/unit_test.hpp>
