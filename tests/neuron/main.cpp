#define BOOST_TEST_MODULE gradlab_neuron
#include <boost/test/unit_test.hpp>
