#define BOOST_TEST_MODULE gradlab_matrix
#include <boost/test/unit_test.hpp>
