#define BOOST_TEST_MODULE gradlab_networks
#include <boost/test/unit_test.hpp>
