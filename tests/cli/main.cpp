#define BOOST_TEST_MODULE gradlab_cli
#include <boost/test/unit_test.hpp>
